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
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ScanResult, WatchEntry } from './scan';
import { signatureOf } from './scan';
import { debug } from './diagnostics';

/** Bumped whenever the file layout changes; files of other versions are ignored. */
export const CACHE_FORMAT = 1;

interface CacheFile {
  format: number;
  key: string;
  created: number;
  result: ScanResult;
}

/** The per-user cache folder: `$STEVEDORE_CACHE_DIR`, else the platform's cache folder + `stevedore-ts`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STEVEDORE_CACHE_DIR) return path.resolve(env.STEVEDORE_CACHE_DIR);
  const home = os.homedir();
  if (process.platform === 'win32') {
    return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'stevedore-ts', 'Cache');
  }
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'stevedore-ts');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'stevedore-ts');
}

/** Why caching is off for this folder, or null when it is on. */
export function cacheDisabledReason(dir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const flag = env.STEVEDORE_CACHE?.toLowerCase();
  if (flag === '0' || flag === 'false' || flag === 'off' || flag === 'no') return 'STEVEDORE_CACHE is set to 0';
  if (existsSync(path.join(dir, '.disable'))) return `${path.join(dir, '.disable')} exists`;
  return null;
}

/** The cache file for a given key (the root and its search folders). */
export function cacheFileFor(dir: string, key: string): string {
  return path.join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}

/** True when every watched path still has the signature it had at scan time. */
export function isFresh(watch: readonly WatchEntry[]): boolean {
  for (const [file, sig] of watch) {
    if (signatureOf(file) !== sig) {
      debug.cache('stale: %s changed', file);
      return false;
    }
  }
  return true;
}

/** Reads a cached scan for `key`; null when there is none, it is unreadable, or it is stale. */
export function readCache(dir: string, key: string): ScanResult | null {
  const file = cacheFileFor(dir, key);
  let data: CacheFile;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') debug.cache('ignoring unreadable %s: %s', file, err);
    return null;
  }
  if (data?.format !== CACHE_FORMAT || data.key !== key || !data.result || !Array.isArray(data.result.watch)) {
    debug.cache('ignoring %s: another format or key', file);
    return null;
  }
  if (!isFresh(data.result.watch)) return null;
  debug.cache('hit %s', file);
  return data.result;
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
    const data: CacheFile = { format: CACHE_FORMAT, key, created: Date.now(), result };
    writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
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
  dir: string;
  disabled: string | null;
  files: number;
  bytes: number;
}

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

/** Removes every cache file; returns how many. The `.disable` file stays. */
export function clearCache(dir: string = defaultCacheDir()): number {
  let removed = 0;
  for (const name of listCacheFiles(dir)) {
    rmSync(path.join(dir, name), { force: true });
    removed += 1;
  }
  return removed;
}

function listCacheFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.json') || name.endsWith('.tmp'));
  } catch {
    return [];
  }
}
