/**
 * HookManager extensions as a tapable hook: an application calls its
 * plugins with webpack's well-known semantics (bail, waterfall, series,
 * parallel) instead of `map()`. Each extension is tapped under its package
 * and entry point name, in extension order.
 *
 * What is called for an extension: `obj` when the manager invoked the plugin
 * on load, else `plugin`. A function is called; an object is called through
 * `options.method` when given, else through its `apply` method (the webpack
 * plugin convention).
 */
import type * as tapable from 'tapable';
import type { Extension } from './extension';

/** The tapable hook classes an extension list can become. */
export const TAPABLE_KINDS = [
  'SyncHook',
  'SyncBailHook',
  'SyncWaterfallHook',
  'SyncLoopHook',
  'AsyncParallelHook',
  'AsyncParallelBailHook',
  'AsyncSeriesHook',
  'AsyncSeriesBailHook',
  'AsyncSeriesLoopHook',
  'AsyncSeriesWaterfallHook',
] as const;

/** The name of a tapable hook class, e.g. `'AsyncSeriesHook'`. */
export type TapableKind = (typeof TAPABLE_KINDS)[number];

/**
 * The hook of each kind for arguments `A` (a tuple) and results `R`, e.g.
 * `TapableHookOf<'AsyncSeriesHook', [Compilation]>` is `AsyncSeriesHook<[Compilation]>`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TapableHookOf<K extends TapableKind, A extends unknown[] = any[], R = any> = {
  SyncHook: tapable.SyncHook<A>;
  SyncBailHook: tapable.SyncBailHook<A, R>;
  SyncWaterfallHook: tapable.SyncWaterfallHook<A>;
  SyncLoopHook: tapable.SyncLoopHook<A>;
  AsyncParallelHook: tapable.AsyncParallelHook<A>;
  AsyncParallelBailHook: tapable.AsyncParallelBailHook<A, R>;
  AsyncSeriesHook: tapable.AsyncSeriesHook<A>;
  AsyncSeriesBailHook: tapable.AsyncSeriesBailHook<A, R>;
  AsyncSeriesLoopHook: tapable.AsyncSeriesLoopHook<A>;
  AsyncSeriesWaterfallHook: tapable.AsyncSeriesWaterfallHook<A>;
}[K];

/** How each extension is tapped: what is called for it. */
export interface TapOptions {
  /** Call this method of each extension's object instead of calling it (or its `apply`). */
  method?: string;
}

/** Tapable hooks of either flavour: `tap` for sync hooks, `tapPromise` for async ones. */
interface TappableHook {
  tap(options: string, fn: (...args: unknown[]) => unknown): void;
  tapPromise?(options: string, fn: (...args: unknown[]) => Promise<unknown>): void;
}

/** The name an extension is tapped under: `package/entry point name` (just the name without a package). */
export function tapName(extension: Extension<unknown>): string {
  const dist = extension.entryPoint?.dist;
  return dist?.name ? `${dist.name}/${extension.name}` : extension.name;
}

/** The function to call for one extension, bound to its object; throws a TypeError naming the extension when there is none. */
export function callableOf(extension: Extension<unknown>, options: TapOptions = {}): (...args: unknown[]) => unknown {
  const target: unknown = extension.obj ?? extension.plugin;
  const name = tapName(extension);
  if (options.method !== undefined) {
    const method = (target as Record<string, unknown> | null | undefined)?.[options.method];
    if (typeof method !== 'function') throw new TypeError(`extension '${name}' has no method '${options.method}'`);
    return (...args) => (method as (...a: unknown[]) => unknown).apply(target, args);
  }
  if (typeof target === 'function') return (...args) => (target as (...a: unknown[]) => unknown)(...args);
  const apply = (target as { apply?: unknown } | null | undefined)?.apply;
  if (typeof apply === 'function') return (...args) => (apply as (...a: unknown[]) => unknown).apply(target, args);
  throw new TypeError(`extension '${name}' is neither a function nor an object with an apply() method`);
}

/**
 * Taps each extension into an existing tapable hook (sync hooks with `tap`,
 * async ones with `tapPromise`), in extension order.
 *
 * @param hook A tapable hook, e.g. one of the application's own.
 * @param extensions The extensions to tap, e.g. `hookManager.extensions`.
 * @param options See {@link TapOptions}.
 */
export function tapExtensions<H extends object>(
  hook: H,
  extensions: readonly Extension<unknown>[],
  options: TapOptions = {},
): H {
  const tappable = hook as unknown as TappableHook;
  // tapable sets each hook's constructor to its kind, in every copy of tapable (webpack's own included).
  const isAsync = hook.constructor.name.startsWith('Async');
  for (const extension of extensions) {
    const call = callableOf(extension, options);
    if (isAsync && tappable.tapPromise) {
      tappable.tapPromise(tapName(extension), async (...args) => await call(...args));
    } else {
      tappable.tap(tapName(extension), call);
    }
  }
  return hook;
}

/**
 * A new tapable hook of `kind` with every extension tapped into it.
 *
 * @param kind The hook class, e.g. `'AsyncSeriesHook'`.
 * @param args The hook's argument names (tapable passes exactly this many arguments).
 * @param extensions The extensions to tap.
 * @param options See {@link TapOptions}.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function extensionsToTapable<K extends TapableKind, A extends unknown[] = any[], R = any>(
  kind: K,
  args: readonly string[],
  extensions: readonly Extension<unknown>[],
  options: TapOptions = {},
): TapableHookOf<K, A, R> {
  if (!(TAPABLE_KINDS as readonly string[]).includes(kind)) {
    throw new TypeError(`unknown tapable hook kind '${String(kind)}' (expected one of ${TAPABLE_KINDS.join(', ')})`);
  }
  // Loaded here, not at import: an application that never asks for a hook does not pay for tapable.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const HookClass = (require('tapable') as typeof tapable)[kind] as unknown as new (
    args: string[],
    name?: string,
  ) => TapableHookOf<K, A, R>;
  return tapExtensions(new HookClass([...args]), extensions, options);
}
