/**
 * Runs __tests__/reliability/load-plugins.mjs in real Node processes against
 * the built library (dist/): for ES modules, top-level await, other users and
 * several processes at once, none of which jest's sandbox can do.
 */
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, ensureBuilt } from '../support/dist';
import type { EnvChanges, RunOptions, RunResult } from '../support/processes';
import { runNode, startNode } from '../support/processes';

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

function parse({ status, stdout, stderr }: RunResult): LoaderResult {
  if (status !== 0) throw new Error(`load-plugins.mjs exited with ${status}:\n${stderr}\n${stdout}`);
  return { ...(JSON.parse(stdout) as Omit<LoaderResult, 'stderr'>), stderr };
}

function loaderArgs(options: LoaderOptions, script: string): string[] {
  return [script, JSON.stringify(options)];
}

/** The cache switch of the child's environment follows `options.cache` (children have it off by default). */
function loaderRunOptions(options: LoaderOptions, runOptions: RunOptions): RunOptions {
  return { ...runOptions, env: { STEVEDORE_CACHE: options.cache ? '1' : '0', ...runOptions.env } };
}

/** Runs the loader and waits for it. */
export function runLoader(options: LoaderOptions, runOptions: RunOptions = {}, script = SCRIPT): LoaderResult {
  return parse(runNode(loaderArgs(options, script), loaderRunOptions(options, runOptions)));
}

/** Starts the loader and resolves with its result once it exits (for processes that must race). */
export async function startLoader(options: LoaderOptions, env: EnvChanges = {}): Promise<LoaderResult> {
  return parse(await startNode(loaderArgs(options, SCRIPT), loaderRunOptions(options, { env })));
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
      return runLoader(options, { uid: NOBODY, cwd: copy }, path.join(copy, path.relative(REPO, SCRIPT)));
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
