/**
 * The Registry: which entry points exist, the analogue of Python's
 * importlib.metadata plus stevedore's `_cache`. It scans once, keeps the
 * result in memory (the same EntryPoint objects on every call until
 * `refresh()`), and keeps it on disk between processes (see cache.ts).
 */
import path from 'node:path';
import type { Distribution, EntryPointOrigin, ParsedValue } from './entry-point';
import { EntryPoint } from './entry-point';
import type { RegistryHooks } from './hooks';
import { createHooks } from './hooks';
import type { CacheContext, DeclarationVisitor } from './cache';
import { CachedScan, cacheDisabledReason, defaultCacheDir, readCache, writeCache } from './cache';
import { defaultRoot, globalFolder, nodeModulesPaths, nodePathFolders } from './locate';
import type { Declaration, LocatedPackages, PackageRecord, Problem, ScanResult } from './scan';
import { scan } from './scan';
import type { PnpApi } from './pnp';
import { findPnpApi, findPnpFile, pnpPackages } from './pnp';
import { realpathOrResolved } from './resolve';
import { debug, forgetReports, reportOnce } from './diagnostics';
import { traceDiscover } from './tracing';

export type { RegistryHooks } from './hooks';

/** What the on-disk cache did for a scan; see {@link Registry.cacheStatus}. */
export type CacheStatus = 'hit' | 'stored' | 'not-stored' | 'off';

