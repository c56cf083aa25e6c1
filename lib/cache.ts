/**
 * The on-disk cache of scans, stevedore's `_cache` for Node.
 *
 * A cached scan is served only while every path it depended on has the stat
 * signature (mtime, ctime, size and inode, compared for equality) it had when the
 * scan ran: the node_modules and `@scope` folders, the package managers' own
 * files in them, the symbolic links resolution went through, and the
 * package.json of the root and of every package linked from outside those
 * folders. That is a few stats per folder, not one per package, and "newer
 * than" is never used: npm extracts files with fixed mtimes and pnpm
 * hard-links old store files.
 *
 * The file is laid out so that a warm start reads only what it uses: one
 * header line (the key, the watched paths, where each section starts), then
 * one line per group of entry points and a few more for the rest. Each value
 * is stored with its parsed parts, so a hit builds entry points without
 * parsing values again; what it does check is cheap and linear: the shape of
 * every field, and that no module or folder leads outside the scanned tree.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readSync, realpathSync } from 'node:fs';
import { existsSync, lstatSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import type { Distribution, ParsedValue } from './entry-point';
import { leavesPackage } from './entry-point';
import type { Declaration, PackageRecord, Problem, ScanResult, ShadowedPackage, WatchEntry } from './scan';
import { UNSETTLED, linkSignatureOf, signatureOf } from './scan';
import type { WarningCode } from './diagnostics';
import { debug } from './diagnostics';
import { homeDir } from './locate';
import { isRunning } from './process-state';

/** Bumped whenever the file layout changes; files of other versions are ignored. */
export const CACHE_FORMAT = 4;

/** What the registry knows, now, about the tree a cache file claims to describe. */
export interface CacheContext {
  /** The real path of the application's folder: the folder of the root package. */
  realRoot: string;
  /** The folders of installed packages the registry searches: the only sources a file may name besides the root. */
  folders: readonly string[];
  /** Under Yarn Plug'n'Play: the source the packages are found in, and each one's folder by installed name. */
  located?: { source: string; dirs: ReadonlyMap<string, string> };
  /** A fresh scan, for when a section read after the file was accepted turns out to be damaged. */
  rescan: () => ScanResult;
}

// ---------------------------------------------------------------- where the cache lives

/** The per-user cache folder: `$STEVEDORE_CACHE_DIR`, else the platform's cache folder + `stevedore-ts`. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.STEVEDORE_CACHE_DIR) return path.resolve(env.STEVEDORE_CACHE_DIR);
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : null;
  if (xdg && process.platform !== 'win32' && process.platform !== 'darwin') return path.join(xdg, 'stevedore-ts');
  let home: string;
  try {
    home = homeDir();
  } catch {
    // No home folder (a uid without a passwd entry): a per-user folder that the trust checks vet like any other.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tmp = (require('node:os') as typeof import('node:os')).tmpdir();
    return path.join(tmp, `stevedore-ts-${process.getuid?.() ?? 'user'}`);
  }
  if (process.platform === 'win32') {
    return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'stevedore-ts', 'Cache');
  }
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'stevedore-ts');
  return path.join(xdg ?? path.join(home, '.cache'), 'stevedore-ts');
}

/** Why caching is off for this folder, or null when it is on. */
export function cacheDisabledReason(dir: string, env: Record<string, string | undefined> = process.env): string | null {
  const flag = env.STEVEDORE_CACHE?.trim().toLowerCase();
  if (flag === '0' || flag === 'false' || flag === 'off' || flag === 'no') return `STEVEDORE_CACHE is set to ${flag}`;
  if (existsSync(path.join(dir, '.disable'))) return `${path.join(dir, '.disable')} exists`;
  return null;
}

/**
 * The cache file for a given key (the root and its search folders). The name
 * is a 64-bit FNV-1a hash of the key: not cryptographic (the file holds the
 * key, and a file for another key is ignored), and it spares loading
 * node:crypto on every start.
 */
export function cacheFileFor(dir: string, key: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < key.length; i++) {
    hash = BigInt.asUintN(64, (hash ^ BigInt(key.charCodeAt(i))) * 0x100000001b3n);
  }
  return path.join(dir, `${hash.toString(16).padStart(16, '0')}.json`);
}

/**
 * Why `dir` cannot be trusted to hold this user's cache files, or null when
 * it can. The care OpenSSH's StrictModes takes with `~/.ssh`: the folder is
 * this user's and nobody else may write to it, and every folder above it
 * (after symbolic links) belongs to this user or to root and is not writable
 * by others — except a sticky one such as /tmp, where nobody may rename or
 * remove what is not theirs.
 */
