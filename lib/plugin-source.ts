/**
 * Where a manager's loading loop gets its plugins. The loop is the same for
 * `new` and for `create()`; only the source differs: `require()` at the time
 * the loop asks (the constructor), or the results of `import()` that
 * `create()` awaited before running the loop.
 */
import type { EntryPoint } from './entry-point';
import { debug } from './diagnostics';
import { LoadError } from './exception';
import { traceLoad, traceLoadAsync } from './tracing';

/** Loads and invokes plugins for the loading loop. */
export interface PluginSource {
  /** The plugin an entry point names; throws what loading threw. */
  load(entryPoint: EntryPoint): unknown;
  /** What invoking the plugin makes; throws what invoking threw. */
  invoke(
    entryPoint: EntryPoint,
    plugin: unknown,
    args: readonly unknown[],
    kwds: Readonly<Record<string, unknown>>,
  ): unknown;
}

/** A plugin's name for messages: a function's or class's name, an object's constructor name. */
export function pluginName(plugin: unknown): string {
  if (typeof plugin === 'function') return plugin.name || '<anonymous>';
  if (typeof plugin === 'object' && plugin !== null) return plugin.constructor?.name ?? 'Object';
  return String(plugin);
}

function isConstructor(fn: Function): boolean {
  const source = Function.prototype.toString.call(fn);
  if (/^class\b/.test(source)) return true;
  // Arrow functions, methods, async and bound functions have no prototype.
  if (!Object.hasOwn(fn, 'prototype') || /^(async\s+)?function\s*\*/.test(source)) return false;
  // An ES5 constructor: methods on its prototype, or a capitalised name.
  const methods = Object.getOwnPropertyNames(fn.prototype).filter((key) => key !== 'constructor');
  return methods.length > 0 || /^\p{Lu}/u.test(fn.name);
}

/**
 * Invokes a plugin as stevedore does with `plugin(*args, **kwds)`: a class
 * (or ES5 constructor) with `new`, any other function with a call; `kwds`
 * becomes one final argument when it has keys.
 */
export function invokePlugin(
  plugin: unknown,
  args: readonly unknown[] = [],
  kwds: Readonly<Record<string, unknown>> = {},
): unknown {
  const callArgs = Object.keys(kwds).length ? [...args, kwds] : [...args];
  if (typeof plugin !== 'function') {
    throw new TypeError(`cannot invoke the plugin: ${pluginName(plugin)} is not a function or class`);
  }
  return isConstructor(plugin)
    ? Reflect.construct(plugin, callArgs)
    : (plugin as (...a: unknown[]) => unknown)(...callArgs);
}

/** The source of the constructor: `entryPoint.load()` (a synchronous `require`) when the loop asks. */
export const requiredPlugins: PluginSource = {
  load: (entryPoint) => traceLoad(entryPoint),
  invoke: (_entryPoint, plugin, args, kwds) => invokePlugin(plugin, args, kwds),
};

/** How `create()` invokes the plugins it imported: the manager's own settings. */
export interface ImportSettings {
  invokeOnLoad: boolean;
  invokeArgs: readonly unknown[];
  invokeKwds: Readonly<Record<string, unknown>>;
  /** Milliseconds after which a plugin that has not settled is a load failure. */
  loadTimeout: number | undefined;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Imported {
  loaded: Outcome;
  invoked?: Outcome;
}

/**
 * The source of `create()`: every admitted entry point imported (and, with
 * `invokeOnLoad`, invoked and its promise awaited) concurrently beforehand.
 * The loop then takes the outcomes in its own order, so failures are
 * reported exactly as the constructor reports them.
 */
export class ImportedPlugins implements PluginSource {
  private constructor(
    private readonly outcomes: Map<EntryPoint, Imported>,
    private readonly settings: ImportSettings,
  ) {}

  /** Imports (and invokes) the entry points; never rejects: failures are kept for the loop. */
  static async import(entryPoints: readonly EntryPoint[], settings: ImportSettings): Promise<ImportedPlugins> {
    const outcomes = new Map<EntryPoint, Imported>();
    await Promise.all(
      entryPoints.map(async (entryPoint) => {
        const timeout = (): string =>
          `entry point '${entryPoint.name}' (${entryPoint.value}) did not finish loading within ${settings.loadTimeout} ms`;
        const loaded = await settle(() => withTimeout(traceLoadAsync(entryPoint), settings.loadTimeout, timeout));
        const imported: Imported = { loaded };
        outcomes.set(entryPoint, imported);
        if (!loaded.ok || !settings.invokeOnLoad) return;
        imported.invoked = await settle(() =>
          withTimeout(
            Promise.resolve(invokePlugin(loaded.value, settings.invokeArgs, settings.invokeKwds)),
            settings.loadTimeout,
            timeout,
          ),
        );
      }),
    );
    return new ImportedPlugins(outcomes, settings);
  }

  load(entryPoint: EntryPoint): unknown {
    const imported = this.outcomes.get(entryPoint);
    // An entry point the loop was not meant to meet: load it as the constructor would.
    if (!imported) return traceLoad(entryPoint);
    return unwrap(imported.loaded);
  }

  invoke(
    entryPoint: EntryPoint,
    plugin: unknown,
    args: readonly unknown[],
    kwds: Readonly<Record<string, unknown>>,
  ): unknown {
    const imported = this.outcomes.get(entryPoint);
    // A `_loadOnePlugin` override may invoke with its own arguments: then it is invoked now, with those.
    const asImported =
      imported?.invoked && imported.loaded.ok && imported.loaded.value === plugin && this.sameArgs(args, kwds);
    if (asImported) return unwrap(imported.invoked!);
    if (imported?.invoked) debug.manager('%s: invoked again, with the arguments _loadOnePlugin passed', entryPoint);
    return invokePlugin(plugin, args, kwds);
  }

  private sameArgs(args: readonly unknown[], kwds: Readonly<Record<string, unknown>>): boolean {
    const { invokeArgs, invokeKwds } = this.settings;
    const sameList = args.length === invokeArgs.length && args.every((arg, i) => arg === invokeArgs[i]);
    return sameList && sameRecord(kwds, invokeKwds);
  }
}

function sameRecord(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

function unwrap(outcome: Outcome): unknown {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

async function settle(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

function withTimeout<V>(promise: Promise<V>, ms: number | undefined, what: () => string): Promise<V> {
  if (ms === undefined || !Number.isFinite(ms)) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // Not unref()'d: a plugin that never settles leaves nothing else on the event loop, and the
    // process would exit silently before the timeout could report it. Cleared as soon as it settles.
    timer = setTimeout(() => reject(new LoadError(what(), 'STEVEDORE_LOAD_TIMEOUT')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