/** Where a registry looks for packages, and how it keeps what it found. */
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
  /** Every manager of this registry refuses plugins whose peer dependencies are not met (see docs/compatibility.md). */
  checkPeers?: boolean;
  /**
   * The clock (milliseconds since the epoch, as `Date.now`) the on-disk cache
   * judges "changed too recently to trust" by: a scan of a path changed within
   * the file system's timestamp tick is not stored. For tests, which give a
   * clock ahead of time to store scans of trees they have just written.
   * Default `Date.now`.
   */
  clock?: () => number;
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
  override get origin(): EntryPointOrigin {
    return 'registered';
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

/** An entry point of a copy of a package that a nearer copy of the same name hides: declared, never loaded. */
export interface ShadowedEntryPoint {
  /** The entry point as the hidden copy declares it. */
  entryPoint: EntryPoint;
  /** The name the copy is installed under. */
  installedAs: string;
  /** The packages folder the copy sits in. */
  source: string;
  /** The package loaded instead, when it declares entry points. */
  shadowedBy: Distribution | null;
}

/** What the registry works out from one scan when first asked: indexes and what was reported. */
interface ScanIndex {
  scan: ScanResult;
  byRoot: Map<string, PackageRecord> | null;
  shadowed: Map<string, ShadowedEntryPoint[]> | null;
  problems: { byGroup: Map<string, Problem[]>; ofPackages: Problem[] } | null;
  /** Groups whose problems were reported, and whether package-level ones were. */
  reportedGroups: Set<string>;
  reportedPackages: boolean;
  reportedAll: boolean;
}

/**
 * The entry points installed packages declare, found by reading their
 * package.json files (never running their code), and the hooks managers call
 * while loading them. Managers use {@link defaultRegistry} unless given one.
 */
export class Registry {
  private createdHooks: RegistryHooks | null = null;
  private index: ScanIndex | null = null;
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

  /** @param options See {@link RegistryOptions}. Nothing is read until entry points are first asked for. */
  constructor(options: RegistryOptions = {}) {
    this.options = { ...options };
    this.extraFolders = nodePathFolders().concat(options.global ? [globalFolder()] : []);
    this.useCache = options.cache ?? true;
    this.cacheDir = options.cacheDir ? path.resolve(options.cacheDir) : defaultCacheDir();
    this.clock = options.clock ?? Date.now;
  }

  /** Whether managers of this registry check plugins' peer dependencies unless told otherwise. */
  get checkPeers(): boolean {
    return this.options.checkPeers ?? false;
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
    this.createdHooks ??= createHooks();
    return this.createdHooks;
  }

  /**
   * The entry points of a group (or of all groups), in discovery order:
   * search-folder order, then package name, then declaration order; entry
   * points added with `register()` come last.
   */
  entryPoints(group?: string): readonly EntryPoint[] {
    this.reportProblems(group);
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

  /**
   * Forgets the scan: the next call reads the package tree (or the disk
   * cache) again. What was reported about this registry's entry points and
   * files is forgotten too, so a problem still there is reported again.
   */
  refresh(): void {
    this.scanned = null;
    this.index = null;
    this.byGroup.clear();
    forgetReports(this);
  }

  /**
   * The raw scan: packages, shadowed copies and skipped declarations (for
   * tools such as the CLI). Reading it reports nothing: problems are reported
   * when entry points are asked for (see {@link entryPoints}).
   */
  scan(): ScanResult {
    this.scanned ??= traceDiscover(this, () => this.load());
    return this.scanned;
  }

  /** The package record (installed name, packages folder) of a discovered entry point; undefined for others. */
  recordOf(entryPoint: EntryPoint): PackageRecord | undefined {
    if (entryPoint.origin !== 'discovered' || !entryPoint.dist) return undefined;
    const index = this.scanIndex();
    index.byRoot ??= new Map(index.scan.packages.map((record) => [record.dist.root, record]));
    return index.byRoot.get(entryPoint.dist.root);
  }

  /**
   * The entry points of `group` declared by copies of packages that a nearer
   * copy of the same name shadows (Node resolves the nearer one): never
   * loaded, shown by tools. Each copy is read once per scan.
   */
  shadowedEntryPoints(group: string): readonly ShadowedEntryPoint[] {
    const index = this.scanIndex();
    if (!index.shadowed) {
      const byGroup = new Map<string, ShadowedEntryPoint[]>();
      const winners = new Map(index.scan.packages.map((record) => [record.installedAs, record.dist]));
      for (const copy of index.scan.shadowed) {
        const record = scan(copy.path, []).packages[0];
        if (!record) continue;
        for (const [declared, name, value, parsed] of record.declarations) {
          const entry: ShadowedEntryPoint = {
            entryPoint: EntryPoint.fromParsed(name, value, declared, parsed, record.dist),
            installedAs: copy.installedAs,
            source: copy.source,
            shadowedBy: winners.get(copy.installedAs) ?? null,
          };
          const list = byGroup.get(declared);
          if (list) list.push(entry);
          else byGroup.set(declared, [entry]);
        }
      }
      index.shadowed = byGroup;
    }
    return index.shadowed.get(group) ?? [];
  }

  private scanIndex(): ScanIndex {
    const result = this.scan();
    if (this.index?.scan !== result) {
      this.index = {
        scan: result,
        byRoot: null,
        shadowed: null,
        problems: null,
        reportedGroups: new Set(),
        reportedPackages: false,
        reportedAll: false,
      };
    }
    return this.index;
  }

  /**
   * Reports (once per process) the discovery problems of what is asked for:
   * those of the group's declarations, and those of whole files (which could
   * have declared anything) whatever the group. A third party's broken
   * declaration in a group this application never asks for is not its concern.
   */
  private reportProblems(group: string | undefined): void {
    const index = this.scanIndex();
    if (index.reportedAll || (group !== undefined && index.reportedGroups.has(group))) return;
    if (!index.problems) {
      const byGroup = new Map<string, Problem[]>();
      const ofPackages: Problem[] = [];
      for (const problem of index.scan.problems) {
        if (problem.group === null) ofPackages.push(problem);
        else if (byGroup.has(problem.group)) byGroup.get(problem.group)!.push(problem);
        else byGroup.set(problem.group, [problem]);
      }
      index.problems = { byGroup, ofPackages };
    }
    const { byGroup, ofPackages } = index.problems;
    if (!index.reportedPackages) {
      index.reportedPackages = true;
      for (const problem of ofPackages) this.reportProblem(problem);
    }
    const groups = group === undefined ? [...byGroup.keys()] : [group];
    for (const name of groups) {
      if (index.reportedGroups.has(name)) continue;
      index.reportedGroups.add(name);
      for (const problem of byGroup.get(name) ?? []) this.reportProblem(problem);
    }
    if (group === undefined) index.reportedAll = true;
  }

  private reportProblem(problem: Problem): void {
    const subject = JSON.stringify([problem.file, problem.group, problem.name]);
    reportOnce(problem.code, subject, `${problem.file}: ${problem.reason}`, this);
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
    return this.keyFor(realpathOrResolved(this.root));
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
      realRoot: realpathOrResolved(this.root),
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

/**
 * The hooks of a registry if anything has asked for them, else null: what
 * managers call, so that an application that taps nothing never loads tapable.
 */
export function hooksInUse(registry: Registry): RegistryHooks | null {
  return registry['createdHooks'];
}

/**
 * The registry managers use when given none. Building it reads nothing: the
 * root and the folders are worked out when a manager first asks for entry points.
 */
export const defaultRegistry: Registry = new Registry();
