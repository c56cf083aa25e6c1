/**
 * NamedExtensionManager: loads only the extensions whose names it is given,
 * e.g. those enabled in a configuration file (stevedore/named.py).
 */
import type { EntryPoint } from './entry-point';
import type { ConfigureOptions, Extension, FromNamespace, ManagerOptions, PluginType } from './extension';
import { ExtensionManager } from './extension';
import { warnOnce } from './diagnostics';

/** Called with the requested names that no extension was loaded for. */
export type OnMissingEntrypointsCallback = (names: string[]) => void;

export interface NamedOptions<T = unknown> extends ManagerOptions<T> {
  /** Order the extensions as in `names` instead of discovery order. Default false. */
  nameOrder?: boolean;
  /**
   * Called with the names that were not loaded. Default: a
   * `STEVEDORE_MISSING_ENTRY_POINTS` warning naming those that no entry
   * point declares; `null` turns it off.
   */
  onMissingEntrypointsCallback?: OnMissingEntrypointsCallback | null;
}

export class NamedExtensionManager<T = FromNamespace, N extends string = string> extends ExtensionManager<T, N> {
  declare _names: readonly string[];
  declare _nameSet: ReadonlySet<string>;
  declare _nameOrder: boolean;
  declare _missingNames: Set<string>;
  declare _onMissingEntrypointsCallback: OnMissingEntrypointsCallback | null;

  /**
   * @param namespace The namespace to load from.
   * @param names The names of the extensions to load; no other entry point is ever loaded.
   * @param options See {@link NamedOptions}.
   */
  constructor(namespace: N, names: readonly string[], options: NamedOptions<PluginType<T, N>> = {}) {
    super(namespace, { ...options, names } as ConfigureOptions<PluginType<T, N>>);
  }

  /** {@link ExtensionManager.create} for named extensions, inferring the plugin type from the namespace as `new` does. */
  declare static create: {
    <T = FromNamespace, N extends string = string>(
      this: typeof NamedExtensionManager,
      namespace: N,
      names: readonly string[],
      options?: NamedOptions<PluginType<T, N>>,
    ): Promise<NamedExtensionManager<T, N>>;
    <M, A extends unknown[]>(this: new (...args: A) => M, ...args: A): Promise<M>;
  };

  override _configure(namespace: string, options: ConfigureOptions<PluginType<T, N>>): void {
    super._configure(namespace, options);
    this._names = [...(options.names ?? [])];
    this._nameSet = new Set(this._names);
    this._nameOrder = options.nameOrder ?? false;
    this._missingNames = new Set();
    this._onMissingEntrypointsCallback =
      options.onMissingEntrypointsCallback === undefined
        ? this._defaultOnMissingEntrypoints.bind(this)
        : options.onMissingEntrypointsCallback;
  }

  override _testOptions(extensions: readonly Extension<unknown>[]): ConfigureOptions {
    return { names: extensions.map((extension) => extension.name), onMissingEntrypointsCallback: null };
  }

  override _wants(entryPoint: EntryPoint): boolean {
    return this._nameSet.has(entryPoint.name);
  }

  override _loadPlugins(
    invokeOnLoad: boolean,
    invokeArgs: readonly unknown[],
    invokeKwds: Readonly<Record<string, unknown>>,
  ): Extension<PluginType<T, N>>[] {
    const extensions = super._loadPlugins(invokeOnLoad, invokeArgs, invokeKwds);
    const loaded = new Set(extensions.map((extension) => extension.name));
    this._missingNames = new Set(this._names.filter((name) => !loaded.has(name)));
    if (this._missingNames.size && this._onMissingEntrypointsCallback) {
      this._onMissingEntrypointsCallback([...this._missingNames]);
    }
    return extensions;
  }

  override _initPlugins(extensions: Extension<PluginType<T, N>>[]): void {
    super._initPlugins(extensions);
    if (this._nameOrder) {
      this.extensions = this._names
        .filter((name) => !this._missingNames.has(name))
        .map((name) => ExtensionManager.prototype.get.call(this, name) as Extension<PluginType<T, N>>);
    }
  }

  /**
   * Warns about the names no entry point declares. Names whose entry point
   * failed to load were reported with the failure already.
   */
  _defaultOnMissingEntrypoints(missing: string[]): void {
    const declared = new Set(this.entryPointsNames());
    const undeclared = missing.filter((name) => !declared.has(name));
    if (undeclared.length) {
      warnOnce(
        'STEVEDORE_MISSING_ENTRY_POINTS',
        `Could not load ${undeclared.join(', ')} (namespace ${this.namespace})`,
      );
    }
  }
}
