/**
 * HookManager: runs every extension registered under one name, e.g. all the
 * `on_start` hooks installed packages provide (stevedore/hook.py).
 */
import type { Extension, PluginType } from './extension';
import { KeyError } from './exception';
import type { NamedOptions } from './named';
import { NamedExtensionManager } from './named';
import type { TapableHookOf, TapableKind, TapOptions } from './tapable-hook';
import { extensionsToTapable, tapExtensions } from './tapable-hook';

/** Loads every extension declared under one name, to run them all: `get(name)` returns the list. */
export class HookManager<T = unknown, N extends string = string> extends NamedExtensionManager<T, N> {
  /**
   * @param namespace The namespace to load from.
   * @param name The name every hook is declared under.
   * @param options See {@link NamedOptions}. Missing hooks are not reported by
   *   default: having none is seldom an error.
   * @param settings For subclasses, as in {@link ExtensionManager}'s constructor.
   */
  constructor(namespace: N, name: string, options: NamedOptions<PluginType<T, N>> = {}, settings: object = {}) {
    super(namespace, [name], { onMissingEntrypointsCallback: null, ...options }, settings);
  }

  /** The hook name this manager loads. */
  get hookName(): string {
    return this._names[0];
  }

  // The directive ends the doc comment so that the .d.ts keeps it (see dispatch.ts).
  /**
   * The extensions registered under `name`, in the order `map()` calls them; KeyError for another name.
   *
   * @ts-expect-error -- a hook name maps to a list of extensions, as in stevedore */
  override get(name: string): Extension<PluginType<T, this['namespace']>>[] {
    if (name !== this.hookName) throw new KeyError(name);
    return this.extensions;
  }

  /**
   * The hooks as a new tapable hook of `kind`, each extension tapped under
   * `package/name` in extension order, so they run with tapable's semantics:
   * `hookManager.toTapable('AsyncSeriesHook', ['compilation']).promise(c)`.
   * Errors propagate to the caller, as tapable does (unlike `map()`).
   *
   * @param kind The tapable hook class, e.g. `'SyncWaterfallHook'`.
   * @param args The hook's argument names; tapable passes exactly this many arguments.
   * @param options `method`: call this method of each object instead of the
   *   object itself (a function) or its `apply()`.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  toTapable<K extends TapableKind, A extends unknown[] = any[], R = any>(
    kind: K,
    args: readonly string[] = [],
    options: TapOptions = {},
  ): TapableHookOf<K, A, R> {
    return extensionsToTapable<K, A, R>(kind, args, this.extensions, options);
  }

  /** Taps every extension into an existing tapable hook (e.g. one of the application's); returns the hook. */
  tapInto<H extends object>(hook: H, options: TapOptions = {}): H {
    return tapExtensions(hook, this.extensions, options);
  }
}
