/**
 * Real node processes for the on-disk cache's tests: each runs a Registry of
 * the built library (dist/) over a tree and reports what it found and what
 * the cache did. Processes are what the cache is for (it lives between them),
 * and a hung or crashed start-up must show up as a failed child, not a hung test.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
export const DIST = path.join(REPO, 'dist', 'index.js');

/** What a child found: [group, name, value, version] of every entry point, and the cache status. */
export interface ChildReport {
  found: string[][];
  cache: string | null;
  stderr: string;
  /** With {@link ChildOptions.again}: what a second Registry of the same options found, after the first. */
  again?: { found: string[][]; cache: string | null };
}

export interface ChildOptions {
  root: string;
  /** The cache folder; omitted: the default one (from STEVEDORE_CACHE_DIR, XDG_CACHE_HOME...). */
  cacheDir?: string;
  paths?: string[];
  /**
   * How far ahead of the real time the registry's clock runs, in ms (default
   * 60 s: a scan of a tree just written is stored). 0 gives the real clock.
   */
  clockAheadMs?: number;
  /** The library to load (default dist/index.js). */
  dist?: string;
  /**
   * Then build a second Registry of the same options in the same process and report it as `again`: whether
   * what the first one stored is served (one process start instead of two).
   */
  again?: boolean;
}

function script(options: ChildOptions): string {
  const ahead = options.clockAheadMs ?? 60_000;
  const registry = `new Registry({
      root: ${JSON.stringify(options.root)},
      ${options.cacheDir ? `cacheDir: ${JSON.stringify(options.cacheDir)},` : ''}
      ${options.paths ? `paths: ${JSON.stringify(options.paths)},` : ''}
      ${ahead ? `clock: () => Date.now() + ${ahead},` : ''}
    })`;
  const report = `(registry) => ({
      found: registry.entryPoints().map((ep) => [ep.group, ep.name, ep.value, ep.dist ? ep.dist.version : '']),
      cache: registry.cacheStatus,
    })`;
  return `
    const { Registry } = require(${JSON.stringify(options.dist ?? DIST)});
    const report = ${report};
    const first = report(${registry});
    ${options.again ? `first.again = report(${registry});` : ''}
    process.stdout.write(JSON.stringify(first));`;
}

/** This process's environment, without NODE_PATH and DEBUG. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: '', DEBUG: '', ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged;
}

/** Runs a registry in a fresh process and waits for it (30 s at most: a hang fails, it does not block). */
export function runRegistry(
  options: ChildOptions,
  env: NodeJS.ProcessEnv = {},
  spawnOptions: SpawnSyncOptions = {},
): ChildReport {
  const child = spawnSync(process.execPath, ['-e', script(options)], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
    ...spawnOptions,
    env: childEnv(env),
  });
  if (child.error) throw child.error;
  if (child.status !== 0) {
    throw new Error(`registry process ended with ${child.status ?? child.signal}:\n${String(child.stderr)}`);
  }
  return { ...(JSON.parse(String(child.stdout)) as Omit<ChildReport, 'stderr'>), stderr: String(child.stderr) };
}

/** Starts a registry process; resolves with its report (for processes that must run at the same time). */
export function startRegistry(options: ChildOptions, env: NodeJS.ProcessEnv = {}): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script(options)], { env: childEnv(env) });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) reject(new Error(`registry process ended with ${status}:\n${err}`));
      else resolve({ ...(JSON.parse(out) as Omit<ChildReport, 'stderr'>), stderr: err });
    });
  });
}

/**
 * Copies dist/index.js (with `debug`, which it loads when DEBUG is set) into
 * `dir` and returns the copy: a child running as another user (nobody) may not
 * be able to enter the checkout (a clone under a 0700 home folder). `dir` and
 * the folders above it must be open to everyone.
 */
export function copyDistInto(dir: string): string {
  const target = path.join(dir, 'stevedore-dist');
  cpSync(path.join(REPO, 'dist', 'index.js'), path.join(target, 'index.js'));
  for (const name of ['debug', 'ms']) {
    cpSync(path.join(REPO, 'node_modules', name), path.join(target, 'node_modules', name), { recursive: true });
  }
  return path.join(target, 'index.js');
}