export function untrustedDirReason(dir: string): string | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null; // Windows: no POSIX owners and modes
  let real: string;
  try {
    real = realpathSync.native(dir);
    const stats = statSync(real);
    if (!stats.isDirectory()) return `${dir} is not a folder`;
    if (stats.uid !== uid) return `${dir} belongs to another user (uid ${stats.uid})`;
    if ((stats.mode & 0o022) !== 0) return `${dir} is writable by others (mode ${modeOf(stats.mode)})`;
    for (let parent = path.dirname(real); ; parent = path.dirname(parent)) {
      const above = statSync(parent);
      if (above.uid !== uid && above.uid !== 0) return `${parent} belongs to another user (uid ${above.uid})`;
      if ((above.mode & 0o022) !== 0 && (above.mode & 0o1000) === 0) {
        return `${parent} is writable by others (mode ${modeOf(above.mode)})`;
      }
      if (path.dirname(parent) === parent) return null;
    }
  } catch (err) {
    return `${dir} cannot be used: ${messageOf(err)}`;
  }
}

// ---------------------------------------------------------------- reading

/** True when every watched path still has the signature it had at scan time. */
function isFresh(watch: readonly WatchEntry[]): boolean {
  // A plain indexed loop: this runs once per start, mostly before the JIT has warmed up.
  for (let i = 0; i < watch.length; i++) {
    const file = watch[i][0];
    const sig = watch[i][1];
    const now = sig.charCodeAt(0) === LINK ? linkSignatureOf(file) : signatureOf(file);
    if (now !== sig) {
      debug.cache('stale: %s changed', file);
      return false;
    }
  }
  return true;
}

const LINK = 0x6c; // 'l': a link's own signature
// Opened without following a symbolic link planted at its name, and without blocking on a FIFO.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
// Far more than any scan writes: a bigger "cache file" is not one.
const MAX_FILE_BYTES = 1 << 27;

/**
 * The cache file's bytes, or null when it is missing, unreadable, not a
 * regular file, or could have been written by someone else (another user's
 * file, or one others may write to): a cache file decides which modules get
 * loaded.
 */
