/**
 * HookManager: runs every extension registered under one name, e.g. all the
 * `on_start` hooks installed packages provide (stevedore/hook.py).
 */
import type { Extension, FromNamespace, PluginType } from './extension';
import { KeyError } from './exception';
import type { NamedOptions } from './named';
import { NamedExtensionManager } from './named';

export class HookManager<T = FromNamespace, N extends string = string> extends NamedExtensionManager<T, N> {
  /**
   * @param namespace The namespace to load from.
   * @param name The name every hook is declared under.
   * @param options See {@link NamedOptions}. Missing hooks are not reported by
   *   default: having none is seldom an error.
   */
  constructor(namespace: N, name: string, options: NamedOptions<PluginType<T, N>> = {}) {
    super(namespace, [name], { onMissingEntrypointsCallback: null, ...options });
  }

  /** The hook name this manager loads. */
  get hookName(): string {
    return this._names[0];
  }

  /** The extensions registered under `name`, in the order `map()` calls them; KeyError for another name. */
  /** @ts-expect-error -- a hook name maps to a list of extensions, as in stevedore */
  override get(name: string): Extension<PluginType<T, N>>[] {
    if (name !== this.hookName) throw new KeyError(name);
    return this.extensions;
  }
}
