/**
 * ExtensionManager, the base of every manager, and Extension, the
 * book-keeping object for one loaded plugin (stevedore/extension.py).
 *
 * Subclasses change what is loaded by overriding a hook or two:
 * `_wants(entryPoint)` (which entry points to load at all),
 * `_loadOnePlugin(...)` (turn one entry point into an Extension, or null), and
 * `_initPlugins(extensions)` (check and store the loaded extensions).
 */
import type { EntryPoint } from './entry-point';
import { IncompatiblePlugin, KeyError, LoadError, MultipleMatches, NoMatches } from './exception';
import { debug, warnOnce } from './diagnostics';
import { describeError } from './describe-error';
import type { TrustPolicy } from './trust';
import { TrustChecker } from './trust';
import type { Registry } from './registry';
import { defaultRegistry } from './registry';
import { assertPeersMet } from './peers';
import { traceLoad, traceLoadAsync } from './tracing';

/**
 * Declare your namespaces here, by declaration merging, to have managers
 * infer their plugin type from the namespace name:
 *
 * ```ts
 * declare module 'stevedore-ts' {
 *   interface Namespaces { 'app.formatters': Formatter }
 * }
 * new ExtensionManager('app.formatters'); // ExtensionManager of Formatter
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Namespaces {}

declare const fromNamespace: unique symbol;
/** The default plugin type argument: "look the namespace up in {@link Namespaces}". */
export interface FromNamespace {
  readonly [fromNamespace]: true;
}

/** The plugin type of a manager: `T` when given, else the namespace's entry in {@link Namespaces}. */
export type PluginType<T, N extends string> = 0 extends 1 & T
  ? // eslint-disable-next-line @typescript-eslint/no-explicit-any
    any
  : [T] extends [FromNamespace]
    ? N extends keyof Namespaces
      ? Namespaces[N]
      : unknown
    : T;

/**
 * One loaded plugin.
 *
 * @typeParam T What invoking the plugin makes (the type of `obj`).
 */
export class Extension<T = unknown> {
  /**
   * @param name The entry point name.
   * @param entryPoint The EntryPoint it was loaded from.
   * @param plugin What `entryPoint.load()` returned: usually a class or a
   *   function that makes a `T`, or a `T` itself.
   * @param obj What invoking `plugin` returned, when the manager invoked it on load.
   */
  constructor(
    public name: string,
    public entryPoint: EntryPoint | null,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    public plugin: any,
    public obj?: T | null,
  ) {}

  /** The module the entry point loads from. */
  get moduleName(): string {
    return requireEntryPoint(this).module;
  }

  /** The attribute path walked from the module, or null. */
  get attr(): string | null {
    return requireEntryPoint(this).attr;
  }

  /** The entry point's value, `module:attr [extras]`, as declared. */
  get entryPointTarget(): string {
    return requireEntryPoint(this).value;
  }
}

function requireEntryPoint(extension: Extension<unknown>): EntryPoint {
  if (!extension.entryPoint) throw new TypeError(`extension '${extension.name}' has no entry point`);
  return extension.entryPoint;
}

/** Called when an entry point cannot be loaded (or invoked): `(manager, entryPoint, error)`. */
export type OnLoadFailureCallback<T = unknown> = (
  manager: ExtensionManager<T>,
  entryPoint: EntryPoint,
  error: unknown,
) => void;

/** Chooses the extension `get(name)` returns when several share a name. */
export type ConflictResolver<T = unknown> = (
  namespace: string,
  name: string,
  extensions: Extension<T>[],
) => Extension<T>;

/** Options every manager takes (stevedore's keyword arguments, in camelCase). */
export interface ManagerOptions<T = unknown> {
  /** Invoke each plugin after loading it: `new` for a class, a call for any other function. Default false. */
  invokeOnLoad?: boolean;
  /** Arguments to invoke plugins with. */
  invokeArgs?: readonly unknown[];
  /** Named arguments, passed as one final object argument when it has keys. */
  invokeKwds?: Readonly<Record<string, unknown>>;
  /** Let errors thrown inside `map()` propagate instead of being reported and skipped. Default false. */
  propagateMapExceptions?: boolean;
  /** Called when an entry point fails to load; without one, a `STEVEDORE_LOAD_FAILED` warning is emitted. */
  onLoadFailureCallback?: OnLoadFailureCallback<T> | null;
  /** Chooses among extensions of the same name in `get()` and `items()`. Default {@link ignoreConflicts}. */
  conflictResolver?: ConflictResolver<T>;
  /** Where entry points come from. Default {@link defaultRegistry}. */
  registry?: Registry;
  /** With `create()`: milliseconds after which a plugin that has not loaded is a load failure. */
  loadTimeout?: number;
  /**
   * Which packages may provide this namespace's plugins (see docs/security.md). An entry point
   * of any other package is never loaded, and is reported as `STEVEDORE_UNTRUSTED`. Default: all.
   */
  trust?: TrustPolicy;
  /**
   * Refuse a plugin whose package's `peerDependencies` the installed packages do not satisfy
   * (an `IncompatiblePlugin` load failure, `STEVEDORE_INCOMPATIBLE`). Default: the registry's `checkPeers`.
   */
  checkPeers?: boolean;
}