function readOwnFile(file: string): Buffer | null {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (err) {
    const why = codeOf(err);
    if (why === 'ELOOP') debug.cache('ignoring %s: a symbolic link', file);
    else if (why !== 'ENOENT') debug.cache('ignoring unreadable %s: %s', file, messageOf(err));
    return null;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      debug.cache('ignoring %s: not a regular file', file);
      return null;
    }
    const uid = process.getuid?.();
    if (uid !== undefined && (stats.uid !== uid || (stats.mode & 0o022) !== 0)) {
      debug.cache('ignoring %s: not owned by this user, or writable by others', file);
      return null;
    }
    if (stats.size > MAX_FILE_BYTES) {
      debug.cache('ignoring %s: %d bytes', file, stats.size);
      return null;
    }
    // One read of the size fstat gave (a file renamed over this one meanwhile is another inode).
    const bytes = Buffer.allocUnsafe(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return bytes.subarray(0, filled);
  } catch (err) {
    debug.cache('ignoring unreadable %s: %s', file, messageOf(err));
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the cached scan for `key`; null when there is none, it cannot be
 * trusted, it is damaged, or it is stale. Never throws: a cache that cannot be
 * used is only a slower start.
 */
export function readCache(dir: string, key: string, context: CacheContext): CachedScan | null {
  const file = cacheFileFor(dir, key);
  try {
    const untrusted = untrustedDirReason(dir);
    if (untrusted) {
      if (existsSync(dir)) debug.cache('not using the cache folder: %s', untrusted);
      return null;
    }
    const bytes = readOwnFile(file);
    if (bytes === null) return null;
    const cached = CachedScan.open(file, bytes, key, context);
    if (!cached) return null;
    debug.cache('hit %s', file);
    return cached;
  } catch (err) {
    debug.cache('ignoring %s: %s', file, messageOf(err));
    return null;
  }
}

/** A byte range of the file after the header line. */
type Range = [start: number, end: number];

/**
 * The header line. Sources are numbered; -1 is the root package. A package
 * (numbered in discovery order) appears in the section of each group it
 * declares entry points in.
 */
interface Header {
  format: number;
  key: string;
  created: number;
  sources: string[];
  watch: WatchEntry[];
  /** Packages whose folder is outside their source (linked): [source, installedAs, folder], checked on every read. */
  links: [source: number, installedAs: string, root: string][];
  packages: number;
  groups: [name: string, start: number, end: number][];
  layout: Range;
  problems: Range;
  shadowed: Range;
}

/**
 * A group's section, column by column (one array per field, which is much
 * cheaper to parse than one array per entry). First its packages: number,
 * source, installed name, real folder (null when it is `<real source>/<installedAs>`),
 * manifest name (null when it is `installedAs`) and version. Then its distinct
 * values, each with its parsed parts (many entry points share a value, and
 * then they share its parts too). Then its entry points: package (an index
 * into the section's packages), name and value (an index into the values).
 */
type GroupSection = [
  packages: [pkg: number[], source: number[], installedAs: string[], root: Nullable[], name: Nullable[], v: string[]],
  values: StoredValue[],
  entries: [dist: number[], name: string[], value: number[]],
];
type Nullable = string | null;
type StoredValue = [value: string, module: string, attr: string | null, extras: string[]];

type ProblemRow = [code: string, file: string, reason: string, group: string | null, name: string | null];
type ShadowedRow = [installedAs: string, path: string, source: number];

/** Called for each declaration of a group: what an EntryPoint is made of. */
export type DeclarationVisitor = (name: string, value: string, parsed: ParsedValue, dist: Distribution) => void;

/** A decoded group section. */
interface DecodedGroup {
  /** The section's packages: their columns, and each one's distribution. */
  pkgColumns: GroupSection[0];
  dists: Distribution[];
  /** The section's distinct values, and their parsed parts. */
  values: string[];
  parsed: ParsedValue[];
  /** Each entry point: its package (an index into `dists`), name and value (an index into `values`). */
  of: number[];
  names: string[];
  valueOf: number[];
}

/** Thrown for any field that does not have the shape a scan writes. */
class DamagedCache extends Error {}

function damaged(what: string): never {
  throw new DamagedCache(what);
}

/**
 * A scan read from a cache file. The header is checked when the file is
 * opened; a group's section is decoded (and checked) when that group is first
 * asked for. Should a section turn out to be damaged then, the file is
 * removed and the answers come from a fresh scan instead.
 */
export class CachedScan implements ScanResult {
  readonly watch: WatchEntry[];
  readonly problems: Problem[];
  private readonly sources: string[];
  private readonly realSources: (string | null)[];
  /** The number of the Plug'n'Play source, or -2. */
  private readonly locatedSource: number;
  private readonly linkedRoots = new Set<string>();
  /** By package number: its distribution, once a section has named it. */
  private readonly dists: (Distribution | undefined)[];
  private readonly groupIndex = new Map<string, number>();
  private readonly decoded: (DecodedGroup | undefined)[];
  private records: PackageRecord[] | null = null;
  private shadowedCopies: ShadowedPackage[] | null = null;
  private fresh: ScanResult | null = null;
  private bytes: Buffer | null;

  private constructor(
    private readonly file: string,
    private readonly header: Header,
    bytes: Buffer,
    private readonly context: CacheContext,
  ) {
    this.bytes = bytes;
    this.watch = header.watch;
    this.sources = header.sources;
    this.dists = new Array<Distribution | undefined>(header.packages);
    this.decoded = new Array<DecodedGroup | undefined>(header.groups.length);
    header.groups.forEach(([name], index) => this.groupIndex.set(name, index));
    this.realSources = header.sources.map(realpathOrNull);
    this.locatedSource = context.located ? header.sources.indexOf(context.located.source) : -2;
    this.problems = this.section<ProblemRow[]>(header.problems).map(toProblem);
  }

  /**
   * Opens a cache file's bytes: null for another format or key, or when a
   * watched path changed. Throws when the file is damaged or names anything
   * a scan of this tree could not have found.
   */
  static open(file: string, data: Uint8Array, key: string, context: CacheContext): CachedScan | null {
    // Uint8Array in the signature keeps the public declarations free of Node's types.
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const newline = bytes.indexOf(0x0a);
    if (newline === -1) damaged('no header line');
    const header = JSON.parse(bytes.toString('utf8', 0, newline)) as Header;
    if (typeof header !== 'object' || header === null || header.format !== CACHE_FORMAT || header.key !== key) {
      debug.cache('ignoring %s: another format or key', file);
      return null;
    }
    const body = bytes.subarray(newline + 1);
    checkHeader(header, body.length, context);
    if (!isFresh(header.watch)) return null;
    const cached = new CachedScan(file, header, body, context);
    cached.checkLinks();
    return cached;
  }

  /** Every package that declares entry points, in discovery order (decodes every group). */
  get packages(): PackageRecord[] {
    if (this.fresh) return this.fresh.packages;
    if (!this.records) {
      try {
        this.records = this.decodeAll();
      } catch (err) {
        return this.fallBack(err).packages;
      }
      this.releaseIfDone();
    }
    return this.records;
  }

  get shadowed(): ShadowedPackage[] {
    if (this.fresh) return this.fresh.shadowed;
    if (!this.shadowedCopies) {
      try {
        this.shadowedCopies = this.section<ShadowedRow[]>(this.header.shadowed).map((row) => this.toShadowed(row));
      } catch (err) {
        return this.fallBack(err).shadowed;
      }
      this.releaseIfDone();
    }
    return this.shadowedCopies;
  }

  /** The names of the groups, in discovery order. */
  groupNames(): string[] {
    return this.header.groups.map(([name]) => name);
  }

  /** Visits the declarations of one group, in discovery order. */
  eachDeclaration(group: string, visit: DeclarationVisitor): void {
    if (!this.fresh) {
      const index = this.groupIndex.get(group);
      if (index === undefined) return;
      let decoded: DecodedGroup;
      try {
        decoded = this.decodeGroup(index);
      } catch (err) {
        this.fallBack(err);
        return this.eachDeclaration(group, visit);
      }
      const { dists, values, parsed, of, names, valueOf } = decoded;
      for (let i = 0; i < names.length; i++) visit(names[i], values[valueOf[i]], parsed[valueOf[i]], dists[of[i]]);
      return;
    }
    for (const pkg of this.fresh.packages) {
      for (const declaration of pkg.declarations) {
        if (declaration[0] === group) visit(declaration[1], declaration[2], declaration[3], pkg.dist);
      }
    }
  }

  /** Lets go of the file's bytes once every section has been decoded. */
  private releaseIfDone(): void {
    if (this.records && this.shadowedCopies) this.bytes = null;
  }

  private fallBack(err: unknown): ScanResult {
    debug.cache('ignoring %s from now on: %s', this.file, messageOf(err));
    try {
      rmSync(this.file, { force: true });
    } catch {
      // the next start finds it damaged too, and rebuilds it
    }
    this.bytes = null;
    this.fresh = this.context.rescan();
    return this.fresh;
  }

  private section<T>([start, end]: Range): T {
    if (!this.bytes) damaged('no longer readable');
    return JSON.parse(this.bytes.toString('utf8', start, end)) as T;
  }

  /** Linked packages lie outside their source: each must still be where its link leads. */
  private checkLinks(): void {
    for (const [source, installedAs, root] of this.header.links) {
      if (realpathOrNull(this.sources[source] + path.sep + nativeName(installedAs)) !== root) {
        damaged(`${installedAs} no longer leads to ${root}`);
      }
      this.linkedRoots.add(root);
    }
  }

  private decodeGroup(index: number): DecodedGroup {
    const done = this.decoded[index];
    if (done) return done;
    const [, start, end] = this.header.groups[index];
    const section = this.section<GroupSection>([start, end]);
    if (!Array.isArray(section) || section.length !== 3 || !Array.isArray(section[1])) damaged('bad group section');
    const pkgColumns = columns(section[0], 6);
    const [of, names, valueOf] = columns(section[2], 3);
    const pkgs = pkgColumns[0];
    const dists = new Array<Distribution>(pkgs.length);
    for (let i = 0; i < pkgs.length; i++) dists[i] = this.toPackage(pkgColumns, i);
    const stored = section[1];
    const values = new Array<string>(stored.length);
    const parsed = new Array<ParsedValue>(stored.length);
    for (let i = 0; i < stored.length; i++) {
      parsed[i] = toParsed(stored[i]);
      values[i] = stored[i][0];
    }
    // Plain comparisons, no calls: this runs for every entry point, mostly before the JIT has warmed up.
    for (let i = 0; i < of.length; i++) {
      const dist = of[i];
      const value = valueOf[i];
      if (!(dist >= 0 && dist < dists.length && (dist | 0) === dist)) damaged('bad entry');
      if (!(value >= 0 && value < values.length && (value | 0) === value)) damaged('bad entry');
      if (typeof names[i] !== 'string') damaged('bad entry');
    }
    const decoded = { pkgColumns, dists, values, parsed, of, names, valueOf };
    this.decoded[index] = decoded;
    return decoded;
  }

  /** Checks a package of a group section: a package name, from a source of this registry, in a folder inside it. */
  private toPackage(columns: GroupSection[0], i: number): Distribution {
    // Indexing, not destructuring, and few calls: this runs for thousands of packages, mostly before the JIT has
    // warmed up.
    const pkg = columns[0][i];
    const source = columns[1][i];
    const installedAs = columns[2][i];
    const root = columns[3][i];
    const name = columns[4][i];
    const version = columns[5][i];
    if (!(pkg >= 0 && pkg < this.dists.length && (pkg | 0) === pkg)) damaged('bad package number');
    if (!(source >= -1 && source < this.sources.length && (source | 0) === source)) damaged('bad package source');
    if (typeof installedAs !== 'string' || typeof version !== 'string') damaged('bad package');
    if ((root !== null && typeof root !== 'string') || (name !== null && typeof name !== 'string')) {
      damaged('bad package');
    }
    const known = this.dists[pkg];
    if (known) {
      if (known.version !== version || known.name !== (name ?? installedAs)) damaged(`package ${pkg} described twice`);
      return known;
    }
    let folder: string;
    const realSource = source === -1 ? null : this.realSources[source];
    if (root === null && realSource && source !== this.locatedSource) {
      // The common case: `<real source>/<installedAs>`.
      if (!PACKAGE_NAME.test(installedAs)) damaged(`${JSON.stringify(installedAs)} is not a package name`);
      folder = realSource + path.sep + (path.sep === '/' ? installedAs : nativeName(installedAs));
    } else {
      folder = this.folderOf(source, installedAs, root);
    }
    const dist = Object.freeze({ name: name ?? installedAs, version, root: folder });
    this.dists[pkg] = dist;
    return dist;
  }

  /** The real folder of a package, when it is one a scan of this tree finds; else the file is damaged. */
  private folderOf(source: number, installedAs: string, root: string | null): string {
    const { realRoot, located } = this.context;
    if (source === -1) {
      if (root !== realRoot || installedAs !== path.basename(realRoot)) damaged('the root package is elsewhere');
      return realRoot;
    }
    if (!isPackageName(installedAs)) damaged(`${JSON.stringify(installedAs)} is not a package name`);
    if (located && this.sources[source] === located.source) {
      if (root === null || located.dirs.get(installedAs) !== root) damaged(`${installedAs} is not where PnP has it`);
      return root;
    }
    const realSource = this.realSources[source];
    if (realSource === null) damaged(`${this.sources[source]} is gone`);
    if (root === null) return realSource + path.sep + nativeName(installedAs);
    if (!isCleanAbsolute(root)) damaged(`${JSON.stringify(root)} is not a real folder path`);
    if (root.startsWith(realSource + path.sep) || this.linkedRoots.has(root)) return root;
    return damaged(`${root} is outside ${this.sources[source]}`);
  }

  private toShadowed(row: ShadowedRow): ShadowedPackage {
    if (!Array.isArray(row) || row.length !== 3) damaged('bad shadowed row');
    const [installedAs, copy, source] = row;
    if (typeof installedAs !== 'string' || !isPackageName(installedAs)) damaged('bad shadowed row');
    if (typeof copy !== 'string' || !isCleanAbsolute(copy) || !isIndex(source, this.sources.length)) {
      damaged('bad shadowed row');
    }
    return { installedAs, path: copy, source: this.sources[source] };
  }

  /** All packages: each one's declarations, group by group in the order it declares them (the layout section). */
  private decodeAll(): PackageRecord[] {
    const layout = this.section<number[][]>(this.header.layout);
    if (!Array.isArray(layout) || layout.length !== this.dists.length) damaged('bad layout section');
    const names = this.groupNames();
    const groups = names.map((_, index) => this.decodeGroup(index));
    // Each package's installed name and source, from the first section that names it (where it was checked).
    const installedAs = new Array<string>(layout.length);
    const sourceOf = new Array<string>(layout.length);
    for (const { pkgColumns } of groups) {
      for (let i = 0; i < pkgColumns[0].length; i++) {
        const pkg = pkgColumns[0][i];
        if (installedAs[pkg] !== undefined) continue;
        installedAs[pkg] = pkgColumns[2][i];
        sourceOf[pkg] = pkgColumns[1][i] === -1 ? 'root' : this.sources[pkgColumns[1][i]];
      }
    }
    const next = new Array<number>(groups.length).fill(0);
    const records = layout.map((declared, pkg): PackageRecord => {
      const dist = this.dists[pkg];
      if (!dist || !Array.isArray(declared)) damaged(`package ${pkg} has no entry points`);
      const declarations: Declaration[] = [];
      for (const index of declared) {
        const group = groups[index];
        if (!group) damaged('bad layout row');
        const pkgs = group.pkgColumns[0];
        const first = next[index];
        for (let i = first; i < group.of.length && pkgs[group.of[i]] === pkg; i = ++next[index]) {
          const value = group.valueOf[i];
          declarations.push([names[index], group.names[i], group.values[value], group.parsed[value]]);
        }
        if (next[index] === first) damaged('bad layout row');
      }
      return { dist, installedAs: installedAs[pkg], source: sourceOf[pkg], declarations };
    });
    if (next.some((taken, index) => taken !== groups[index].of.length)) damaged('bad layout section');
    return records;
  }
}

/** The columns of a section, each an array, all of the same length. */
function columns<T extends unknown[][]>(data: T, count: number): T {
  if (!Array.isArray(data) || data.length !== count || !data.every(Array.isArray)) damaged('bad columns');
  if (!data.every((column) => column.length === data[0].length)) damaged('columns of different lengths');
  return data;
}

/** The header's shape, and that its sources are this registry's and its sections lie inside the file. */
function checkHeader(header: Header, bodyLength: number, context: CacheContext): void {
  const { sources, watch, links, packages, groups, layout, problems, shadowed } = header;
  if (!Array.isArray(sources) || !Array.isArray(watch) || !Array.isArray(links) || !Array.isArray(groups)) {
    damaged('missing fields');
  }
  const allowed = new Set(context.folders);
  if (context.located) allowed.add(context.located.source);
  if (!sources.every((source) => typeof source === 'string' && allowed.has(source))) {
    damaged('a source that is not one of this registry');
  }
  for (const entry of watch) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || !isSignature(entry[1])) {
      damaged('bad watch entry');
    }
  }
  for (const link of links) {
    if (!Array.isArray(link) || link.length !== 3 || !isIndex(link[0], sources.length)) damaged('bad link entry');
    if (!isPackageName(link[1]) || typeof link[2] !== 'string' || !isCleanAbsolute(link[2])) damaged('bad link entry');
  }
  if (!isIndex(packages, Number.MAX_SAFE_INTEGER)) damaged('bad package count');
  const inside = (range: unknown): boolean =>
    Array.isArray(range) &&
    range.length === 2 &&
    isIndex(range[0], bodyLength + 1) &&
    isIndex(range[1], bodyLength + 1) &&
    range[0] <= range[1];
  for (const group of groups) {
    if (!Array.isArray(group) || group.length !== 3 || typeof group[0] !== 'string' || !inside(group.slice(1))) {
      damaged('bad group entry');
    }
  }
  if (!inside(layout) || !inside(problems) || !inside(shadowed)) damaged('bad section range');
}

