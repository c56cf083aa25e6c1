/**
 * The Registry: which entry points exist, the analogue of Python's
 * importlib.metadata plus stevedore's `_cache`. It scans once, keeps the
 * result in memory (the same EntryPoint objects on every call until
 * `refresh()`), and keeps it on disk between processes (see cache.ts).
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { SyncBailHook, SyncHook } from 'tapable';
import type { Distribution, ParsedValue } from './entry-point';
import { EntryPoint } from './entry-point';
import type { Extension } from './extension';
import type { CacheContext, DeclarationVisitor } from './cache';
import { CachedScan, cacheDisabledReason, defaultCacheDir, readCache, writeCache } from './cache';
import { defaultRoot, globalFolder, nodeModulesPaths, nodePathFolders } from './locate';
import type { Declaration, LocatedPackages, ScanResult } from './scan';
import { scan } from './scan';
import type { PnpApi } from './pnp';
import { findPnpApi, findPnpFile, pnpPackages } from './pnp';
import { debug, warnOnce } from './diagnostics';

/** What the on-disk cache did for a scan; see {@link Registry.cacheStatus}. */
export type CacheStatus = 'hit' | 'stored' | 'not-stored' | 'off';

export interface RegistryOptions {
  /**
   * The application's folder. Default: the nearest folder with a package.json
   * upward from the main script, else from the current folder.
   */
  root?: string;
  /** Folders of installed packages to scan instead of the node_modules folders up from the root. */
  paths?: readonly string[];
  /** Also scan the global install folder (npm's prefix). Default false. */
  global?: boolean;
  /** Keep scans on disk between processes. Default true (see also STEVEDORE_CACHE=0). */
  cache?: boolean;
  /** Where the on-disk cache lives. Default: `$STEVEDORE_CACHE_DIR` or the user's cache folder. */
  cacheDir?: string;
  /**
   * The clock (milliseconds since the epoch, as `Date.now`) the on-disk cache
   * judges "changed too recently to trust" by: a scan of a path changed within
   * the file system's timestamp tick is not stored. For tests, which give a
   * clock ahead of time to store scans of trees they have just written.
   * Default `Date.now`.
   */
  clock?: () => number;
}

/** The tapable hooks managers call while loading; see SPEC §7. */
export interface RegistryHooks {
  /** Before an entry point is loaded; returning `false` vetoes loading it. */
  beforeLoad: SyncBailHook<[EntryPoint, unknown], boolean | void>;
  /** After an extension was loaded (and invoked, when asked). */
  afterLoad: SyncHook<[Extension<unknown>, unknown]>;
  /** When an entry point failed to load or to be invoked. */
  loadFailure: SyncHook<[EntryPoint, unknown, unknown]>;
}

/** An entry point added in-process with `register()`: it loads the given value. */
class RegisteredEntryPoint<T> extends EntryPoint<T> {
  constructor(
    name: string,
    group: string,
    private readonly plugin: T,
  ) {
    super(name, '<registered>', group, null);
  }
  protected static override parse(): ParsedValue {
    return { module: '<registered>', attr: null, extras: [] };
  }
  override resolve(): string {
    return '<registered>';
  }
  override load(): T {
    return this.plugin;
  }
  override loadAsync(): Promise<T> {
    return Promise.resolve(this.plugin);
  }
}

export class Registry {
  private createdHooks: RegistryHooks | null = null;
  private readonly options: RegistryOptions;
  /** The folders the environment names (NODE_PATH, npm's prefix), read when the registry is made. */
  private readonly extraFolders: readonly string[];
  private location: { root: string; folders: readonly string[]; pnp: PnpApi | null } | null = null;
  private readonly useCache: boolean;
  private readonly cacheDir: string;
  private readonly clock: () => number;
  private scanned: ScanResult | null = null;
  private lastCacheStatus: CacheStatus | null = null;
  /** The lists `entryPoints(group)` returned, until `register()` or `refresh()`. */
  private readonly byGroup = new Map<string, readonly EntryPoint[]>();
  private readonly registered: EntryPoint[] = [];

  constructor(options: RegistryOptions = {}) {
    this.options = { ...options };
    this.extraFolders = nodePathFolders().concat(options.global ? [globalFolder()] : []);
    this.useCache = options.cache ?? true;
    this.cacheDir = options.cacheDir ? path.resolve(options.cacheDir) : defaultCacheDir();
    this.clock = options.clock ?? Date.now;
  }

  /** The application's folder: its package.json is the first source. */
  get root(): string {
    return this.locate().root;
  }

  /** The folders of installed packages, in search order. */
  get folders(): readonly string[] {
    return this.locate().folders;
  }

