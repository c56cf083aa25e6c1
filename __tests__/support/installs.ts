/**
 * Real installs for the layout and cache tests: npm (the one on PATH), pnpm
 * and Yarn (the devDependencies) run with this Node and V8's code cache for
 * their modules (support/code-cache.cjs: about half of a small pnpm or Yarn
 * install's CPU is compiling their 8 MB or 4 MB of JavaScript, a quarter of
 * npm's), and package tarballs made the way `npm pack` lays them out,
 * without starting npm for it.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import { INSTALL_CACHE } from './probe';
import type { EnvChanges, RunOptions, RunResult } from './processes';
import { NETWORK_ENV, TOOLS, runOk } from './processes';

/** Where the compiled code of pnpm and Yarn is kept between runs (ignored by git, like the pnpm store). */
export const CODE_CACHE = path.join(INSTALL_CACHE, 'code-cache');
/** pnpm's content store, shared by every test that runs pnpm. */
export const PNPM_STORE = path.join(INSTALL_CACHE, 'pnpm-store');

/** Node's arguments that preload the code cache, before a tool's script. */
const PRELOAD = ['-r', path.join(__dirname, 'code-cache.cjs')];

/**
 * A package manager's run options: the code cache, and the CA bundle a proxy to the registry may need unless the
 * run is `offline` (it opens no connection, and Node parses the bundle at every start: about 80 ms of CPU).
 */
function withCache(options: RunOptions, offline = false): RunOptions {
  return { ...options, env: { ...networkEnv(offline), STEVEDORE_CODE_CACHE: CODE_CACHE, ...options.env } };
}

/** {@link NETWORK_ENV}, or nothing for a run that stays offline. */
function networkEnv(offline: boolean): EnvChanges {
  return offline ? {} : NETWORK_ENV;
}

/** npm's own script, which the `npm` on PATH runs; null where that is no Node script (npm.cmd on Windows). */
function findNpmCli(): string | null {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      const script = realpathSync(path.join(folder, 'npm'));
      return path.basename(script) === 'npm-cli.js' ? script : null;
    } catch {
      // Not in this folder.
    }
  }
  return null;
}

const NPM_CLI = findNpmCli();

/** `text` as one bash word. */
const shellWord = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * Bash functions `npm` and `npx` for commands given as shell text: each runs npm's own script, the one the command
 * on PATH runs, with the `node` on PATH (as its `#!/usr/bin/env node` line does) and the code cache. What the
 * command does and prints is the same; only where npm's compiled code comes from differs (the processes npm starts,
 * such as the bin `npx` runs, start without the cache). Empty where npm is no Node script.
 */
export function npmShellFunctions(): string {
  if (!NPM_CLI) return '';
  const run = (script: string): string =>
    `STEVEDORE_CODE_CACHE=${shellWord(CODE_CACHE)} command node ${PRELOAD.map(shellWord).join(' ')} ${shellWord(script)} "$@"`;
  const npx = path.join(path.dirname(NPM_CLI), 'npx-cli.js');
  return [`npm() { ${run(NPM_CLI)}; }`, ...(existsSync(npx) ? [`npx() { ${run(npx)}; }`] : [])].join('\n');
}

/**
 * Runs npm in `cwd` (with the code cache where npm is a Node script), and throws with its output when it fails.
 * With `--offline` it gets no CA bundle.
 */
export function npm(cwd: string, args: readonly string[], env: EnvChanges = {}): RunResult {
  const offline = args.includes('--offline');
  if (!NPM_CLI) return runOk('npm', args, { cwd, env: { ...networkEnv(offline), ...env } });
  return runOk(process.execPath, [...PRELOAD, NPM_CLI, ...args], withCache({ cwd, env }, offline));
}

/** Yarn 4 offline in a project of its own: no global cache, no network, and a lockfile it may write (CI=true). */
export const YARN_ENV: EnvChanges = {
  YARN_ENABLE_GLOBAL_CACHE: 'false',
  YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
  YARN_ENABLE_HARDENED_MODE: 'false',
  YARN_ENABLE_NETWORK: 'false',
};

/**
 * Runs pnpm in `cwd` with the shared store, never asking before it removes node_modules, and throws with its
 * output when it fails. `args` come first (`install`, then options of its own); with `--offline` it gets no CA
 * bundle.
 */
export function pnpm(cwd: string, args: readonly string[], env: EnvChanges = {}): RunResult {
  return runOk(
    process.execPath,
    [...PRELOAD, TOOLS.pnpm, ...args, '--store-dir', PNPM_STORE, '--config.confirmModulesPurge=false'],
    withCache({ cwd, env: { npm_config_frozen_lockfile: 'false', ...env } }, args.includes('--offline')),
  );
}

/** Runs Yarn 4 in `cwd` with {@link YARN_ENV}, and throws with its output when it fails. Offline: no CA bundle. */
export function yarn(cwd: string, args: readonly string[], env: EnvChanges = {}): RunResult {
  const changes = { ...YARN_ENV, ...env };
  const offline = changes.YARN_ENABLE_NETWORK === 'false';
  return runOk(process.execPath, [...PRELOAD, TOOLS.yarn, ...args], withCache({ cwd, env: changes }, offline));
}

/** The command `yarn node` (a launcher for the probe), and the environment it needs. */
export const YARN_NODE = {
  launcher: [process.execPath, ...PRELOAD, TOOLS.yarn, 'node'],
  env: { ...YARN_ENV, STEVEDORE_CODE_CACHE: CODE_CACHE } as EnvChanges,
};

/**
 * Packs a package folder into `destination` as `npm pack` lays it out (its files under `package/`, in a gzipped
 * tar named `<scope>-<name>-<version>.tgz`) and returns the tarball's path: what `npm install <tarball>` installs
 * as a copy. Every file of the folder goes in (npm pack would leave out node_modules and what a `files` list or
 * .npmignore excludes: the tests' packages have none of these). No npm process: `tar` costs a few milliseconds,
 * npm most of a second.
 */
export function packFolder(folder: string, destination: string): string {
  const { name, version } = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const tarball = path.join(destination, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
  const staging = `${tarball}.staging`;
  cpSync(folder, path.join(staging, 'package'), { recursive: true });
  mkdirSync(destination, { recursive: true });
  try {
    runOk('tar', ['-czf', tarball, '-C', staging, 'package']);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return tarball;
}