const WARNING_CODE = /^STEVEDORE_[A-Z_]+$/;

function toProblem(row: ProblemRow): Problem {
  if (!Array.isArray(row) || row.length !== 5) damaged('bad problem row');
  const [code, file, reason, group, name] = row;
  if (typeof code !== 'string' || !WARNING_CODE.test(code) || typeof file !== 'string' || typeof reason !== 'string') {
    damaged('bad problem row');
  }
  if (!isStringOrNull(group) || !isStringOrNull(name)) damaged('bad problem row');
  return { code: code as WarningCode, file, reason, group, name };
}

/** The stored parsed parts of a value, after checking that their module cannot load code outside the tree. */
function toParsed(stored: StoredValue): ParsedValue {
  if (!Array.isArray(stored) || stored.length !== 4) damaged('bad value');
  const value = stored[0];
  const module = stored[1];
  const attr = stored[2];
  const extras = stored[3];
  if (typeof value !== 'string' || typeof module !== 'string' || !isStringOrNull(attr) || attr === '') {
    damaged('bad value');
  }
  if (!Array.isArray(extras) || !extras.every((extra) => typeof extra === 'string')) damaged('bad extras');
  if (!staysInTree(module)) damaged(`the module ${JSON.stringify(module)} could lead outside the tree`);
  return { module, attr, extras };
}

