/**
 * Runs __tests__/reliability/load-plugins.mjs in real Node processes against
 * the built library (dist/): for ES modules, top-level await, other users and
 * several processes at once, none of which jest's sandbox can do.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const SCRIPT = path.join(__dirname, 'load-plugins.mjs');

export interface LoaderOptions {
  root: string;
  group: string;
  mode: 'sync' | 'create';
  managers?: number;
  loadTimeout?: number;
  cache?: boolean;
  cacheDir?: string;
  /** How far ahead of the real time the registry's clock runs (a scan of a tree just written is then stored). */
  clockAheadMs?: number;
  invokeOnLoad?: boolean;
  trust?: unknown;
  /** false: no onLoadFailureCallback, so load failures become warnings; 'first': only the first manager has one. */
  callback?: boolean | 'first';
}

export interface LoaderFailure {
  name: string;
  message: string;
  code: string | null;
  /** `null`, `undefined`, `string`, `[object Object]`, `[object Error]`, ... */
  kind: string;
}

export interface LoaderResult {
  managers: { loaded: string[]; failures: LoaderFailure[] }[];
  warnings: { code: string; message: string }[];
  entryPoints: string[];
  loads: Record<string, number>;
  /** What the process wrote to stderr (e.g. `DEBUG=stevedore:*` output). */
  stderr: string;
}

/** Builds dist/ when it is missing (`npm test` builds it first; a lone `npx jest` may not have). */
export function ensureBuilt(): void {
  if (!existsSync(path.join(REPO, 'dist', 'index.mjs'))) {
    execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: 'ignore' });
  }
}

function parse(stdout: string, stderr: string, status: number | null): LoaderResult {
  if (status !== 0) throw new Error(`load-plugins.mjs exited with ${status}:\n${stderr}\n${stdout}`);
  return { ...(JSON.parse(stdout) as Omit<LoaderResult, 'stderr'>), stderr };
}

/** Runs the loader and waits for it. */
export function runLoader(options: LoaderOptions, spawnOptions: SpawnSyncOptions = {}): LoaderResult {
  const child = spawnSync(process.execPath, [SCRIPT, JSON.stringify(options)], {
    encoding: 'utf8',
    env: { ...process.env, ...(spawnOptions.env ?? {}) },
    ...spawnOptions,
  });
  if (child.error) throw child.error;
  return parse(String(child.stdout), String(child.stderr), child.status);
}

/** Starts the loader and resolves with its result once it exits (for processes that must race). */
export function startLoader(options: LoaderOptions, env: NodeJS.ProcessEnv = {}): Promise<LoaderResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, JSON.stringify(options)], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      try {
        resolve(parse(stdout, stderr, status));
      } catch (err) {
        reject(err);
      }
    });
  });
}
