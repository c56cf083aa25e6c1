/**
 * NamedExtensionManager: loads only the extensions whose names it is given,
 * e.g. those enabled in a configuration file (stevedore/named.py).
 */
import type { EntryPoint } from './entry-point';
import type { Extension, ManagerOptions, PluginType } from './extension';
import { ExtensionManager } from './extension';
import { errorMessage } from './describe-error';
import { firstLine, reportOnce } from './diagnostics';

/** Called with the requested names that no extension was loaded for. */
export type OnMissingEntrypointsCallback = (names: string[]) => void;

/** The options of a NamedExtensionManager (and of DriverManager and HookManager, built on it). */
export interface NamedOptions<T = unknown> extends ManagerOptions<T> {
  /** Order the extensions as in `names` instead of discovery order. Default false. */
  nameOrder?: boolean;
  /**
   * Called with the names that were not loaded. Default: a
   * `STEVEDORE_MISSING_ENTRY_POINTS` warning naming those that no entry
   * point declares; `null` turns it off. If it throws, that is reported
   * (`STEVEDORE_CALLBACK_FAILED`) and the manager is built all the same.
   */
  onMissingEntrypointsCallback?: OnMissingEntrypointsCallback | null;
}

/** What a NamedExtensionManager stores before loading (its constructor's arguments). */
interface NamedSettings {
  _names: readonly string[];
  _nameOrder: boolean;
  /** undefined: the default (warn about undeclared names). */
  _onMissingEntrypointsCallback: OnMissingEntrypointsCallback | null | undefined;
  /** Empty until loading has run (and in test instances, which load nothing). */
  _missingNames: Set<string>;
}

/**
 * Loads only the named extensions, e.g. those a configuration file enables.
 * An entry point whose name is not asked for is never required nor imported.
 */
export class NamedExtensionManager<T = unknown, N extends string = string> extends ExtensionManager<T, N> {
  /** The names asked for, in order. */
  declare protected readonly _names: readonly string[];
  /** Whether the extensions are ordered as in `_names` (the `nameOrder` option). */
  declare protected readonly _nameOrder: boolean;
  declare private readonly _onMissingEntrypointsCallback: OnMissingEntrypointsCallback | null | undefined;
  /** The names asked for that no extension was loaded for. */
  declare protected _missingNames: Set<string>;
  declare private _nameSet: ReadonlySet<string> | undefined;

  /**
   * @param namespace The namespace to load from.
   * @param names The names of the extensions to load; no other entry point is ever loaded.
   * @param options See {@link NamedOptions}.
   * @param settings For subclasses, as in {@link ExtensionManager}'s constructor.
   */
  constructor(
    namespace: N,
    names: readonly string[],
    options: NamedOptions<PluginType<T, N>> = {},
    settings: object = {},
  ) {
    const named: NamedSettings = {
      _names: [...names],
      _nameOrder: options.nameOrder ?? false,
      _onMissingEntrypointsCallback: options.onMissingEntrypointsCallback,
      _missingNames: new Set(),
    };
    super(namespace, options, { ...settings, ...named });
  }

  protected override _testSettings(extensions: readonly Extension<unknown>[]): object {
    const named: NamedSettings = {
      _names: extensions.map((extension) => extension.name),
      _nameOrder: false,
      _onMissingEntrypointsCallback: null,
      _missingNames: new Set(),
    };
    return named;
  }

  // Check the name before going any further, so that code we are not going
  // to use is never loaded at all (stevedore does it in _load_one_plugin).
  protected override _wants(entryPoint: EntryPoint): boolean {
    this._nameSet ??= new Set(this._names);
    return this._nameSet.has(entryPoint.name);
  }

  protected override _loadPlugins(
    invokeOnLoad: boolean,
    invokeArgs: readonly unknown[],
    invokeKwds: Readonly<Record<string, unknown>>,
  ): Extension<PluginType<T, N>>[] {
    const extensions = super._loadPlugins(invokeOnLoad, invokeArgs, invokeKwds);
    const loaded = new Set(extensions.map((extension) => extension.name));
    this._missingNames = new Set(this._names.filter((name) => !loaded.has(name)));
    if (this._missingNames.size) this._onMissingEntrypoints([...this._missingNames]);
    return extensions;
  }

  private _onMissingEntrypoints(missing: string[]): void {
    const callback = this._onMissingEntrypointsCallback;
    if (callback === undefined) {
      this._defaultOnMissingEntrypoints(missing);
      return;
    }
    try {
      callback?.(missing);
    } catch (error) {
      reportOnce(
        'STEVEDORE_CALLBACK_FAILED',
        JSON.stringify(['onMissingEntrypointsCallback', this.namespace, missing]),
        `onMissingEntrypointsCallback threw for ${missing.join(', ')} (namespace ${this.namespace}): ` +
          firstLine(errorMessage(error)),
        this.registry,
      );
    }
  }

  protected override _initPlugins(extensions: Extension<PluginType<T, N>>[]): void {
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
  protected _defaultOnMissingEntrypoints(missing: string[]): void {
    const declared = new Set(this.entryPointsNames());
    const undeclared = missing.filter((name) => !declared.has(name));
    if (undeclared.length) {
      reportOnce(
        'STEVEDORE_MISSING_ENTRY_POINTS',
        JSON.stringify([this.namespace, undeclared]),
        `Could not load ${undeclared.join(', ')} (namespace ${this.namespace})`,
        this.registry,
      );
    }
  }
}
