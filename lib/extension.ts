/**
 * ExtensionManager, the base of every manager, and Extension, the
 * book-keeping object for one loaded plugin (stevedore/extension.py).
 *
 * Subclasses change what is loaded by overriding a hook or two:
 * `_wants(entryPoint)` (which entry points to load at all: the others are
 * never required nor imported), `_loadOnePlugin(...)` (turn one entry point
 * into an Extension, or null) and `_initPlugins(extensions)` (check and
 * store the loaded extensions). `new` and `create()` run the same loop with
 * the same hooks; only where plugins come from differs (see plugin-source.ts).
 */
import type { EntryPoint } from './entry-point';
import { IncompatiblePlugin, KeyError, MultipleMatches, NoMatches } from './exception';
import {
  debug,
  debugError,
  describeEntryPoint,
  entryPointSubject,
  failureReason,
  firstLine,
  reportOnce,
  warn,
} from './diagnostics';
import { errorMessage } from './describe-error';
import type { TrustPolicy } from './trust';
import { registryTrust, TrustChecker } from './trust';
import type { Registry } from './registry';
import { defaultRegistry, hooksInUse } from './registry';
import type { PluginSource } from './plugin-source';
import { ImportedPlugins, pluginName, requiredPlugins } from './plugin-source';
import { assertPeersMet } from './peers';

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

type IsAny<T> = 0 extends 1 & T ? true : false;
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type IsEmpty<T> = (<X>() => X extends T ? 1 : 2) extends <X>() => X extends {} ? 1 : 2 ? true : false;
type Declared<N> = N extends keyof Namespaces ? Namespaces[N] : unknown;

/** Whether a plugin type argument was given: not left out, `unknown` or `{}`. */
export type TypeGiven<T> =
  IsAny<T> extends true ? true : unknown extends T ? false : IsEmpty<T> extends true ? false : true;

/**
 * The plugin type of a manager: `T` when given, else the namespace's entry
 * in {@link Namespaces} (`unknown` for an undeclared namespace). `T` left
 * out, `unknown` or `{}` count as not given.
 */
export type PluginType<T, N extends string> = TypeGiven<T> extends true ? T : Declared<N>;

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
    public obj?: T | undefined,
  ) {}

  /** The module the entry point loads from. */
  get moduleName(): string {
    return entryPointOf(this).module;
  }

  /** The attribute path walked from the module, or null. */
  get attr(): string | null {
    return entryPointOf(this).attr;
  }

  /** The entry point's value, `module:attr [extras]`, as declared. */
  get entryPointTarget(): string {
    return entryPointOf(this).value;
  }
}

/** The extension's entry point; a TypeError for one made without any (as tests do). */
function entryPointOf(extension: Extension<unknown>): EntryPoint {
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
  /**
   * Called when an entry point fails to load; without one, a
   * `STEVEDORE_LOAD_FAILED` warning is emitted. If it throws, that is
   * reported (`STEVEDORE_CALLBACK_FAILED`) and loading goes on. Also called
   * later, when a promise that a plugin invoked by `new` returned rejects.
   */
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
  /** The manager's namespace, only a label here since nothing is discovered. Default `'TESTING'`. */
  namespace?: string;
  /** As in {@link ManagerOptions.propagateMapExceptions}. */
  propagateMapExceptions?: boolean;
  /** As in {@link ManagerOptions.onLoadFailureCallback}. */
  onLoadFailureCallback?: OnLoadFailureCallback<T> | null;
  /** As in {@link ManagerOptions.conflictResolver}. */
  conflictResolver?: ConflictResolver<T>;
  /** The registry `listEntryPoints()` reads. Default {@link defaultRegistry}. */
  registry?: Registry;
}

