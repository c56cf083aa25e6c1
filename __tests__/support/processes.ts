/**
 * Real processes: node on the built library, the package managers, any
 * command. Every child gets the same clean environment (see childEnv).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { processStat } from '../../lib/process-state';
import { REPO, distUrl, readableCheckout } from './dist';

/** The command-line entry of a devDependency's tool, run with this Node. */
export const TOOLS = {
  pnpm: path.join(REPO, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs'),
  yarn: path.join(REPO, 'node_modules', '@yarnpkg', 'cli-dist', 'bin', 'yarn.js'),
  tsc: path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
  tsxLoader: path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs'),
};

/** A child's environment variable: a string, or undefined to remove it. */
export type EnvChanges = Record<string, string | undefined>;

/**
 * The environment of child processes: this one's without what would make a
 * child behave differently from a user's plain `node` (what npm puts in it
 * for scripts, `npm_config_prefix` ..., NODE_PATH, NODE_OPTIONS, jest's
 * variables, DEBUG, the user's own STEVEDORE_* settings), with the on-disk
 * cache off and package managers quiet (no colours, telemetry, update
 * checks or progress bars); `changes` are applied last.
 */
export function childEnv(changes: EnvChanges = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|jest_|stevedore_)/i.test(key) && !['NODE_PATH', 'NODE_OPTIONS', 'DEBUG'].includes(key)) {
      env[key] = value;
    }
  }
  Object.assign(env, {
    STEVEDORE_CACHE: '0',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    YARN_ENABLE_TELEMETRY: '0',
    YARN_ENABLE_PROGRESS_BARS: '0',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  });
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * Changes to {@link childEnv} for a package manager (npm, npx, pnpm, Yarn): the CA bundle of NODE_EXTRA_CA_CERTS
 * back, which the test run sets aside for every other process (see setup/global-setup.js); the tests install
 * offline, but a proxy between a package manager and the registry may need it.
 */
export const NETWORK_ENV: EnvChanges = { NODE_EXTRA_CA_CERTS: process.env.STEVEDORE_TEST_CA_CERTS };

export interface RunResult {
  status: number | null;
  /** The signal that ended the process, or null when it exited. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Default: the checkout. */
  cwd?: string;
  /** Changes to {@link childEnv}. */
  env?: EnvChanges;
  /**
   * Run as this user and group id. The child then starts in {@link readableCheckout} (by default), and
   * runModuleScript gives it the library from there.
   */
  uid?: number;
  /** Milliseconds before the child is killed and the run throws (a stuck child would stop the test run). */
  timeout?: number;
}

function spawnOptions({ cwd, env, uid }: RunOptions) {
  if (uid === undefined) return { cwd: cwd ?? REPO, env: childEnv(env) };
  return { cwd: cwd ?? readableCheckout(), env: childEnv(env), uid, gid: uid };
}

/** Runs a command to completion. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): RunResult {
  const { timeout = 120_000 } = options;
  const result = spawnSync(command, args, {
    ...spawnOptions(options),
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${path.basename(command)} ${args.join(' ')}: ${result.error.message}`);
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** Like {@link run}, throwing with the output when the command fails. */
export function runOk(command: string, args: readonly string[], options: RunOptions = {}): RunResult {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(
      `${path.basename(command)} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** Runs `node ...args` (this Node) to completion. */
export function runNode(args: readonly string[], options: RunOptions = {}): RunResult {
  return run(process.execPath, args, options);
}

/** Starts `node ...args` and resolves once it exits: for processes that must run at the same time. */
export function startNode(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, spawnOptions(options));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 120_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`node ${args.join(' ')} was killed (${signal})\n${stderr}`));
      else resolve({ status, signal: null, stdout, stderr });
    });
  });
}

/**
 * Runs an ES module script (given as text) in a real node process and
 * returns the JSON it printed last; fails with the process's stderr when it
 * did not exit 0. In the script, `$STEVEDORE` and `$TESTING` stand for the
 * built library's `stevedore-ts` and `stevedore-ts/testing` (quoted URLs; a
 * copy everyone may read when the script runs as another user).
 */
export function runModuleScript<T = unknown>(code: string, options: RunOptions = {}): T {
  const root = options.uid === undefined ? REPO : readableCheckout();
  const script = code
    .replaceAll('$STEVEDORE', JSON.stringify(distUrl(root, 'index.mjs')))
    .replaceAll('$TESTING', JSON.stringify(distUrl(root, 'testing.mjs')));
  const result = runNode(['--input-type=module', '-e', script], options);
  if (result.status !== 0) throw new Error(`node exited with ${result.status}:\n${result.stderr}`);
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** A process's state letter and process group, from /proc (the library's own reading). */
export { processStat };

/**
 * A zombie, dead and never reaped: perl, leading a process group of its own (`parent`), forks a child that moves
 * to a group of its own and exits, and perl never waits for it. So are orphans left where init does not reap them
 * (in a container, say). Resolves once the child is a zombie; killing `parent` reaps it.
 */
export async function startZombie(): Promise<{ zombie: number; parent: ChildProcess }> {
  const script = '$| = 1; my $c = fork(); if ($c == 0) { setpgrp(0, 0); exit 0 } print "$c\\n"; sleep 1000';
  const parent = spawn('perl', ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const zombie = await new Promise<number>((resolve, reject) => {
      parent.stdout.setEncoding('utf8').once('data', (line: string) => resolve(Number(line)));
      parent.once('error', reject);
    });
    const deadline = Date.now() + 30_000;
    while (processStat(zombie)?.state !== 'Z' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (processStat(zombie)?.state !== 'Z') throw new Error(`process ${zombie} did not become a zombie`);
    return { zombie, parent };
  } catch (err) {
    parent.kill('SIGKILL');
    throw err;
  }
}
