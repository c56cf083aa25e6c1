/**
 * Concurrency and load: many managers at once in one process, and several
 * processes racing to build the same on-disk cache. Real node processes on
 * dist/ (ES modules with top-level await cannot load inside jest). The
 * fixture plugins count how often their module body runs.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { FixturePackage, PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import type { LoaderOptions, LoaderResult } from './reliability/node';
import { runLoader, startLoader } from './reliability/node';
import { portable, reliabilitySuite } from './reliability/record';
import { ensureBuilt } from './support/dist';
import { tempDir } from './support/temp';

const GROUP = 'load.plugins';

/** Source that counts this module's evaluations in `globalThis.__fixtureLoads[key]`. */
function counter(key: string): string {
  return `(globalThis.__fixtureLoads ??= {})[${JSON.stringify(key)}] = ((globalThis.__fixtureLoads[${JSON.stringify(key)}]) ?? 0) + 1;\n`;
}

const PACKAGES: FixturePackage[] = [
  {
    name: 'cjs-counted',
    entryPoints: { [GROUP]: { cjs: './index.js:Plugin', 'cjs-again': './index.js:Plugin' } },
    files: { 'index.js': `${counter('cjs-counted')}exports.Plugin = class Plugin {};\n` },
  },
  {
    name: '@load/esm-counted',
    entryPoints: { [GROUP]: { esm: './index.mjs' } },
    files: {
      'index.mjs': `${counter('esm-counted')}await new Promise((resolve) => setTimeout(resolve, 5));\nexport default 1;\n`,
    },
  },
  {
    name: 'sync-esm-counted',
    entryPoints: { [GROUP]: { 'esm-sync': './index.mjs:Thing' } },
    files: { 'index.mjs': `${counter('sync-esm-counted')}export class Thing {}\n` },
  },
  { name: 'broken-decl', entryPoints: { [GROUP]: { broken: '../escape.js' } } },
];
const NAMES = ['esm', 'cjs', 'cjs-again', 'esm-sync'];
const LOADS = { 'cjs-counted': 1, 'esm-counted': 1, 'sync-esm-counted': 1 };

let tree: PackageTree;
beforeAll(() => {
  ensureBuilt();
  tree = createPackageTree({ packages: PACKAGES });
});
afterAll(() => tree.cleanup());

function options(extra: Partial<LoaderOptions> = {}): LoaderOptions {
  return { root: tree.root, group: GROUP, mode: 'create', ...extra };
}

/** The parts of a run that must be the same in every process. */
function essence(result: LoaderResult) {
  return { entryPoints: result.entryPoints, managers: result.managers, loads: result.loads, warnings: result.warnings };
}

const report = reliabilitySuite(
  'concurrency',
  'Concurrency and load',
  'Real node processes on dist/ (`__tests__/concurrency.test.ts`). The fixture plugins (CommonJS, ES module, ' +
    'ES module with top-level await) count how often their module body runs; one namespace also holds an ' +
    'invalid declaration.',
);

report.case('50 managers built at once with create() over one registry', () => {
  const result = runLoader(options({ managers: 50 }));
  expect(result.managers).toHaveLength(50);
  for (const manager of result.managers) expect(manager).toEqual({ loaded: NAMES, failures: [] });
  expect(result.loads).toEqual(LOADS);
  const warned = result.warnings.filter((warning) => warning.code === 'STEVEDORE_INVALID_DECLARATION');
  expect(result.warnings).toEqual(warned);
  expect(warned).toHaveLength(1);
  return (
    'all 50 loaded the same 4 extensions in the same order; each module body ran once; the invalid ' +
    `declaration was warned once: ${portable(warned[0].message, { [tree.dir]: '<tree>' })}`
  );
});

report.case('50 managers built with the synchronous constructor over one registry', () => {
  const sync = runLoader(options({ mode: 'sync', managers: 50 }));
  // Under require(), the top-level-await module fails (it needs create()); everything else is shared.
  for (const manager of sync.managers) {
    expect(manager.loaded).toEqual(['cjs', 'cjs-again', 'esm-sync']);
    expect(manager.failures.map((failure) => failure.code)).toEqual(['STEVEDORE_ASYNC_MODULE']);
    expect(manager.failures[0].message).toContain('create()');
  }
  // Node refuses a module with top-level await before evaluating it: its body never ran.
  expect(sync.loads).toEqual({ 'cjs-counted': 1, 'sync-esm-counted': 1 });
  return (
    'the same result in all 50; each module body ran once; the top-level-await module is a load failure for ' +
    'each manager (it names create()) and its body never ran'
  );
});

report.case('8 processes racing on a cold on-disk cache, twice; then a 9th process reads the cache', async () => {
  for (let round = 0; round < 2; round++) {
    const cacheDir = tempDir('race-cache').dir;
    // The cache does not store a scan of paths changed within the last clock tick (see isRacy in
    // lib/cache.ts): let the freshly written tree age past it, so that the racers do store it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const racers = await Promise.all(
      Array.from({ length: 8 }, () => startLoader(options({ cache: true, cacheDir }), { DEBUG: 'stevedore:cache' })),
    );
    const first = essence(racers[0]);
    expect(first.managers).toEqual([{ loaded: NAMES, failures: [] }]);
    expect(first.loads).toEqual(LOADS);
    for (const racer of racers) expect(essence(racer)).toEqual(first);
    const files = readdirSync(cacheDir);
    expect(files.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const cacheFiles = files.filter((name) => name.endsWith('.json'));
    expect(cacheFiles).toHaveLength(1);
    const stored = JSON.parse(readFileSync(path.join(cacheDir, cacheFiles[0]), 'utf8')) as { packages: unknown };
    expect(Array.isArray(stored.packages)).toBe(true);
    // At least one racer stored the scan (how many did is up to the scheduler).
    expect(racers.some((racer) => /stevedore:cache stored/.test(racer.stderr))).toBe(true);
    const late = await startLoader(options({ cache: true, cacheDir }), { DEBUG: 'stevedore:cache' });
    expect(late.stderr).toMatch(/stevedore:cache hit/);
    expect(essence(late)).toEqual(first);
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return (
    'identical entry points, extensions, warnings and one load per module in every process; one valid cache file ' +
    'and no temporary file left; the 9th process hit the cache and got the same result'
  );
});
