/**
 * EnabledExtensionManager: loads the extensions that pass a check function
 * (stevedore/enabled.py). The check sees the loaded (and, when asked,
 * invoked) Extension, so it can look at `plugin` and `obj`.
 */
import type { EntryPoint } from './entry-point';
import type { Extension, ManagerOptions, PluginType } from './extension';
import { ExtensionManager } from './extension';
import { debug } from './diagnostics';

/** Returns a truthy value to keep the extension, a falsy one to drop it. */
export type CheckFunc<T = unknown> = (extension: Extension<T>) => unknown;

/** Loads only the plugins that pass a check function, which sees each loaded (and, when asked, invoked) extension. */
export class EnabledExtensionManager<T = unknown, N extends string = string> extends ExtensionManager<T, N> {
  /** Decides which loaded extensions are kept. */
  declare readonly checkFunc: CheckFunc<PluginType<T, N>>;

  /**
   * @param namespace The namespace to load from.
   * @param checkFunc Called with each loaded Extension; falsy drops it. If
   *   it throws, that is the entry point's load failure.
   * @param options See {@link ManagerOptions}.
   * @param settings For subclasses, as in {@link ExtensionManager}'s constructor.
   */
  constructor(
    namespace: N,
    checkFunc: CheckFunc<PluginType<T, N>>,
    options: ManagerOptions<PluginType<T, N>> = {},
    settings: object = {},
  ) {
    super(namespace, options, { ...settings, checkFunc });
  }

  protected override _testSettings(_extensions: readonly Extension<unknown>[]): object {
    return { checkFunc: () => true };
  }

  protected override _loadOnePlugin(
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