/** Options of `makeTestInstance()`. */
export interface TestInstanceOptions<T = unknown> {
  namespace?: string;
  propagateMapExceptions?: boolean;
  onLoadFailureCallback?: OnLoadFailureCallback<T> | null;
  conflictResolver?: ConflictResolver<T>;
  registry?: Registry;
}

/** What subclasses pass up: the common options plus their own settings. */
export interface ConfigureOptions<T = unknown> extends ManagerOptions<T> {
  names?: readonly string[];
  nameOrder?: boolean;
  onMissingEntrypointsCallback?: ((names: string[]) => void) | null;
  checkFunc?: (extension: Extension<T>) => unknown;
}

function pluginName(plugin: unknown): string {
  if (typeof plugin === 'function') return plugin.name || '<anonymous>';
  if (typeof plugin === 'object' && plugin !== null) return plugin.constructor?.name ?? 'Object';
  return String(plugin);
}

/** The default conflict resolver: warns, and uses the last extension found. */
export function ignoreConflicts<T>(namespace: string, name: string, extensions: Extension<T>[]): Extension<T> {
  warnOnce(
    'STEVEDORE_CONFLICT',
    `multiple implementations found for the '${name}' extension in ${namespace} namespace: ` +
      extensions.map((extension) => pluginName(extension.plugin)).join(', '),
  );
  return extensions[extensions.length - 1];
}