  /** The Yarn Plug'n'Play API when the root is a PnP project and this process runs under PnP. */
  private get pnp(): PnpApi | null {
    return this.locate().pnp;
  }

  // Worked out on first use, so that building a registry (the default one is
  // built when the library is imported) walks no folders.
  private locate(): { root: string; folders: readonly string[]; pnp: PnpApi | null } {
    if (!this.location) {
      const { options } = this;
      const root = options.root ? path.resolve(options.root) : defaultRoot();
      const pnp = options.paths ? null : findPnpApi(root);
      // Under PnP there are no node_modules folders: the PnP API lists the packages.
      const folders = (options.paths ?? (pnp ? [] : nodeModulesPaths(root)))
        .map((folder) => path.resolve(root, folder))
        .concat(this.extraFolders);
      this.location = { root, folders, pnp };
    }
    return this.location;
  }

  /** The tapable hooks managers call while loading (tapable is loaded on first use). */
  get hooks(): RegistryHooks {
    if (!this.createdHooks) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { SyncBailHook, SyncHook } = require('tapable') as typeof import('tapable');
      this.createdHooks = {
        beforeLoad: new SyncBailHook(['entryPoint', 'manager']),
        afterLoad: new SyncHook(['extension', 'manager']),
        loadFailure: new SyncHook(['entryPoint', 'error', 'manager']),
      };
    }
    return this.createdHooks;
  }

  /**
   * The hooks if anything has asked for them, else null: what managers call,
   * so that an application that taps nothing never loads tapable.
   * @internal
   */
  get _usedHooks(): RegistryHooks | null {
    return this.createdHooks;
  }

  /**
   * The entry points of a group (or of all groups), in discovery order:
   * search-folder order, then package name, then declaration order; entry
   * points added with `register()` come last.
   */
  entryPoints(group?: string): readonly EntryPoint[] {
    if (group === undefined) return [...this.discoveredInOrder(), ...this.registered];
    let list = this.byGroup.get(group);
    if (!list) {
      const registered = this.registered.filter((entryPoint) => entryPoint.group === group);
      list = Object.freeze([...this.discovered(group), ...registered]);
      this.byGroup.set(group, list);
    }
    return list;
  }

  /** The names of every group with at least one entry point, sorted. */
  groups(): string[] {
    return this.groupOrder().sort();
  }

  /**
   * Adds an in-process entry point whose `load()` returns `plugin`: for
   * bundled applications and tests. Returns a function that removes it.
   */
  register<T>(group: string, name: string, plugin: T): () => void {
    return this.addEntryPoint(new RegisteredEntryPoint(name, group, plugin));
  }

  /**
   * Adds an in-process EntryPoint object (e.g. one a bundler collected at
   * build time, see `registerBundled()`); it comes after the discovered ones.
   * Returns a function that removes it.
   */
  addEntryPoint(entryPoint: EntryPoint): () => void {
    this.registered.push(entryPoint);
    this.byGroup.delete(entryPoint.group);
    return () => {
      const index = this.registered.indexOf(entryPoint);
      if (index !== -1) {
        this.registered.splice(index, 1);
        this.byGroup.delete(entryPoint.group);
      }
    };
  }

  /** Forgets the scan: the next call reads the package tree (or the disk cache) again. */
  refresh(): void {
    this.scanned = null;
    this.byGroup.clear();
  }

  /** The raw scan: packages, shadowed copies and skipped declarations (for tools such as the CLI). */
  scan(): ScanResult {
    if (!this.scanned) {
      this.scanned = this.load();
      for (const problem of this.scanned.problems) {
        warnOnce(problem.code, `${problem.file}: ${problem.reason}`);
      }
    }
    return this.scanned;
  }

  /**
   * What the on-disk cache did for the last scan: `hit` (served from the
   * cache), `stored` (scanned, then stored), `not-stored` (scanned; the tree
   * changed too recently to trust, or the cache folder cannot be used: not
   * writable, not a folder, or not this user's alone), `off` (caching
   * disabled), or null before the first scan.
   */
  get cacheStatus(): CacheStatus | null {
    return this.lastCacheStatus;
  }

  /**
   * The key the on-disk cache stores this registry's scan under: the root as
   * given and where it really is (so that switching a `current` link to
   * another release uses another file), and the folders searched.
   */
  get cacheKey(): string {
    return this.keyFor(realpathOrSelf(this.root));
  }

  private keyFor(realRoot: string): string {
    const pnp = this.pnp ? (findPnpFile(this.root) ?? 'pnp') : undefined;
    return JSON.stringify({ root: this.root, real: realRoot, folders: this.folders, pnp });
  }

  private load(): ScanResult {
    if (!this.useCache || cacheDisabledReason(this.cacheDir) !== null) {
      this.lastCacheStatus = 'off';
      return this.freshScan(this.located());
    }
    const context = this.cacheContext();
    const key = this.keyFor(context.realRoot);
    const cached = readCache(this.cacheDir, key, context);
    if (cached) {
      this.lastCacheStatus = 'hit';
      return cached;
    }
    const startedMs = this.clock();
    const result = context.rescan();
    this.lastCacheStatus = writeCache(this.cacheDir, key, result, startedMs, context) ? 'stored' : 'not-stored';
    return result;
  }

  /** What a cache file is checked against: where the tree is now, and how to scan it instead. */
  private cacheContext(): CacheContext {
    const located = this.located();
    const context: CacheContext = {
      realRoot: realpathOrSelf(this.root),
      folders: this.folders,
      rescan: () => this.freshScan(located),
    };
    if (located) {
      const source = located.packages[0]?.source ?? findPnpFile(this.root) ?? 'pnp';
      context.located = { source, dirs: new Map(located.packages.map((pkg) => [pkg.installedAs, pkg.dir])) };
    }
    return context;
  }

  /** Under Plug'n'Play, the packages its API names. */
  private located(): LocatedPackages | undefined {
    return this.pnp ? pnpPackages(this.root, this.pnp) : undefined;
  }

  private freshScan(located: LocatedPackages | undefined): ScanResult {
    debug.registry('scanning %s and %d folders', this.root, this.folders.length);
    const result = scan(this.root, this.folders, located);
    debug.registry('found %d packages declaring entry points', result.packages.length);
    return result;
  }

  /** Group names: discovered ones in discovery order, then groups only registered in-process. */
  private groupOrder(): string[] {
    const names = new Set(this.declaredGroups().keys());
    for (const entryPoint of this.registered) names.add(entryPoint.group);
    return [...names];
  }

  // The declarations of the scan by group, and the EntryPoint objects of each
  // group once asked for: they live as long as the scan, so that every
  // manager gets the same objects until refresh(), and a group nobody asks
  // for costs no objects at all.
  private declared: { scan: ScanResult; groups: Map<string, DeclaredGroup> } | null = null;

  private declaredGroups(): Map<string, DeclaredGroup> {
    const result = this.scan();
    if (this.declared?.scan !== result) {
      const groups = new Map<string, DeclaredGroup>();
      if (result instanceof CachedScan) {
        // A cached scan decodes a group's section of the file only when the group is asked for.
        for (const group of result.groupNames()) {
          groups.set(group, { each: (visit) => result.eachDeclaration(group, visit), entryPoints: null });
        }
      } else {
        const byGroup = new Map<string, [Declaration, Distribution][]>();
        for (const pkg of result.packages) {
          for (const declaration of pkg.declarations) {
            const list = byGroup.get(declaration[0]);
            if (list) list.push([declaration, pkg.dist]);
            else byGroup.set(declaration[0], [[declaration, pkg.dist]]);
          }
        }
        for (const [group, list] of byGroup) {
          const each = (visit: DeclarationVisitor): void => {
            for (let i = 0; i < list.length; i++) {
              const declaration = list[i][0];
              visit(declaration[1], declaration[2], declaration[3], list[i][1]);
            }
          };
          groups.set(group, { each, entryPoints: null });
        }
      }
      this.declared = { scan: result, groups };
    }
    return this.declared.groups;
  }

  /** Every discovered entry point in discovery order: package by package, each in declaration order. */
  private discoveredInOrder(): EntryPoint[] {
    const taken = new Map<string, number>();
    const ordered: EntryPoint[] = [];
    for (const pkg of this.scan().packages) {
      for (const [group] of pkg.declarations) {
        const index = taken.get(group) ?? 0;
        taken.set(group, index + 1);
        ordered.push(this.discovered(group)[index]);
      }
    }
    return ordered;
  }

  private discovered(group: string): readonly EntryPoint[] {
    const declared = this.declaredGroups().get(group);
    if (!declared) return [];
    if (!declared.entryPoints) {
      const made: EntryPoint[] = [];
      declared.each((name, value, parsed, dist) => made.push(EntryPoint.fromParsed(name, value, group, parsed, dist)));
      declared.entryPoints = made;
    }
    return declared.entryPoints;
  }
}

interface DeclaredGroup {
  /** Visits the group's declarations: worked out when the group is first asked for. */
  each: (visit: DeclarationVisitor) => void;
  entryPoints: EntryPoint[] | null;
}

function realpathOrSelf(dir: string): string {
  try {
    return realpathSync.native(dir);
  } catch {
    return path.resolve(dir);
  }
}

/**
 * The registry managers use when given none. Building it reads nothing: the
 * root and the folders are worked out when a manager first asks for entry points.
 */
export const defaultRegistry: Registry = new Registry();