/**
 * A module a scan accepts: a `./` path with no `..` segment leading out of
 * its package, a built-in, or a bare specifier (resolved by Node from the
 * package). Shape only: the value grammar was checked when it was scanned.
 */
function staysInTree(module: string): boolean {
  if (module.startsWith('./')) return !leavesPackage(module);
  if (module.startsWith('node:')) return isBuiltin(module);
  const first = module.charCodeAt(0);
  // Not empty, not relative or absolute (".", "/", "\"), not a URL or a drive letter (":").
  if (module === '' || first === 0x2e || first === 0x2f || first === 0x5c) return false;
  return !module.includes(':') && !module.includes('\\');
}

// `name` or `@scope/name`: no empty, `.` or `..` segment, no other separator.
const PACKAGE_NAME = /^(?:@(?!\.\.?\/)[^/\\\0]+\/)?[^./\\\0][^/\\\0]*$/;

function isPackageName(name: unknown): name is string {
  return typeof name === 'string' && PACKAGE_NAME.test(name);
}

// Absolute, and already in the form path.normalize gives: no `.` or `..` segment, no doubled separator.
function isCleanAbsolute(file: string): boolean {
  if (!path.isAbsolute(file) || file.includes('\0') || file.endsWith(path.sep)) return false;
  // The segments one by one: path.normalize costs the square of the length on a megabyte of `/a/..`.
  if (path.sep === '/')
    return file
      .slice(1)
      .split('/')
      .every((part) => part !== '' && part !== '.' && part !== '..');
  return path.normalize(file) === file;
}

