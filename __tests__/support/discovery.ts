/**
 * What the discovery and loading tests share: the committed fixture layouts,
 * real node processes running the built dist/, and a record of warnings.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const REPO = path.resolve(__dirname, '..', '..');
export const DIST = path.join(REPO, 'dist');
/** `import` targets of the built ES module entries. */
export const DIST_MJS_URL = pathToFileURL(path.join(DIST, 'index.mjs')).href;
export const DIST_TESTING_MJS_URL = pathToFileURL(path.join(DIST, 'testing.mjs')).href;
export const LAYOUTS = path.join(REPO, '__tests__', 'fixtures', 'layouts');

export interface TempDir {
  /** Its real path. */
  dir: string;
  cleanup(): void;
}

/** A fresh temporary folder (real path). */
export function tempDir(prefix = 'stevedore-test-'): TempDir {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A copy of a committed layout (symbolic links kept as they are) in a
 * temporary folder, so that walking up from it meets no other node_modules.
 */
export function copyLayout(name: string): TempDir {
  const temp = tempDir(`stevedore-${name}-`);
  cpSync(path.join(LAYOUTS, name), temp.dir, { recursive: true, verbatimSymlinks: true });
  return temp;
}

/**
 * The environment of child processes: this one's, without what npm puts in
 * it for scripts (`npm_config_prefix` ...) or NODE_PATH, and with the on-disk
 * cache off; `extra` is applied last (undefined removes a variable).
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'NODE_PATH' && key !== 'NODE_OPTIONS' && !key.startsWith('JEST_')) {
      env[key] = value;
    }
  }
  env.STEVEDORE_CACHE = '0';
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface NodeRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Run as this user (and group) id. */
  uid?: number;
}

/** Runs `node ...args` to completion. */
export function runNode(args: readonly string[], { cwd = REPO, env = {}, uid }: RunOptions = {}): NodeRun {
  const result = spawnSync(process.execPath, args, {
    cwd,
    env: childEnv(env),
    encoding: 'utf8',
    timeout: 60_000,
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs an ES module script (given as text) in a real node process and
 * returns the JSON it printed last; fails with the process's stderr when it
 * did not exit 0. In the script, `$STEVEDORE` and `$TESTING` stand for the
 * built library's `stevedore-ts` and `stevedore-ts/testing` (quoted URLs).
 */
export function runModuleScript<T = unknown>(code: string, options: RunOptions = {}): T {
  const script = code
    .replaceAll('$STEVEDORE', JSON.stringify(DIST_MJS_URL))
    .replaceAll('$TESTING', JSON.stringify(DIST_TESTING_MJS_URL));
  const run = runNode(['--input-type=module', '-e', script], options);
  if (run.status !== 0) throw new Error(`node exited with ${run.status}:\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

export interface RecordedWarning {
  message: string;
  code: string | undefined;
  type: string | undefined;
  detail: string | undefined;
}

/**
 * Records the warnings emitted through process.emitWarning (instead of
 * printing them) until `restore()`.
 */
export function recordWarnings(): { warnings: RecordedWarning[]; restore(): void } {
  const warnings: RecordedWarning[] = [];
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(((
    warning: string | Error,
    options?: { type?: string; code?: string; detail?: string } | string,
  ) => {
    const opts = typeof options === 'object' ? options : { type: options };
    warnings.push({ message: String(warning), code: opts?.code, type: opts?.type, detail: opts?.detail });
  }) as typeof process.emitWarning);
  return { warnings, restore: () => spy.mockRestore() };
}