/** A conflict resolver that refuses: throws {@link MultipleMatches}. */
export function errorOnConflict<T>(namespace: string, name: string, extensions: Extension<T>[]): Extension<T> {
  throw new MultipleMatches(
    `multiple implementations found for the '${name}' command in ${namespace} namespace: ` +
      extensions.map((extension) => pluginName(extension.plugin)).join(', '),
  );
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

interface Preloaded {
  plugin?: unknown;
  obj?: unknown;
  loadError?: { error: unknown };
  invokeError?: { error: unknown };
}

let deferNextLoad = false;

/** Builds a manager without loading, for `create()` to load asynchronously. */
function constructDeferred<M, A extends unknown[]>(Manager: new (...args: A) => M, args: A): M {
  deferNextLoad = true;
  try {
    return Reflect.construct(Manager, args) as M;
  } finally {
    deferNextLoad = false;
  }
}

function withTimeout<V>(promise: Promise<V>, ms: number | undefined, what: () => string): Promise<V> {
  if (ms === undefined || !Number.isFinite(ms)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // Not unref()'d: a plugin that never settles leaves nothing else on the event loop, and the
    // process would exit silently before the timeout could report it. Cleared as soon as it settles.
    timer = setTimeout(() => reject(new LoadError(what(), 'STEVEDORE_LOAD_TIMEOUT')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Any manager, seen as the base class (for the static builders). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyManager = ExtensionManager<any, string>;

/**
 * Loads every extension of a namespace.
 *
 * @typeParam T The plugin type (what invoking a plugin makes); by default
 *   looked up in {@link Namespaces} by the namespace name.
 */
export class ExtensionManager<T = FromNamespace, N extends string = string> {
  /** The namespace (entry point group) this manager loads. */
  declare namespace: N;
  /** Whether errors inside `map()` propagate. */
  declare propagateMapExceptions: boolean;
  /** The loaded extensions, in the order `map()` calls them. */
  declare extensions: Extension<PluginType<T, N>>[];
  declare _onLoadFailureCallback: OnLoadFailureCallback<PluginType<T, N>> | null;
  declare _conflictResolver: ConflictResolver<PluginType<T, N>>;
  declare _registry: Registry;
  declare _invokeOnLoad: boolean;
  declare _invokeArgs: readonly unknown[];
  declare _invokeKwds: Readonly<Record<string, unknown>>;
  declare _loadTimeout: number | undefined;
  declare _extensionsByNameCache: Map<string, Extension<PluginType<T, N>>> | null;
  declare _preloaded: Map<EntryPoint, Preloaded> | null;
  declare _trust: TrustChecker | null;
  declare _checkPeers: boolean;

  /**
   * @param namespace The namespace (entry point group) to load.
   * @param options See {@link ManagerOptions}.
   */
  constructor(namespace: N, options: ManagerOptions<PluginType<T, N>> = {}) {
    const deferred = deferNextLoad;
    deferNextLoad = false;
    this._configure(namespace, options);
    if (!deferred) {
      this._initPlugins(this._loadPlugins(this._invokeOnLoad, this._invokeArgs, this._invokeKwds));
    }
  }

  /**
   * Builds the manager like its constructor, but loads plugins with a real
   * `import()` (ES modules with top-level await) and awaits invoked plugins
   * that return a promise. `loadTimeout` bounds each plugin. The plugin type
   * is inferred from the namespace as with `new` (each subclass declares the
   * typed form for its own constructor arguments).
   */
  static create<T = FromNamespace, N extends string = string>(
    this: typeof ExtensionManager,
    namespace: N,
    options?: ManagerOptions<PluginType<T, N>>,
  ): Promise<ExtensionManager<T, N>>;
  static create<M, A extends unknown[]>(this: new (...args: A) => M, ...args: A): Promise<M>;
  static async create<M, A extends unknown[]>(this: new (...args: A) => M, ...args: A): Promise<M> {
    // M is not constrained to ExtensionManager: HookManager and the dispatch
    // managers change the signatures of get() and map(), as stevedore does.
    const manager = constructDeferred(this, args) as AnyManager;
    await manager._preload();
    manager._initPlugins(manager._loadPlugins(manager._invokeOnLoad, manager._invokeArgs, manager._invokeKwds));
    manager._preloaded = null;
    return manager as M;
  }

  /**
   * Builds a manager from fixed extensions instead of entry points, for tests.
   * `namespace` defaults to `'TESTING'`.
   */
  static makeTestInstance<M>(
    this: abstract new (namespace: string, ...args: never[]) => M,
    extensions: readonly Extension<unknown>[],
    options: TestInstanceOptions = {},
  ): M {
    const manager = Object.create(this.prototype) as AnyManager;
    manager._configure(options.namespace ?? 'TESTING', {
      ...manager._testOptions(extensions),
      ...options,
    } as ConfigureOptions);
    manager._initPlugins([...extensions] as Extension<never>[]);
    return manager as M;
  }

  /** Stores the settings; subclasses extend it to store their own. */
  _configure(namespace: string, options: ConfigureOptions<PluginType<T, N>>): void {
    this.namespace = namespace as N;
    this.propagateMapExceptions = options.propagateMapExceptions ?? false;
    this._onLoadFailureCallback = options.onLoadFailureCallback ?? null;
    this._conflictResolver = options.conflictResolver ?? ignoreConflicts;
    this._registry = options.registry ?? defaultRegistry;
    this._invokeOnLoad = options.invokeOnLoad ?? false;
    this._invokeArgs = options.invokeArgs ?? [];
    this._invokeKwds = options.invokeKwds ?? {};
    this._loadTimeout = options.loadTimeout;
    this._trust = options.trust ? new TrustChecker(this._registry, options.trust) : null;
    this._checkPeers = options.checkPeers ?? this._registry.checkPeers;
    this._preloaded = null;
  }

  /** The settings `makeTestInstance()` derives from the extensions (subclasses add names). */
  _testOptions(_extensions: readonly Extension<unknown>[]): ConfigureOptions {
    return {};
  }

  /** Stores the loaded extensions. Subclasses check or reorder them here. */
  _initPlugins(extensions: Extension<PluginType<T, N>>[]): void {
    this.extensions = extensions;
    this._extensionsByNameCache = null;
  }

  /** The registry entry points come from. */
  get registry(): Registry {
    return this._registry;
  }

  /** The entry points of this namespace; read from the registry, nothing is loaded. */
  listEntryPoints(): readonly EntryPoint[] {
    return this._registry.entryPoints(this.namespace);
  }

  /** The names of the entry points of this namespace. */
  entryPointsNames(): string[] {
    return this.listEntryPoints().map((entryPoint) => entryPoint.name);
  }

  /** Whether this manager loads the entry point at all (before `beforeLoad`). */
  _wants(_entryPoint: EntryPoint): boolean {
    return true;
  }

  /** Loads every wanted entry point, reporting failures instead of throwing. */
  _loadPlugins(
    invokeOnLoad: boolean,
    invokeArgs: readonly unknown[],
    invokeKwds: Readonly<Record<string, unknown>>,
  ): Extension<PluginType<T, N>>[] {
    const extensions: Extension<PluginType<T, N>>[] = [];
    for (const entryPoint of this.listEntryPoints()) {
      debug.manager('found extension %s', entryPoint);
      try {
        const extension = this._loadOnePlugin(entryPoint, invokeOnLoad, invokeArgs, invokeKwds);
        if (extension) {
          extensions.push(extension);
          this._registry._usedHooks?.afterLoad.call(extension, this);
        }
      } catch (error) {
        this._reportLoadFailure(entryPoint, error);
      }
    }
    return extensions;
  }

  /** Loads (and, when asked, invokes) one entry point; null skips it. */
  _loadOnePlugin(
    entryPoint: EntryPoint,
    invokeOnLoad: boolean,
    invokeArgs: readonly unknown[],
    invokeKwds: Readonly<Record<string, unknown>>,
  ): Extension<PluginType<T, N>> | null {
    if (!this._admits(entryPoint)) return null;
    const plugin = this._pluginFor(entryPoint);
    const obj = invokeOnLoad ? this._invoke(entryPoint, plugin, invokeArgs, invokeKwds) : undefined;
    return new Extension(entryPoint.name, entryPoint, plugin, obj as PluginType<T, N>);
  }

  private _admits(entryPoint: EntryPoint): boolean {
    if (this._preloaded) return this._preloaded.has(entryPoint);
    if (!this._wants(entryPoint)) return false;
    if (this._trust && !this._trust.admits(entryPoint)) return false;
    if (this._registry._usedHooks?.beforeLoad.call(entryPoint, this) === false) {
      debug.manager('loading %s vetoed by a beforeLoad hook', entryPoint);
      return false;
    }
    if (this._checkPeers) assertPeersMet(entryPoint, this._registry);
    return true;
  }

  private _pluginFor(entryPoint: EntryPoint): unknown {
    const preloaded = this._preloaded?.get(entryPoint);
    if (!preloaded) return traceLoad(entryPoint);
    if (preloaded.loadError) throw preloaded.loadError.error;
    return preloaded.plugin;
  }

  private _invoke(
    entryPoint: EntryPoint,
    plugin: unknown,
    args: readonly unknown[],
    kwds: Readonly<Record<string, unknown>>,
  ): unknown {
    const preloaded = this._preloaded?.get(entryPoint);
    if (!preloaded) return invokePlugin(plugin, args, kwds);
    if (preloaded.invokeError) throw preloaded.invokeError.error;
    return preloaded.obj;
  }

  /** For `create()`: loads (and invokes) every admitted entry point concurrently. */
  private async _preload(): Promise<void> {
    const preloaded = new Map<EntryPoint, Preloaded>();
    const tasks: Promise<void>[] = [];
    for (const entryPoint of this.listEntryPoints()) {
      const slot: Preloaded = {};
      // As in the constructor, an error in admitting (a beforeLoad hook) is this entry point's load failure.
      try {
        if (!this._admits(entryPoint)) continue;
      } catch (error) {
        slot.loadError = { error };
        preloaded.set(entryPoint, slot);
        continue;
      }
      preloaded.set(entryPoint, slot);
      const describe = (): string =>
        `entry point '${entryPoint.name}' (${entryPoint.value}) did not finish loading within ${this._loadTimeout} ms`;
      tasks.push(
        (async () => {
          try {
            slot.plugin = await withTimeout(traceLoadAsync(entryPoint), this._loadTimeout, describe);
          } catch (error) {
            slot.loadError = { error };
            return;
          }
          if (!this._invokeOnLoad) return;
          try {
            const made = invokePlugin(slot.plugin, this._invokeArgs, this._invokeKwds);
            slot.obj = await withTimeout(Promise.resolve(made), this._loadTimeout, describe);
          } catch (error) {
            slot.invokeError = { error };
          }
        })(),
      );
    }
    await Promise.all(tasks);
    this._preloaded = preloaded;
  }

  /** Reports a failure to the callback, or as a warning when there is none. */
  _reportLoadFailure(entryPoint: EntryPoint, error: unknown): void {
    this._registry._usedHooks?.loadFailure.call(entryPoint, error, this);
    if (this._onLoadFailureCallback) {
      this._onLoadFailureCallback(this as ExtensionManager<PluginType<T, N>>, entryPoint, error);
      return;
    }
    const from = entryPoint.dist ? ` from ${entryPoint.dist.name} (${entryPoint.dist.root}/package.json)` : '';
    const { message, stack } = describeError(error);
    warnOnce(
      error instanceof IncompatiblePlugin ? 'STEVEDORE_INCOMPATIBLE' : 'STEVEDORE_LOAD_FAILED',
      `Could not load '${entryPoint.name}' (${entryPoint.group}: ${entryPoint.value})${from}: ${message}`,
      stack,
    );
  }

  /** The names of the loaded extensions, in the order `map()` uses. */
  names(): string[] {
    return this.extensions.map((extension) => extension.name);
  }

  /**
   * Calls `func(extension, ...args)` for each extension and returns the
   * results. Throws {@link NoMatches} when there are no extensions; errors
   * thrown by `func` are reported and skipped unless `propagateMapExceptions`.
   */
  map<U, A extends unknown[]>(func: (extension: Extension<PluginType<T, N>>, ...args: A) => U, ...args: A): U[] {
    this._requireExtensions();
    const results: U[] = [];
    for (const extension of this.extensions) this._invokeOnePlugin(results, func, extension, args);
    return results;
  }

  /** Calls the method `methodName` of each extension's `obj` with `args`; see {@link map}. */
  mapMethod(methodName: string, ...args: unknown[]): unknown[] {
    return this.map(callExtensionMethod, methodName, ...args);
  }

  /**
   * Like {@link map}, for functions that return promises: calls them all,
   * awaits them, and returns the results in extension order.
   */
  async mapAsync<U, A extends unknown[]>(
    func: (extension: Extension<PluginType<T, N>>, ...args: A) => U | Promise<U>,
    ...args: A
  ): Promise<U[]> {
    this._requireExtensions();
    const settled = await Promise.allSettled(this.extensions.map(async (extension) => func(extension, ...args)));
    const results: U[] = [];
    settled.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') results.push(outcome.value);
      else this._reportMapError(this.extensions[index], outcome.reason);
    });
    return results;
  }

  _requireExtensions(): void {
    if (!this.extensions.length) throw new NoMatches(`No ${this.namespace} extensions found`);
  }

  /** Calls `func` for one extension, collecting its result or handling its error. */
  _invokeOnePlugin<U, A extends unknown[]>(
    results: U[],
    func: (extension: Extension<PluginType<T, N>>, ...args: A) => U,
    extension: Extension<PluginType<T, N>>,
    args: A,
  ): void {
    try {
      results.push(func(extension, ...args));
    } catch (error) {
      this._reportMapError(extension, error);
    }
  }

  private _reportMapError(extension: Extension<PluginType<T, N>>, error: unknown): void {
    if (this.propagateMapExceptions) throw error;
    const { message, stack } = describeError(error);
    warnOnce('STEVEDORE_MAP_ERROR', `error calling '${extension.name}': ${message}`, stack);
  }

  private get _extensionsByName(): Map<string, Extension<PluginType<T, N>>> {
    if (!this._extensionsByNameCache) {
      const groups = new Map<string, Extension<PluginType<T, N>>[]>();
      for (const extension of this.extensions) {
        const group = groups.get(extension.name);
        if (group) group.push(extension);
        else groups.set(extension.name, [extension]);
      }
      const byName = new Map<string, Extension<PluginType<T, N>>>();
      for (const [name, group] of groups) {
        byName.set(name, group.length > 1 ? this._conflictResolver(this.namespace, name, group) : group[0]);
      }
      this._extensionsByNameCache = byName;
    }
    return this._extensionsByNameCache;
  }

  /** `[name, extension]` pairs, one per name (conflicts resolved). */
  items(): [string, Extension<PluginType<T, N>>][] {
    return [...this._extensionsByName];
  }

  /** The extension with this name; throws {@link KeyError} when there is none. */
  get(name: string): Extension<PluginType<T, N>> {
    const extension = this._extensionsByName.get(name);
    if (!extension) throw new KeyError(name);
    return extension;
  }

  /** Whether an extension with this name was loaded. */
  has(name: string): boolean {
    return this.extensions.some((extension) => extension.name === name);
  }

  /** The extensions, in the order `map()` calls them. */
  [Symbol.iterator](): Iterator<Extension<PluginType<T, N>>> {
    return this.extensions[Symbol.iterator]();
  }
}

function callExtensionMethod(extension: Extension<unknown>, methodName: string, ...args: unknown[]): unknown {
  const obj = extension.obj as Record<string, unknown> | null | undefined;
  const method = obj?.[methodName];
  if (typeof method !== 'function') {
    throw new TypeError(`extension '${extension.name}' has no method '${methodName}'`);
  }
  return method.apply(obj, args);
}

export { callExtensionMethod as _callExtensionMethod };