// `-`, or mtime/ctime/size/inode (times as JavaScript prints a double); `l` first for a link's own.
const SIGNATURE = /^l?(?:-|(?:-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\/){2}\d+\/\d+)$/;

function isSignature(sig: unknown): sig is string {
  return typeof sig === 'string' && SIGNATURE.test(sig);
}

function isIndex(value: unknown, length: number): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) < length;
}

function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

/** A scoped name as a relative path of this platform. */
function nativeName(installedAs: string): string {
  return path.sep === '/' ? installedAs : installedAs.replace('/', path.sep);
}

function realpathOrNull(file: string): string | null {
  try {
    return realpathSync.native(file);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- writing

/** The file's text: the header line, then one line per section. */
function encode(key: string, result: ScanResult, context: CacheContext, created: number): string {
  const sources: string[] = [];
  const sourceIndex = new Map<string, number>([['root', -1]]);
  const numberOf = (source: string): number => {
    let index = sourceIndex.get(source);
    if (index === undefined) {
      index = sources.push(source) - 1;
      sourceIndex.set(source, index);
    }
    return index;
  };
  const realSources = new Map<string, string | null>();
  const groupIndex = new Map<string, number>();
  const groups: { name: string; section: GroupSection; local: Map<number, number>; values: Map<string, number> }[] = [];
  const links: Header['links'] = [];
  const layout = result.packages.map((pkg, number): number[] => {
    const source = numberOf(pkg.source);
    const { name, version, root } = pkg.dist;
    let storedRoot: string | null = root;
    if (source !== -1 && pkg.source !== context.located?.source) {
      if (!realSources.has(pkg.source)) realSources.set(pkg.source, realpathOrNull(pkg.source));
      const realSource = realSources.get(pkg.source);
      if (realSource && root === realSource + path.sep + nativeName(pkg.installedAs)) storedRoot = null;
      else if (!realSource || !root.startsWith(realSource + path.sep)) links.push([source, pkg.installedAs, root]);
    }
    const declared: number[] = [];
    for (const declaration of pkg.declarations) {
      const group = declaration[0];
      const value = declaration[2];
      let index = groupIndex.get(group);
      if (index === undefined) {
        const section: GroupSection = [[[], [], [], [], [], []], [], [[], [], []]];
        index = groups.push({ name: group, section, local: new Map(), values: new Map() }) - 1;
        groupIndex.set(group, index);
      }
      const { section, local, values } = groups[index];
      let dist = local.get(number);
      if (dist === undefined) {
        const p = section[0];
        dist = p[0].push(number) - 1;
        p[1].push(source);
        p[2].push(pkg.installedAs);
        p[3].push(storedRoot);
        p[4].push(name === pkg.installedAs ? null : name);
        p[5].push(version);
        local.set(number, dist);
        declared.push(index);
      }
      let stored = values.get(value);
      if (stored === undefined) {
        const { module, attr, extras } = declaration[3];
        stored = section[1].push([value, module, attr, extras]) - 1;
        values.set(value, stored);
      }
      const e = section[2];
      e[0].push(dist);
      e[1].push(declaration[1]);
      e[2].push(stored);
    }
    return declared;
  });
  const problems = result.problems.map((p): ProblemRow => [p.code, p.file, p.reason, p.group, p.name]);
  const shadowed = result.shadowed.map((s): ShadowedRow => [s.installedAs, s.path, numberOf(s.source)]);
  const count = groups.length;
  return layOut([...groups.map((group) => group.section), layout, problems, shadowed], (ranges) => ({
    format: CACHE_FORMAT,
    key,
    created,
    sources,
    watch: result.watch,
    links,
    packages: result.packages.length,
    groups: groups.map((group, index): Header['groups'][number] => [group.name, ...ranges[index]]),
    layout: ranges[count],
    problems: ranges[count + 1],
    shadowed: ranges[count + 2],
  }));
}

/**
 * The text of a cache file: the header line, then each section's JSON on a
 * line of its own. `header` is given each section's byte range (counted from
 * the end of the header line), in the order of `sections`.
 */
export function layOut(sections: readonly unknown[], header: (ranges: Range[]) => object): string {
  const texts = sections.map((data) => JSON.stringify(data));
  let offset = 0;
  const ranges = texts.map((text): Range => {
    const range: Range = [offset, offset + Buffer.byteLength(text)];
    offset = range[1] + 1;
    return range;
  });
  return `${JSON.stringify(header(ranges))}\n${texts.join('\n')}\n`;
}

// Timestamps come from a coarse clock: two writes within one tick share a
// mtime and a ctime. A scan that saw a path change that recently could have
// read it before a second write in the same tick, and the stored signature
// would match the changed path. Git calls such index entries "racily clean"
// and checks their content again later; here checking again is scanning
// again, so such a scan is simply not stored, and the next start stores it.
const FINE_TICK_MS = 50;
// FAT keeps 2-second times; a ctime on a whole second says the file system has whole-second times.
const COARSE_TICK_MS = 2100;

/**
 * True when a watched path changed so recently (by its change time, which no
 * program can set) that its signature cannot be trusted yet.
 * @param scanStartedMs When the scan started, by the clock the registry judges with (ms since the epoch).
 */
export function isRacy(watch: readonly WatchEntry[], scanStartedMs: number): boolean {
  return watch.some(([, sig]) => {
    const fields = sig.charCodeAt(0) === LINK ? sig.slice(1) : sig;
    if (fields === '-') return false;
    const ctimeMs = Number(fields.split('/')[1]);
    const tick = ctimeMs % 1000 === 0 ? COARSE_TICK_MS : FINE_TICK_MS;
    return !(ctimeMs + tick <= scanStartedMs);
  });
}

/**
 * Stores a scan atomically (a temporary file renamed into place), so that a
 * concurrent reader sees the old file or the new one, never half of one.
 * Returns whether it was written. Never throws: a cache folder that cannot be
 * used (missing, a file, another user's, read-only, full) only turns caching
 * off, with a `DEBUG=stevedore:cache` line saying why.
 *
 * @param scanStartedMs When the scan started (see {@link isRacy}).
 */
export function writeCache(
  dir: string,
  key: string,
  result: ScanResult,
  scanStartedMs: number,
  context: CacheContext,
): boolean {
  const file = cacheFileFor(dir, key);
  let tmp: string | null = null;
  try {
    const unsettled = result.watch.find(([, sig]) => sig === UNSETTLED);
    if (unsettled) {
      debug.cache('not stored: %s could not be read just now', unsettled[0]);
      return false;
    }
    if (isRacy(result.watch, scanStartedMs)) {
      debug.cache('not stored: the tree changed during or just before the scan');
      return false;
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const untrusted = untrustedDirReason(dir);
    if (untrusted) {
      debug.cache('not stored: %s', untrusted);
      return false;
    }
    const text = encode(key, result, context, Date.now());
    tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
    tmp = null;
    debug.cache('stored %s', file);
    removeLeftovers(dir, path.basename(file));
    return true;
  } catch (err) {
    debug.cache('cannot store %s: %s', file, messageOf(err));
    if (tmp !== null) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // the folder cannot even be searched: nothing was left in it
      }
    }
    return false;
  }
}

/** Removes the temporary files of writers of `name` that are gone (killed mid-write; a zombie is gone too). */
function removeLeftovers(dir: string, name: string): void {
  for (const entry of listCacheFiles(dir)) {
    const match = TMP_NAME.exec(entry);
    if (!match || match[1] !== name || isRunning(Number(match[2]))) continue;
    try {
      rmSync(path.join(dir, entry), { force: true });
    } catch {
      // another process removed it, or it cannot be removed: harmless
    }
  }
}

const TMP_NAME = /^([0-9a-f]{16}\.json)\.(\d+)\.[0-9a-z]+\.tmp$/;

// ---------------------------------------------------------------- looking at it, clearing it

/** What `stevedore cache info` shows. */
export interface CacheInfo {
  /** The cache folder. */
  dir: string;
  /** Why caching is off (turned off, or a folder that cannot be trusted), or null when it is on. */
  disabled: string | null;
  /** How many cache files there are. */
  files: number;
  /** Their total size. */
  bytes: number;
}

/** Where the cache is, whether it is on, and how big it is. */
export function cacheInfo(dir: string = defaultCacheDir()): CacheInfo {
  let files = 0;
  let bytes = 0;
  for (const name of listCacheFiles(dir)) {
    try {
      bytes += lstatSync(path.join(dir, name)).size;
      files += 1;
    } catch {
      // removed meanwhile
    }
  }
  const disabled = cacheDisabledReason(dir) ?? (existsSync(dir) ? untrustedDirReason(dir) : null);
  return { dir, disabled, files, bytes };
}

/**
 * Removes every cache file (and leftover temporary file) in `dir`; returns
 * how many. The `.disable` file and anything else in the folder stay; a file
 * that cannot be removed is left (and not counted).
 */
export function clearCache(dir: string = defaultCacheDir()): number {
  let removed = 0;
  for (const name of listCacheFiles(dir)) {
    try {
      rmSync(path.join(dir, name), { force: true });
      removed += 1;
    } catch (err) {
      debug.cache('cannot remove %s: %s', path.join(dir, name), messageOf(err));
    }
  }
  return removed;
}

// Only names this module writes (now or in earlier versions, whose files
// had longer hashes): a cache folder shared by mistake with something else
// must not lose that something else's files.
const CACHE_FILE_NAME = /^[0-9a-f]{16,64}\.json(\.\d+\.[0-9a-z]+\.tmp)?$/;

function listCacheFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => CACHE_FILE_NAME.test(name));
  } catch {
    return [];
  }
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

function modeOf(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
