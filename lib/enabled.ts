/**
 * EnabledExtensionManager: loads the extensions that pass a check function
 * (stevedore/enabled.py). The check sees the loaded (and, when asked,
 * invoked) Extension, so it can look at `plugin` and `obj`.
 */
import type { EntryPoint } from './entry-point';
import type { ConfigureOptions, Extension, FromNamespace, ManagerOptions, PluginType } from './extension';
import { ExtensionManager } from './extension';
import { debug } from './diagnostics';

/** Returns a truthy value to keep the extension, a falsy one to drop it. */
export type CheckFunc<T = unknown> = (extension: Extension<T>) => unknown;

export class EnabledExtensionManager<T = FromNamespace, N extends string = string> extends ExtensionManager<T, N> {
  declare checkFunc: CheckFunc<PluginType<T, N>>;

  /**
   * @param namespace The namespace to load from.
   * @param checkFunc Called with each loaded Extension; falsy drops it.
   * @param options See {@link ManagerOptions}.
   */
  constructor(namespace: N, checkFunc: CheckFunc<PluginType<T, N>>, options: ManagerOptions<PluginType<T, N>> = {}) {
    super(namespace, { ...options, checkFunc } as ConfigureOptions<PluginType<T, N>>);
  }

  /** {@link ExtensionManager.create} for enabled extensions, inferring the plugin type from the namespace as `new` does. */
  declare static create: {
    <T = FromNamespace, N extends string = string>(
      this: typeof EnabledExtensionManager,
      namespace: N,
      checkFunc: CheckFunc<PluginType<T, N>>,
      options?: ManagerOptions<PluginType<T, N>>,
    ): Promise<EnabledExtensionManager<T, N>>;
    <M, A extends unknown[]>(this: new (...args: A) => M, ...args: A): Promise<M>;
  };

  override _configure(namespace: string, options: ConfigureOptions<PluginType<T, N>>): void {
    super._configure(namespace, options);
    this.checkFunc = options.checkFunc ?? (() => true);
  }

  override _loadOnePlugin(
    entryPoint: EntryPoint,
    invokeOnLoad: boolean,
    invokeArgs: readonly unknown[],
    invokeKwds: Readonly<Record<string, unknown>>,
  ): Extension<PluginType<T, N>> | null {
    const extension = super._loadOnePlugin(entryPoint, invokeOnLoad, invokeArgs, invokeKwds);
    if (extension && !this.checkFunc(extension)) {
      debug.manager('ignoring extension %s', entryPoint.name);
      return null;
    }
    return extension;
  }
}
