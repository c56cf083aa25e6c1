/**
 * Runs __tests__/reliability/load-plugins.mjs in real Node processes against
 * the built library (dist/): for ES modules, top-level await, other users and
 * several processes at once, none of which jest's sandbox can do.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
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
export function runLoader(options: LoaderOptions, spawnOptions: SpawnSyncOptions = {}, script = SCRIPT): LoaderResult {
  const child = spawnSync(process.execPath, [script, JSON.stringify(options)], {
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

/** The user the unprivileged loader runs as when this process is root: nobody. */
export const NOBODY = 65534;

/**
 * Runs the loader as a user who is denied what file modes deny: as uid/gid
 * {@link NOBODY} when this process is root (root reads a mode-000 folder
 * anyway), else as this same user. Get one with {@link unprivilegedLoader}.
 */
export interface UnprivilegedLoader {
  /** Why it cannot run here, or null when it can (then use it in a `test.skip` title). */
  unavailable: string | null;
  run(options: LoaderOptions): LoaderResult;
  cleanup(): void;
}

/** The first folder on the way to `dir` (itself included) that other users may not enter, or null. */
function closedToOthers(dir: string): string | null {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) return at;
    if (path.dirname(at) === at) return null;
  }
}

/** The package folders of `names` and of everything they depend on, in node_modules/ of the checkout. */
function runtimePackages(names: string[]): string[] {
  const seen = new Set<string>();
  const queue = [...names];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    queue.push(...Object.keys(manifest.dependencies ?? {}));
  }
  return [...seen];
}

/**
 * A loader for scans that must meet permission errors. As root, the child
 * runs as nobody, who may not be able to enter the checkout at all (a clone
 * under /root, or in a mode-0700 folder): so the loader, the built library
 * and its run-time dependencies are copied, with the same relative layout, to
 * a temporary folder everyone may read (on the first run).
 */
export function unprivilegedLoader(): UnprivilegedLoader {
  if (process.getuid?.() !== 0) {
    return { unavailable: null, run: (options) => runLoader(options), cleanup: () => undefined };
  }
  const closed = closedToOthers(os.tmpdir());
  let copy: string | null = null;
  return {
    unavailable:
      closed === null
        ? null
        : `uid ${NOBODY} cannot enter ${closed} (on the way to the temporary folder, where the package trees are written)`,
    run(options) {
      copy ??= readableCopy();
      return runLoader(options, { uid: NOBODY, gid: NOBODY, cwd: copy }, path.join(copy, path.relative(REPO, SCRIPT)));
    },
    cleanup() {
      if (copy !== null) rmSync(copy, { recursive: true, force: true });
      copy = null;
    },
  };
}

/** Copies the loader, dist/ and the library's run-time dependencies to a new temporary folder everyone may read. */
function readableCopy(): string {
  ensureBuilt();
  const copy = mkdtempSync(path.join(os.tmpdir(), 'stevedore-nobody-'));
  cpSync(SCRIPT, path.join(copy, path.relative(REPO, SCRIPT)));
  cpSync(path.join(REPO, 'dist'), path.join(copy, 'dist'), { recursive: true });
  const { dependencies = {} } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const name of runtimePackages(Object.keys(dependencies))) {
    cpSync(path.join(REPO, 'node_modules', name), path.join(copy, 'node_modules', name), { recursive: true });
  }
  // Whatever the umask of the checkout was, everyone may read the copy.
  chmodSync(copy, 0o755);
  for (const entry of readdirSync(copy, { recursive: true, withFileTypes: true })) {
    chmodSync(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
  return copy;
}
