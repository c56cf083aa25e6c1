/**
 * Runs __tests__/reliability/load-plugins.mjs in real Node processes against
 * the built library (dist/): for ES modules, top-level await, other users and
 * several processes at once, none of which jest's sandbox can do.
 */
import path from 'node:path';
import { REPO, otherUserUnavailable, readableCheckout } from '../support/dist';
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

function parse({ status, stdout, stderr }: RunResult): LoaderResult {
  if (status !== 0) throw new Error(`load-plugins.mjs exited with ${status}:\n${stderr}\n${stdout}`);
  return { ...(JSON.parse(stdout) as Omit<LoaderResult, 'stderr'>), stderr };
}

function loaderArgs(options: LoaderOptions | LoaderOptions[], script: string): string[] {
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

/**
 * Runs the loader once over each of `runs`, one after the other in one process (each with a registry and
 * managers of its own): for cases that need no process to themselves. Results in the order of `runs`.
 */
export function runLoaders(runs: LoaderOptions[], runOptions: RunOptions = {}, script = SCRIPT): LoaderResult[] {
  if (runs.some((options) => options.cache)) throw new Error('runLoaders: the cache switch is per process');
  const result = runNode(loaderArgs(runs, script), loaderRunOptions(runs[0], runOptions));
  if (result.status !== 0) throw new Error(`load-plugins.mjs exited with ${result.status}:\n${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as Omit<LoaderResult, 'stderr'>[];
  return parsed.map((one) => ({ ...one, stderr: result.stderr }));
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
 * anyway), from the copy of the loader and dist/ that everyone may read
 * (readableCheckout); else as this same user. Get one with
 * {@link unprivilegedLoader}.
 */
export interface UnprivilegedLoader {
  /** Why it cannot run here (the reason to skip with), or null when it can. */
  unavailable: string | null;
  run(options: LoaderOptions): LoaderResult;
  /** {@link runLoaders} as that user: each of `runs` in turn, in one process. */
  runAll(runs: LoaderOptions[]): LoaderResult[];
}

export function unprivilegedLoader(): UnprivilegedLoader {
  if (process.getuid?.() !== 0) {
    return { unavailable: null, run: (options) => runLoader(options), runAll: (runs) => runLoaders(runs) };
  }
  const readableScript = (): string => path.join(readableCheckout(), path.relative(REPO, SCRIPT));
  return {
    unavailable: otherUserUnavailable(),
    run: (options) => runLoader(options, { uid: NOBODY }, readableScript()),
    runAll: (runs) => runLoaders(runs, { uid: NOBODY }, readableScript()),
  };
}
