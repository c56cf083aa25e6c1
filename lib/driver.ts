/**
 * DriverManager: loads the one plugin of a given name, e.g. the storage
 * backend a configuration file names (stevedore/driver.py).
 */
import type { EntryPoint } from './entry-point';
import type { Extension, PluginType, TestInstanceOptions, TypeGiven } from './extension';
import { ExtensionManager } from './extension';
import { MultipleMatches, NoMatches } from './exception';
import type { NamedOptions } from './named';
import { NamedExtensionManager } from './named';

/** The options of a DriverManager: `invokeOnLoad`'s literal type decides the type of `driver`. */
export interface DriverOptions<T = unknown, I extends boolean = boolean> extends NamedOptions<T> {
  /** Invoke the driver after loading it; `true` types {@link DriverManager.driver} as the plugin type. Default false. */
  invokeOnLoad?: I;
}

/**
 * The type of `driver`: the plugin type when the driver is invoked on load,
 * else what was loaded (a class or a factory, `unknown`). When the options
 * do not say (e.g. an explicit type argument, which turns inference off),
 * an explicit plugin type is taken as the driver's type.
 */
export type DriverType<T, N extends string, I> = [I] extends [true]
  ? PluginType<T, N>
  : [I] extends [false]
    ? unknown
    : TypeGiven<T> extends true
      ? PluginType<T, N>
      : unknown;

/**
 * Loads the one plugin of a given name, e.g. the storage backend a
 * configuration file names: `driver` is it. None, or several, is an error
 * ({@link NoMatches}, {@link MultipleMatches}), and so is a driver that fails
 * to load, unless `onLoadFailureCallback` is given.
 *
 * @typeParam I Whether the driver is invoked on load, from the options'
 *   `invokeOnLoad`: it decides the type of `driver` (see {@link DriverType}).
 */
export class DriverManager<
  T = unknown,
  N extends string = string,
  I extends boolean = boolean,
> extends NamedExtensionManager<T, N> {
  /** Whether the driver was invoked on load; its literal type decides the type of {@link DriverManager.driver}. */
  declare readonly invokeOnLoad: I;

  /**
   * @param namespace The namespace to load from.
   * @param name The name of the driver to load.
   * @param options See {@link NamedOptions}. Unlike other managers, a driver
   *   that fails to load throws its error unless `onLoadFailureCallback` is given,
   *   and a missing driver throws NoMatches (no separate warning).
   * @param settings For subclasses, as in {@link ExtensionManager}'s constructor.
   */
  constructor(namespace: N, name: string, options: DriverOptions<PluginType<T, N>, I> = {}, settings: object = {}) {
    super(namespace, [name], { onMissingEntrypointsCallback: null, ...options }, settings);
  }

  /** A test DriverManager around one extension (an array of them is accepted too). */
  static override makeTestInstance<M>(
    this: abstract new (namespace: string, ...args: never[]) => M,
    extension: Extension<unknown> | readonly Extension<unknown>[],
    options: TestInstanceOptions = {},
  ): M {
    const extensions = Array.isArray(extension) ? extension : [extension as Extension<unknown>];
    return ExtensionManager.makeTestInstance.call(this, extensions, options) as M;
  }

  protected override _testSettings(extensions: readonly Extension<unknown>[]): object {
    return { ...super._testSettings(extensions), _names: extensions.slice(0, 1).map((extension) => extension.name) };
  }

  /** Without `onLoadFailureCallback`, a driver that cannot load is fatal: its error is thrown (as stevedore's). */
  protected override _defaultOnLoadFailure(_entryPoint: EntryPoint, error: unknown): void {
    throw error;
  }

  protected override _initPlugins(extensions: Extension<PluginType<T, N>>[]): void {
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
    func: (extension: Extension<PluginType<T, this['namespace']>>, ...args: A) => U,
    ...args: A
  ): U | undefined {
    const results = this.map(func, ...args);
    return results.length ? results[0] : undefined;
  }

  /**
   * The driver: the invoked object when the manager invoked it
   * (`invokeOnLoad: true`, typed as the plugin type), else the loaded plugin
   * itself (a class or a factory: `unknown` to the compiler).
   */
  get driver(): DriverType<T, this['namespace'], this['invokeOnLoad']> {
    const extension = this.extensions[0];
    return (extension.obj ?? extension.plugin) as DriverType<T, this['namespace'], this['invokeOnLoad']>;
  }
}