/** The default conflict resolver: warns (once per name), and uses the last extension found. */
export function ignoreConflicts<T>(namespace: string, name: string, extensions: Extension<T>[]): Extension<T> {
  reportOnce(
    'STEVEDORE_CONFLICT',
    JSON.stringify([namespace, name]),
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

/** Any manager, seen as the base class (for the static builders). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyManager = ExtensionManager<any, string>;

/**
 * What `create()` resolves to: the manager its constructor makes, with the
 * namespace's literal type (so that its plugin type is looked up as `new`
 * does) and, when the options say `invokeOnLoad: true`, that too.
 */
export type Created<M, A extends readonly unknown[]> = M & { readonly namespace: A[0] } & InvokedOnLoad<A>;

type InvokedOnLoad<A extends readonly unknown[]> =
  Extract<A[number], { readonly invokeOnLoad: true }> extends never ? unknown : { readonly invokeOnLoad: true };

// The mark create() leaves on the `new.target` it constructs with: "load
// nothing now; record what you would load". Only that one construction sees
// it: a manager the constructor builds meanwhile has its own `new.target`.
const CREATE = Symbol('stevedore-ts: built by create()');

interface Deferred {
  entryPoints: readonly EntryPoint[] | null;
}

/** A stand-in for `Manager` as `new.target`: same prototype and statics, carrying the deferral. */
function deferringTarget(Manager: Function, deferred: Deferred): Function {
  const target = function () {} as unknown as Record<symbol, Deferred> & Function;
  target.prototype = Manager.prototype as object;
  Object.setPrototypeOf(target, Manager);
  Object.defineProperty(target, CREATE, { value: deferred });
  return target;
}

function deferredBy(newTarget: Function): Deferred | null {
  return Object.hasOwn(newTarget, CREATE) ? (newTarget as unknown as Record<symbol, Deferred>)[CREATE] : null;
}

/**
 * Until create() has run the loop, reading `extensions` (a subclass
 * constructor's body does it first) says why they are not there rather than
 * failing on `undefined`; `_initPlugins` storing them replaces the guard.
 */
function guardUnloadedExtensions(manager: object): void {
  Object.defineProperty(manager, 'extensions', {
    configurable: true,
    get(): never {
      throw new TypeError(
        `${manager.constructor.name}.create(): the extensions are not loaded until the constructor has returned; ` +
          'work on them in _initPlugins(), which new and create() both run',
      );
    },
    set(extensions: unknown) {
      Object.defineProperty(manager, 'extensions', {
        value: extensions,
        writable: true,
        configurable: true,
        enumerable: true,
      });
    },
  });
}

/**
 * Loads every extension of a namespace.
 *
 * Subclassing: the constructor loads, so every hook (`_wants`,
 * `_loadOnePlugin`, `_initPlugins`, ...) runs inside `super()`, before a
 * subclass's constructor body and before its class fields are initialised
 * (JavaScript then sets those fields, overwriting what a hook stored). A
 * subclass passes the settings its hooks need as `super()`'s third argument,
 * which the base stores before loading, and declares those fields with
 * `declare` (see docs/tutorial.md).
 *
 * @typeParam T The plugin type (what invoking a plugin makes); by default
 *   looked up in {@link Namespaces} by the namespace name.
 */
export class ExtensionManager<T = unknown, N extends string = string> {
  /** The namespace (entry point group) this manager loads. */
  declare readonly namespace: N;
  /** Whether errors inside `map()` propagate. */
  declare propagateMapExceptions: boolean;
  /** Whether plugins were invoked on load (the `invokeOnLoad` option). */
  declare readonly invokeOnLoad: boolean;
  /** The loaded extensions, in the order `map()` calls them. */
  declare extensions: Extension<PluginType<T, this['namespace']>>[];
  declare private _onLoadFailureCallback: OnLoadFailureCallback<PluginType<T, N>> | null;
  declare private _conflictResolver: ConflictResolver<PluginType<T, N>>;
  declare private _registry: Registry;
  declare private _invokeArgs: readonly unknown[];
  declare private _invokeKwds: Readonly<Record<string, unknown>>;
  declare private _loadTimeout: number | undefined;
  declare private _trust: TrustChecker | null;
  declare private _checkPeers: boolean;
  declare private _extensionsByNameCache: Map<string, Extension<PluginType<T, N>>> | null;
  /** While the loading loop runs: the source, and the entry points create() admitted (null: admit them in the loop). */
  declare private _loading: { source: PluginSource; entryPoints: readonly EntryPoint[] | null } | null;

  /**
   * @param namespace The namespace (entry point group) to load.
   * @param options See {@link ManagerOptions}.
   * @param settings For subclasses: their own settings (e.g. `{ _names }`),
   *   stored on the manager before anything is loaded, so that their hooks
   *   can read them. JavaScript allows no `this.x = ...` before `super()`.
   */
  constructor(namespace: N, options: ManagerOptions<PluginType<T, N>> = {}, settings: object = {}) {
    Object.assign(this, settings);
    this._initAttributes(namespace, options);
    const deferred = deferredBy(new.target);
    if (deferred) {
      // create() imports these before it runs the loop.
      deferred.entryPoints = this._admitted();
      guardUnloadedExtensions(this);
    } else {
      // Admitted by _loadPlugins, so that a subclass overriding it decides what is even looked at.
      this._loadFrom(requiredPlugins, null);
    }
  }

  /**
   * Builds the manager like its constructor (same arguments, same hooks),
   * but loads plugins with a real `import()` (ES modules with top-level
   * await), concurrently, and awaits invoked plugins that return a promise.
   * `loadTimeout` bounds each plugin. The plugin type is inferred from the
   * namespace as with `new`.
   *
   * Plugins are invoked with the manager's `invokeArgs` and `invokeKwds`
   * before the loop runs (a `_loadOnePlugin` override that passes others
   * invokes again, with those). The loop runs once the constructor has
   * returned: a subclass's constructor body cannot see the extensions yet
   * (reading them throws a TypeError that says so); `_initPlugins` can.
   */
  static async create<M, const A extends readonly [namespace: string, ...rest: unknown[]]>(
    this: new (...args: A) => M,
    ...args: A
  ): Promise<Created<M, A>> {
    // M is not constrained to ExtensionManager: HookManager and the dispatch
    // managers change the signatures of get() and map(), as stevedore does.
    const deferred: Deferred = { entryPoints: null };
    const manager = Reflect.construct(this, args, deferringTarget(this, deferred)) as AnyManager;
    const entryPoints = deferred.entryPoints ?? [];
    const source = await ImportedPlugins.import(entryPoints, {
      invokeOnLoad: manager.invokeOnLoad,
      invokeArgs: manager._invokeArgs,
      invokeKwds: manager._invokeKwds,
      loadTimeout: manager._loadTimeout,
    });
    manager._loadFrom(source, entryPoints);
    return manager as unknown as Created<M, A>;
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
    const manager = Object.create(this.prototype as object) as AnyManager;
    Object.assign(manager, manager._testSettings(extensions));
    manager._initAttributes(options.namespace ?? 'TESTING', options);
    manager._initPlugins([...extensions]);
    return manager as M;
  }

  /** Stores the common settings (stevedore's `_init_attributes`). */
  protected _initAttributes(namespace: string, options: ManagerOptions<PluginType<T, N>>): void {
    const self = this as { -readonly [K in keyof this]: this[K] };
    self.namespace = namespace as N;
    self.invokeOnLoad = options.invokeOnLoad ?? false;
    this.propagateMapExceptions = options.propagateMapExceptions ?? false;
    this._onLoadFailureCallback = options.onLoadFailureCallback ?? null;
    this._conflictResolver = options.conflictResolver ?? ignoreConflicts;
    this._registry = options.registry ?? defaultRegistry;
    this._invokeArgs = options.invokeArgs ?? [];
    this._invokeKwds = options.invokeKwds ?? {};
    this._loadTimeout = options.loadTimeout;
    this._trust = options.trust ? new TrustChecker(this._registry, options.trust) : null;
    this._checkPeers = options.checkPeers ?? this._registry.checkPeers;
    this._extensionsByNameCache = null;
    this._loading = null;
  }

  /** The settings `makeTestInstance()` stores for these extensions (subclasses add their names). */
  protected _testSettings(_extensions: readonly Extension<unknown>[]): object {
    return {};
  }

  /** Stores the loaded extensions. Subclasses check or reorder them here. */
  protected _initPlugins(extensions: Extension<PluginType<T, N>>[]): void {
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

  /**
   * Whether this manager loads the entry point at all. An entry point it
   * does not want is never required nor imported (with `create()`, plugins
   * are imported before `_loadOnePlugin` runs: decide here, not there).
   */
  protected _wants(_entryPoint: EntryPoint): boolean {
    return true;
  }

  /** The entry points to load: wanted, trusted, and not vetoed by a `beforeLoad` hook. */
  private _admitted(): EntryPoint[] {
    const admitted: EntryPoint[] = [];
    const trust = registryTrust(this._registry, this.namespace);
    if (this._trust) trust.push(this._trust);
    const hooks = hooksInUse(this._registry);
    for (const entryPoint of this.listEntryPoints()) {
      debug.manager('found extension %s', entryPoint);
      try {
        if (!this._wants(entryPoint) || !trust.every((checker) => checker.admits(entryPoint))) continue;
        if (hooks?.beforeLoad.call(entryPoint, this) === false) {
          debug.manager('loading %s vetoed by a beforeLoad hook', entryPoint);
          continue;
        }
        // Throws IncompatiblePlugin: a load failure reported like any other, before any plugin code runs.
        if (this._checkPeers) assertPeersMet(entryPoint, this._registry);
      } catch (error) {
        // A check that cannot decide: this entry point's load failure, never another's.
        this._reportLoadFailure(entryPoint, error);
        continue;
      }
      admitted.push(entryPoint);
    }
    return admitted;
  }

  /** Runs the loading loop, taking plugins from `source` (over `entryPoints` when create() admitted them). */
  private _loadFrom(source: PluginSource, entryPoints: readonly EntryPoint[] | null): void {
    this._loading = { source, entryPoints };
    try {
      this._initPlugins(this._loadPlugins(this.invokeOnLoad, this._invokeArgs, this._invokeKwds));
    } finally {
      this._loading = null;
    }
  }

  /**
   * The loading loop: loads every admitted entry point with
   * {@link _loadOnePlugin}, reporting failures instead of throwing, and
   * keeps the extensions the `afterLoad` hook accepts.
   */
  protected _loadPlugins(
    invokeOnLoad: boolean,
    invokeArgs: readonly unknown[],
    invokeKwds: Readonly<Record<string, unknown>>,
  ): Extension<PluginType<T, N>>[] {
    const entryPoints = this._loading?.entryPoints ?? this._admitted();
    const extensions: Extension<PluginType<T, N>>[] = [];
    for (const entryPoint of entryPoints) {
      let extension: Extension<PluginType<T, N>> | null;
      try {
        extension = this._loadOnePlugin(entryPoint, invokeOnLoad, invokeArgs, invokeKwds);
      } catch (error) {
        this._reportLoadFailure(entryPoint, error);
        continue;
      }
      if (extension && this._accepted(extension)) extensions.push(extension);
    }
    return extensions;
  }

  /** Loads (and, when asked, invokes) one entry point; null skips it. */
  protected _loadOnePlugin(
    entryPoint: EntryPoint,
    invokeOnLoad: boolean,
    invokeArgs: readonly unknown[],
    invokeKwds: Readonly<Record<string, unknown>>,
  ): Extension<PluginType<T, N>> | null {
    const source = this._loading?.source ?? requiredPlugins;
    const plugin = source.load(entryPoint);
    const obj = invokeOnLoad ? source.invoke(entryPoint, plugin, invokeArgs, invokeKwds) : undefined;
    if (isThenable(obj)) this._reportRejection(entryPoint, obj);
    return new Extension(entryPoint.name, entryPoint, plugin, obj as PluginType<T, N>);
  }

  /**
   * A plugin invoked by `new` that returns a promise keeps it as `obj`
   * (`create()` awaits it instead). If it rejects, that is the entry point's
   * load failure, reported when it happens: an unhandled rejection would end
   * the process. Awaiting `obj` still throws the error.
   */
  private _reportRejection(entryPoint: EntryPoint, pending: PromiseLike<unknown>): void {
    Promise.resolve(pending).then(undefined, (error: unknown) => {
      try {
        this._reportLoadFailure(entryPoint, error);
      } catch {
        // DriverManager rethrows a failure, but the manager was built long ago: warn as the others do.
        ExtensionManager.prototype._defaultOnLoadFailure.call(this, entryPoint, error);
      }
    });
  }

  /** Calls the `afterLoad` hook; an extension whose handler throws is not kept. */
  private _accepted(extension: Extension<PluginType<T, N>>): boolean {
    const hooks = hooksInUse(this._registry);
    if (!hooks) return true;
    try {
      hooks.afterLoad.call(extension, this);
      return true;
    } catch (error) {
      this._reportHookFailure('afterLoad', extension.entryPoint, error, 'the extension is not kept');
      return false;
    }
  }

  private _reportHookFailure(hook: string, entryPoint: EntryPoint | null, error: unknown, outcome: string): void {
    const about = entryPoint ? describeEntryPoint(entryPoint) : 'an extension';
    reportOnce(
      'STEVEDORE_HOOK_FAILED',
      `${hook}\0${entryPoint ? entryPointSubject(entryPoint) : ''}`,
      `a registry.hooks.${hook} handler threw for ${about}: ${firstLine(errorMessage(error))}; ${outcome}`,
      this._registry,
    );
  }

  /**
   * Reports that an entry point failed to load: to the `loadFailure` hook,
   * then to `onLoadFailureCallback`, or when there is none to
   * {@link _defaultOnLoadFailure}. A hook or callback that throws is
   * reported, never fatal: a plugin never takes the application down.
   */
  protected _reportLoadFailure(entryPoint: EntryPoint, error: unknown): void {
    debugError(debug.manager, 'failed to load', entryPoint, error);
    const hooks = hooksInUse(this._registry);
    try {
      hooks?.loadFailure.call(entryPoint, error, this);
    } catch (hookError) {
      this._reportHookFailure('loadFailure', entryPoint, hookError, 'loading goes on');
    }
    const callback = this._onLoadFailureCallback;
    if (!callback) {
      this._defaultOnLoadFailure(entryPoint, error);
      return;
    }
    try {
      callback(this as ExtensionManager<PluginType<T, N>>, entryPoint, error);
    } catch (callbackError) {
      reportOnce(
        'STEVEDORE_CALLBACK_FAILED',
        entryPointSubject(entryPoint),
        `onLoadFailureCallback threw while handling the failure to load ${describeEntryPoint(entryPoint)}: ` +
          `${firstLine(errorMessage(callbackError))} (the failure: ${failureReason(entryPoint, error)})`,
        this._registry,
      );
    }
  }

  /**
   * What a failure to load comes to without `onLoadFailureCallback`: one
   * `STEVEDORE_LOAD_FAILED` warning per entry point and process (stevedore
   * logs it). DriverManager overrides it to rethrow.
   */
  protected _defaultOnLoadFailure(entryPoint: EntryPoint, error: unknown): void {
    reportOnce(
      error instanceof IncompatiblePlugin ? 'STEVEDORE_INCOMPATIBLE' : 'STEVEDORE_LOAD_FAILED',
      entryPointSubject(entryPoint),
      `Could not load ${describeEntryPoint(entryPoint)}: ${failureReason(entryPoint, error)}`,
      this._registry,
    );
  }

  /** The names of the loaded extensions, in the order `map()` uses. */
  names(): string[] {
    return this.extensions.map((extension) => extension.name);
  }

  /**
   * Calls `func(extension, ...args)` for each extension and returns the
   * results. Throws {@link NoMatches} when there are no extensions; errors
   * thrown by `func` are reported (each time) and skipped unless `propagateMapExceptions`.
   */
  map<U, A extends unknown[]>(
    func: (extension: Extension<PluginType<T, this['namespace']>>, ...args: A) => U,
    ...args: A
  ): U[] {
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
    func: (extension: Extension<PluginType<T, this['namespace']>>, ...args: A) => U | Promise<U>,
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

  /** Throws {@link NoMatches} when no extension was loaded (what `map()` does first). */
  protected _requireExtensions(): void {
    if (!this.extensions.length) throw new NoMatches(`No ${this.namespace} extensions found`);
  }

  /** Calls `func` for one extension, collecting its result or handling its error. */
  protected _invokeOnePlugin<U, A extends unknown[]>(
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

  // Every time, as stevedore logs each: the same plugin failing on the next call is news.
  private _reportMapError(extension: Extension<unknown>, error: unknown): void {
    if (this.propagateMapExceptions) throw error;
    debugError(debug.manager, 'error calling', extension.name, error);
    warn('STEVEDORE_MAP_ERROR', `error calling '${extension.name}': ${firstLine(errorMessage(error))}`);
  }

  private get _extensionsByName(): Map<string, Extension<PluginType<T, this['namespace']>>> {
    if (!this._extensionsByNameCache) {
      const groups = new Map<string, Extension<PluginType<T, N>>[]>();
      for (const extension of this.extensions as Extension<PluginType<T, N>>[]) {
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
  items(): [string, Extension<PluginType<T, this['namespace']>>][] {
    return [...this._extensionsByName];
  }

  /** The extension with this name; throws {@link KeyError} when there is none. */
  get(name: string): Extension<PluginType<T, this['namespace']>> {
    const extension = this._extensionsByName.get(name);
    if (!extension) throw new KeyError(name);
    return extension;
  }

  /** Whether an extension with this name was loaded. */
  has(name: string): boolean {
    return this.extensions.some((extension) => extension.name === name);
  }

  /** The extensions, in the order `map()` calls them. */
  [Symbol.iterator](): Iterator<Extension<PluginType<T, this['namespace']>>> {
    return this.extensions[Symbol.iterator]();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  try {
    return (
      (typeof value === 'object' || typeof value === 'function') &&
      value !== null &&
      typeof (value as { then?: unknown }).then === 'function'
    );
  } catch {
    // A hostile object whose `then` getter throws: not a promise we can watch.
    return false;
  }
}

/** Calls method `methodName` of an extension's `obj` (what `mapMethod()` maps). */
export function callExtensionMethod(extension: Extension<unknown>, methodName: string, ...args: unknown[]): unknown {
  const obj = extension.obj as Record<string, unknown> | null | undefined;
  const method = obj?.[methodName];
  if (typeof method !== 'function') {
    throw new TypeError(`extension '${extension.name}' has no method '${methodName}'`);
  }
  return method.apply(obj, args);
}
