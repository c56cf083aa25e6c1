/**
 * The probe of the layout tests: a CommonJS script that builds a Registry
 * (and a manager) with the built library in a real Node process, under
 * whatever runtime a layout needs (`node -r .pnp.cjs`, `yarn node`, a
 * TypeScript loader), and prints what it found as JSON.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DIST, REPO, ensureBuilt } from './dist';
import type { EnvChanges } from './processes';
import { run } from './processes';

/** Where the layout tests keep what they install between runs (ignored by git). */
export const INSTALL_CACHE = path.join(REPO, 'node_modules', '.cache', 'stevedore-layouts');

/** What the probe script prints. */
export interface ProbeReport {
  entryPoints: { group: string; name: string; value: string; dist: { name: string; root: string } | null }[];
  packages: string[];
  /** Copies hidden by a nearer one of the same name: [installedAs, real path]. */
  shadowed: [installedAs: string, path: string][];
  loaded: [name: string, obj: unknown][] | null;
  failures: { name: string; code: string | null; message: string }[];
  warnings: { code: string | null; message: string }[];
}

export interface ProbeOptions {
  /** The application's folder; default: the Registry's own default root. */
  root?: string;
  group: string;
  /** How to load: `sync` (constructor), `async` (create()), or `none`. Plugins are invoked on load. */
  load?: 'sync' | 'async' | 'none';
  /** Invoke plugins on load (default true); the report shows `obj` when invoked, else `plugin`. */
  invoke?: boolean;
  global?: boolean;
  cacheDir?: string;
}

// A CommonJS script, so that it runs the same under `node -r .pnp.cjs`, tsx and plain node.
const PROBE = `'use strict';
const stevedore = require(process.env.STEVEDORE_DIST);
const warnings = [];
process.on('warning', (w) => warnings.push({ code: w.code || null, message: w.message }));
async function main() {
  const opts = JSON.parse(process.argv[2]);
  const registry = new stevedore.Registry({
    root: opts.root, global: opts.global, cache: Boolean(opts.cacheDir), cacheDir: opts.cacheDir,
  });
  const failures = [];
  const onLoadFailureCallback = (_m, ep, err) =>
    failures.push({ name: ep.name, code: (err && err.code) || null, message: String(err && err.message) });
  const invoke = opts.invoke !== false;
  const options = { registry, invokeOnLoad: invoke, onLoadFailureCallback };
  let manager = null;
  if (opts.load === 'sync') manager = new stevedore.ExtensionManager(opts.group, options);
  if (opts.load === 'async') manager = await stevedore.ExtensionManager.create(opts.group, options);
  const report = {
    entryPoints: registry.entryPoints(opts.group).map((ep) => ({
      group: ep.group, name: ep.name, value: ep.value, dist: ep.dist && { name: ep.dist.name, root: ep.dist.root },
    })),
    packages: registry.scan().packages.map((p) => p.installedAs),
    shadowed: registry.scan().shadowed.map((s) => [s.installedAs, s.path]),
    loaded: manager && manager.extensions.map((e) => [e.name, invoke ? e.obj : e.plugin]),
    failures,
    warnings,
  };
  await new Promise((resolve) => setImmediate(resolve));
  process.stdout.write('\\n@@probe ' + JSON.stringify(report) + '\\n');
}
main().catch((err) => { console.error(err); process.exit(1); });
`;

/** The probe script's path: written once into the install cache (atomically: test files run in parallel). */
export function probeScript(): string {
  const file = path.join(INSTALL_CACHE, 'probe.cjs');
  if (!existsSync(file) || readFileSync(file, 'utf8') !== PROBE) {
    mkdirSync(INSTALL_CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, PROBE);
    renameSync(tmp, file);
  }
  return file;
}

/**
 * Runs the probe in a real Node process and returns its report.
 *
 * @param nodeArgs Arguments before the script, e.g. `['-r', '.pnp.cjs']` or a TypeScript loader.
 * @param launcher The command that runs a script, instead of `node ...nodeArgs` (e.g. `yarn node`).
 * @param cwd The working folder (the application's, usually).
 */
export function probe(
  options: ProbeOptions,
  {
    nodeArgs = [],
    launcher = [process.execPath, ...nodeArgs],
    cwd,
    env = {},
  }: { nodeArgs?: string[]; launcher?: string[]; cwd: string; env?: EnvChanges },
): ProbeReport & { stderr: string } {
  ensureBuilt();
  const [command, ...args] = launcher;
  const result = run(command, [...args, probeScript(), JSON.stringify(options)], {
    cwd,
    env: { STEVEDORE_DIST: path.join(DIST, 'index.js'), STEVEDORE_CACHE: options.cacheDir ? '1' : '0', ...env },
  });
  const line = result.stdout.split('\n').find((text) => text.startsWith('@@probe '));
  if (result.status !== 0 || !line) {
    throw new Error(`probe exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return { ...(JSON.parse(line.slice('@@probe '.length)) as ProbeReport), stderr: result.stderr };
}
