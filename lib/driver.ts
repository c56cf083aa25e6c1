/**
 * DriverManager: loads the one plugin of a given name, e.g. the storage
 * backend a configuration file names (stevedore/driver.py).
 */
import type { EntryPoint } from './entry-point';
import type { ConfigureOptions, Extension, FromNamespace, PluginType, TestInstanceOptions } from './extension';
import { ExtensionManager } from './extension';
import { MultipleMatches, NoMatches } from './exception';
import type { NamedOptions } from './named';
import { NamedExtensionManager } from './named';

function rethrow(_manager: unknown, _entryPoint: EntryPoint, error: unknown): never {
  throw error;
}

export class DriverManager<T = FromNamespace, N extends string = string> extends NamedExtensionManager<T, N> {
  /**
   * @param namespace The namespace to load from.
   * @param name The name of the driver to load.
   * @param options See {@link NamedOptions}. Unlike other managers, a driver
   *   that fails to load throws its error unless `onLoadFailureCallback` is given,
   *   and a missing driver throws NoMatches (no separate warning).
   */
  constructor(namespace: N, name: string, options: NamedOptions<PluginType<T, N>> = {}) {
    super(namespace, [name], {
      onMissingEntrypointsCallback: null,
      ...options,
      onLoadFailureCallback: options.onLoadFailureCallback ?? rethrow,
    });
  }

  /** {@link ExtensionManager.create} for a driver, inferring the plugin type from the namespace as `new` does. */
  declare static create: {
    <T = FromNamespace, N extends string = string>(
      this: typeof DriverManager,
      namespace: N,
      name: string,
      options?: NamedOptions<PluginType<T, N>>,
    ): Promise<DriverManager<T, N>>;
    <M, A extends unknown[]>(this: new (...args: A) => M, ...args: A): Promise<M>;
  };

  /** A test DriverManager around one extension (an array of them is accepted too). */
  static override makeTestInstance<M>(
    this: abstract new (namespace: string, ...args: never[]) => M,
    extension: Extension<unknown> | readonly Extension<unknown>[],
    options: TestInstanceOptions = {},
  ): M {
    const extensions = Array.isArray(extension) ? extension : [extension as Extension<unknown>];
    return ExtensionManager.makeTestInstance.call(this, extensions, options) as M;
  }

  override _testOptions(extensions: readonly Extension<unknown>[]): ConfigureOptions {
    return { ...super._testOptions(extensions), names: extensions.slice(0, 1).map((extension) => extension.name) };
  }

  override _initPlugins(extensions: Extension<PluginType<T, N>>[]): void {
    super._initPlugins(extensions);
    if (!this.extensions.length) {
      throw new NoMatches(`No '${this.namespace}' driver found, looking for '${this._names[0]}'`);
    }
    if (this.extensions.length > 1) {
      const found = this.extensions.map((extension) => extension.entryPoint?.value ?? extension.name).join(',');
      throw new MultipleMatches(`Multiple '${this.namespace}' drivers found: ${found}`);
    }
  }

  /** Calls `func(extension, ...args)` for the driver and returns its result (stevedore's `mgr(func)`). */
  call<U, A extends unknown[]>(
    func: (extension: Extension<PluginType<T, N>>, ...args: A) => U,
    ...args: A
  ): U | undefined {
    const results = this.map(func, ...args);
    return results.length ? results[0] : undefined;
  }

  /** The driver: the invoked object when there is one, else the loaded plugin. */
  get driver(): PluginType<T, N> {
    const extension = this.extensions[0];
    return (extension.obj ?? extension.plugin) as PluginType<T, N>;
  }
}
