/**
 * The on-disk cache of scans, stevedore's `_cache` for Node.
 *
 * A cached scan is served only while every path it depended on has the stat
 * signature (mtime, ctime, size and inode, to the nanosecond) it had when the
 * scan ran: the node_modules and `@scope` folders, the package managers' own
 * files in them, and the package.json of the root, of every package that
 * declares entry points and of every linked package. That is far fewer stats
 * than there are packages, and "newer than" is never used: npm extracts files
 * with fixed mtimes and pnpm hard-links old store files.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Declaration, PackageRecord, Problem, ScanResult, ShadowedPackage, WatchEntry } from './scan';
import { signatureOf } from './scan';
import { parseEntryPointValue } from './entry-point';
import { debug } from './diagnostics';
import { homeDir } from './locate';

/** Bumped whenever the file layout changes; files of other versions are ignored. */
export const CACHE_FORMAT = 3;

/**
 * One package in a cache file: where it was found (an index into `sources`,
 * -1 for the root), the name it is installed under, its real folder (null
 * when it is `<source>/<installedAs>`), its manifest name (null when it is
 * `installedAs`), version, the signature of its package.json (null when it is
 * not watched) and its declarations.
 */
type PackageRow = [
  source: number,
  installedAs: string,
  root: string | null,
  name: string | null,
  version: string,
  signature: string | null,
  declarations: [group: string, name: string, value: string][],
];

/** The file layout: compact, because every warm start reads and parses it. */
interface CacheFile {
  format: number;
  key: string;
  created: number;
  sources: string[];
  /** Folders, package managers' files and missing paths, checked before the packages. */
  watch: WatchEntry[];
  packages: PackageRow[];
  shadowed: ShadowedPackage[];
  problems: Problem[];
}

/** The per-user cache folder: `$STEVEDORE_CACHE_DIR`, else the platform's cache folder + `stevedore-ts`. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.STEVEDORE_CACHE_DIR) return path.resolve(env.STEVEDORE_CACHE_DIR);
  const home = homeDir();
  if (process.platform === 'win32') {
    return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'stevedore-ts', 'Cache');
  }
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'stevedore-ts');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'stevedore-ts');
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

/** True when every watched path still has the signature it had at scan time. */
export function isFresh(watch: readonly WatchEntry[]): boolean {
  // A plain indexed loop: this runs once per start over thousands of entries,
  // mostly before the JIT has warmed up.
  for (let i = 0; i < watch.length; i++) {
    if (signatureOf(watch[i][0]) !== watch[i][1]) {
      debug.cache('stale: %s changed', watch[i][0]);
      return false;
    }
  }
  return true;
}

/**
 * The cache file's text, or null when it is missing, unreadable, or could
 * have been written by someone else (another user's file, or one others may
 * write to): a cache file decides which modules get loaded.
 */
function readOwnFile(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') debug.cache('ignoring unreadable %s: %s', file, err);
    return null;
  }
  try {
    if (process.platform !== 'win32') {
      const stats = fstatSync(fd);
      if (stats.uid !== process.getuid?.() || (stats.mode & 0o022) !== 0) {
        debug.cache('ignoring %s: not owned by this user, or writable by others', file);
        return null;
      }
    }
    return readFileSync(fd, 'utf8');
  } catch (err) {
    debug.cache('ignoring unreadable %s: %s', file, err);
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Reads a cached scan for `key`; null when there is none, it is unreadable or corrupt, or it is stale. */
export function readCache(dir: string, key: string): ScanResult | null {
  const file = cacheFileFor(dir, key);
  const text = readOwnFile(file);
  if (text === null) return null;
  let result: ScanResult | null;
  try {
    result = decode(JSON.parse(text), key);
  } catch (err) {
    debug.cache('ignoring corrupt %s: %s', file, err);
    return null;
  }
  if (!result) {
    debug.cache('ignoring %s: another format or key', file);
    return null;
  }
  if (!isFresh(result.watch)) return null;
  debug.cache('hit %s', file);
  return result;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isStringOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';

/** Declarations as a scan makes them; each value is parsed again, so a damaged one refuses the file. */
function toDeclarations(value: unknown): Declaration[] {
  if (!Array.isArray(value)) throw new TypeError('bad declarations');
  return value.map((item: unknown): Declaration => {
    if (!Array.isArray(item) || item.length !== 3 || !isString(item[0]) || !isString(item[1])) {
      throw new TypeError('bad declaration');
    }
    return [item[0], item[1], item[2] as string, parseEntryPointValue(item[2])];
  });
}

/**
 * Turns a parsed cache file back into a scan result. Returns null for another
 * format or key, throws for anything malformed: a file that parses is not yet
 * a file to trust.
 */
function decode(data: CacheFile, key: string): ScanResult | null {
  if (data?.format !== CACHE_FORMAT || data.key !== key) return null;
  const { sources, watch, packages, shadowed, problems } = data;
  if (![sources, watch, packages, shadowed, problems].every(Array.isArray) || !sources.every(isString)) {
    throw new TypeError('missing fields');
  }
  const hasStrings = (item: unknown, keys: string[]): boolean =>
    typeof item === 'object' && item !== null && keys.every((k) => isString((item as Record<string, unknown>)[k]));
  if (
    !shadowed.every((item) => hasStrings(item, ['installedAs', 'path', 'source'])) ||
    !problems.every(
      (item) =>
        hasStrings(item, ['code', 'file', 'reason']) &&
        isStringOrNull((item as Problem).group) &&
        isStringOrNull((item as Problem).name),
    )
  ) {
    throw new TypeError('bad shadowed or problem entry');
  }
  // Folders first: installs change them, and they are few.
  const checks: WatchEntry[] = [];
  for (const entry of watch) {
    if (!Array.isArray(entry) || !isString(entry[0]) || !isString(entry[1])) throw new TypeError('bad watch entry');
    checks.push([entry[0], entry[1]]);
  }
  const records: PackageRecord[] = [];
  for (const row of packages) {
    const [sourceIndex, installedAs, root, name, version, sig, declarations] = row;
    const source = sourceIndex === -1 ? 'root' : sources[sourceIndex];
    if (
      !isString(source) ||
      !isString(installedAs) ||
      !isStringOrNull(root) ||
      !isStringOrNull(name) ||
      !isString(version) ||
      !isStringOrNull(sig)
    ) {
      throw new TypeError('bad package entry');
    }
    const realRoot = root ?? installedPath(source, installedAs);
    if (sig !== null) checks.push([realRoot + path.sep + 'package.json', sig]);
    const dist = Object.freeze({ name: name ?? installedAs, version, root: realRoot });
    records.push({ dist, installedAs, source, declarations: toDeclarations(declarations) });
  }
  return { packages: records, shadowed, problems, watch: checks };
}

/** `<source>/<installedAs>` (a scoped name is two segments); plain concatenation, as folders are resolved. */
function installedPath(source: string, installedAs: string): string {
  return source + path.sep + (path.sep === '/' ? installedAs : installedAs.replace('/', path.sep));
}

/** The compact form of a scan result, as stored. */
function encode(key: string, result: ScanResult): CacheFile {
  const sources: string[] = [];
  const sourceIndex = new Map<string, number>([['root', -1]]);
  const packageFiles = new Set(result.packages.map((pkg) => pkg.dist.root + path.sep + 'package.json'));
  const signatures = new Map<string, string>();
  const watch: WatchEntry[] = [];
  for (const [file, sig] of result.watch) {
    if (packageFiles.has(file)) signatures.set(file, sig);
    else watch.push([file, sig]);
  }
  const packages = result.packages.map((pkg): PackageRow => {
    let index = sourceIndex.get(pkg.source);
    if (index === undefined) {
      index = sources.push(pkg.source) - 1;
      sourceIndex.set(pkg.source, index);
    }
    const { name, version, root } = pkg.dist;
    const sig = signatures.get(root + path.sep + 'package.json') ?? null;
    return [
      index,
      pkg.installedAs,
      root === installedPath(pkg.source, pkg.installedAs) ? null : root,
      name === pkg.installedAs ? null : name,
      version,
      sig,
      pkg.declarations.map(([group, name, value]): [string, string, string] => [group, name, value]),
    ];
  });
  const { shadowed, problems } = result;
  return { format: CACHE_FORMAT, key, created: Date.now(), sources, watch, packages, shadowed, problems };
}

// Timestamps come from a coarse clock: two writes within one tick share a
// mtime. A scan that saw a path change that recently could have read it
// before a second write in the same tick, so such a scan is not stored.
const FINE_TICK_NS = 50_000_000n;
const COARSE_TICK_NS = 2_100_000_000n;

/** True when a watched path changed so recently that its signature cannot be trusted yet. */
export function isRacy(watch: readonly WatchEntry[], scanStartedNs: bigint): boolean {
  return watch.some(([, sig]) => {
    if (sig === '-') return false;
    const ctimeNs = BigInt(sig.split('/')[1]);
    const tick = ctimeNs % 1_000_000_000n === 0n ? COARSE_TICK_NS : FINE_TICK_NS;
    return ctimeNs + tick > scanStartedNs;
  });
}

/**
 * Stores a scan atomically (a temporary file renamed into place), so that a
 * concurrent reader sees the old file or the new one, never half of one.
 * Returns whether it was written; failures only turn caching off.
 */
export function writeCache(dir: string, key: string, result: ScanResult, scanStartedNs: bigint): boolean {
  if (isRacy(result.watch, scanStartedNs)) {
    debug.cache('not stored: the tree changed during or just before the scan');
    return false;
  }
  const file = cacheFileFor(dir, key);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, JSON.stringify(encode(key, result)), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
    debug.cache('stored %s', file);
    return true;
  } catch (err) {
    debug.cache('cannot store %s: %s', file, err);
    rmSync(tmp, { force: true });
    return false;
  }
}

/** What `stevedore cache info` shows. */
export interface CacheInfo {
  /** The cache folder. */
  dir: string;
  /** Why caching is off, or null when it is on. */
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
      bytes += statSync(path.join(dir, name)).size;
      files += 1;
    } catch {
      // removed meanwhile
    }
  }
  return { dir, disabled: cacheDisabledReason(dir), files, bytes };
}

/**
 * Removes every cache file (and leftover temporary file) in `dir`; returns
 * how many. The `.disable` file and anything else in the folder stay.
 */
export function clearCache(dir: string = defaultCacheDir()): number {
  let removed = 0;
  for (const name of listCacheFiles(dir)) {
    rmSync(path.join(dir, name), { force: true });
    removed += 1;
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
