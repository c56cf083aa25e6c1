// The performance benchmark (`npm run bench`, `npm run bench -- --quick`).
//
// Builds synthetic package trees, then measures each scenario in fresh
// processes, several runs each: the time inside the process (start-up and
// the library's import excluded, except where the import is what is measured)
// and the whole process minus a bare `node -e ''`. Writes a Markdown report
// (docs/performance.md, or the --out file) and prints it.
//
// Options: --quick (one small tree, few runs; writes performance-quick.md in the trees folder),
// --sizes 1000,5000 --runs 5 --trees DIR (default: <tmp>/stevedore-ts-bench) --out FILE.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { GROUP, buildTree } from './tree.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const projectDir = path.dirname(benchDir);
const dist = path.join(projectDir, 'dist', 'index.js');
const child = path.join(benchDir, 'child.cjs');

// Python stevedore 4.0.2 list_entry_points() and the bare read-and-parse
// script, measured on the same kind of machine (see the issue this answers).
const REFERENCE = {
  5000: { stevedoreCold: 230, stevedoreWarm: 92, floorRead: 123, floorStat: 34 },
  20000: { stevedoreCold: 820, stevedoreWarm: 248, floorRead: 503, floorStat: 108 },
};

function parseArgs(argv) {
  // Outside the project: a tree under it would see the project's own node_modules up the path.
  const options = {
    quick: false,
    sizes: null,
    runs: null,
    trees: path.join(os.tmpdir(), 'stevedore-ts-bench'),
    out: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--sizes') options.sizes = argv[++i].split(',').map(Number);
    else if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg === '--trees') options.trees = path.resolve(argv[++i]);
    else if (arg === '--out') options.out = path.resolve(argv[++i]);
    else throw new Error(`unknown option ${arg}`);
  }
  options.sizes ??= options.quick ? [300] : [1000, 5000, 20000];
  options.runs ??= options.quick ? 3 : 7;
  options.out ??= options.quick
    ? path.join(options.trees, 'performance-quick.md')
    : path.join(projectDir, 'docs', 'performance.md');
  return options;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, minimum and maximum of a list of numbers. */
function stats(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Runs `node args` once, returning its wall time and its parsed JSON line (if any). */
function spawnNode(args, env) {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  const wall = performance.now() - started;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} failed (${child.status}):\n${child.stderr}`);
  const line = child.stdout.trim().split('\n').pop();
  return { wall, data: line ? JSON.parse(line) : null };
}

/** The environment the children run in: no stray settings that change discovery. */
function childEnv(extra) {
  const env = { ...process.env, ...extra };
  for (const name of ['NODE_PATH', 'STEVEDORE_CACHE', 'DEBUG', 'NODE_OPTIONS']) delete env[name];
  return env;
}

/** Summarises the samples of one scenario. */
function summarise(samples) {
  const first = samples[0];
  return {
    ms: stats(samples.map((s) => s.ms)),
    wall: stats(samples.map((s) => s.wall)),
    rssKiB: median(samples.map((s) => s.rssKiB)),
    heapKiB: median(samples.map((s) => s.heapKiB)),
    found: first.found,
    modules: first.modules,
    cache: [...new Set(samples.map((s) => s.cache))].join(','),
    hits: samples.filter((s) => s.cache === 'hit').length,
    runs: samples.length,
  };
}

function clearDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/**
 * Stores a scan in the cache, waiting for the tree to settle first: the cache
 * refuses scans of paths that changed within the last moments.
 */
function primeCache(stub, env, cacheDir) {
  for (let attempt = 0; attempt < 5; attempt++) {
    clearDir(cacheDir);
    const { data } = spawnNode(['--expose-gc', stub], { ...env, BENCH_SCENARIO: 'discovery' });
    if (data.cache === 'stored') return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
  }
  throw new Error('the cache never stored a scan of the tree');
}

const SCENARIOS = [
  ['floor-read', 'floor: read + JSON.parse every package.json'],
  ['floor-stat', 'floor: stat every package.json'],
  ['discovery-nocache', 'cold discovery, `cache: false`'],
  ['discovery-cold', 'cold discovery, empty cache (scan + store)'],
  ['discovery-warm', 'warm discovery (cache hit)'],
  ['extension-manager', '`new ExtensionManager(group)` (warm)'],
  ['driver-manager', '`new DriverManager(group, name)` (warm)'],
];

function benchTree(options, n, bare) {
  const treeDir = path.join(options.trees, `n${n}`);
  process.stderr.write(`N = ${n}: building or reusing ${treeDir}\n`);
  const tree = buildTree(treeDir, n);
  const stub = path.join(tree.root, 'measure.cjs');
  writeFileSync(stub, `require(${JSON.stringify(child)});\n`);
  const cacheDir = path.join(options.trees, `cache-n${n}`);
  const env = childEnv({
    STEVEDORE_CACHE_DIR: cacheDir,
    BENCH_DIST: dist,
    BENCH_GROUP: GROUP,
    BENCH_DRIVER: tree.driverName,
  });
  primeCache(stub, env, cacheDir);
  // Scenarios take turns, round after round, so that a change in the load of
  // a shared machine weighs on all of them alike; the first round is a warm-up.
  const samples = Object.fromEntries([...SCENARIOS.map(([scenario]) => [scenario, []]), ['import', []]]);
  for (let round = 0; round <= options.runs; round++) {
    process.stderr.write(`  round ${round}${round === 0 ? ' (warm-up)' : ''}\n`);
    for (const scenario of Object.keys(samples)) {
      if (scenario === 'discovery-cold') clearDir(cacheDir);
      const name = scenario === 'discovery-cold' || scenario === 'discovery-warm' ? 'discovery' : scenario;
      const { wall, data } = spawnNode(['--expose-gc', stub], { ...env, BENCH_SCENARIO: name });
      if (round > 0) samples[scenario].push({ wall, ...data });
    }
  }
  const results = {};
  for (const [scenario] of SCENARIOS) {
    results[scenario] = summarise(samples[scenario]);
    results[scenario].process = results[scenario].wall.median - bare.median;
  }
  const importCost = summarise(samples.import);
  return { n, plugins: tree.plugins, results, importCost };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores)`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const range = (s) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;

function report(options, info, bare, bareImport, trees) {
  const lines = [];
  const push = (...more) => lines.push(...more);
  push(
    '# Performance',
    '',
    '<!-- Generated by `npm run bench` (bench/run.mjs); do not edit by hand. -->',
    '',
    `Machine: ${info.cpu}, ${info.memory} RAM, ${info.os}, Node ${info.node}. Run: ${info.date}` +
      `${options.quick ? ' (quick run: small tree, few runs — a smoke check, not a measurement)' : ''}.`,
    '',
    'Each number is the median of ' +
      `${options.runs} fresh processes (after one discarded warm-up run), with the minimum–maximum in brackets. ` +
      '"In-process" is the time of the operation alone (process start-up and `require` of the library excluded); ' +
      '"process" is the whole process minus a bare `node -e \'\'` ' +
      `(${fmt(bare.median)} ms here). "× floor" divides the in-process time by that of a bare script that reads ` +
      'and JSON.parses every package.json. Trees: N packages in node_modules (about a third scoped), package.json ' +
      `files of 1–3 KB, 20% declaring an entry point in \`${GROUP}\` (each with an index.js the managers load). ` +
      'The page cache is warm (the trees were just read), as on any start after the first.',
    '',
    '## Times',
    '',
    '| N | scenario | in-process ms | × floor | process ms | peak RSS MiB | heap kept KiB | found | modules required | cache |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const tree of trees) {
    const floor = tree.results['floor-read'].ms.median;
    for (const [scenario, label] of SCENARIOS) {
      const r = tree.results[scenario];
      const cache = r.cache === 'null' ? '' : r.cache === 'hit' ? `hit ${r.hits}/${r.runs}` : r.cache;
      push(
        `| ${tree.n} | ${label} | ${range(r.ms)} | ${fmt(r.ms.median / floor, 2)} | ${fmt(r.process)} | ` +
          `${fmt(r.rssKiB / 1024)} | ${r.heapKiB} | ${r.found ?? ''} | ${r.modules} | ${cache} |`,
      );
    }
  }
  push(
    '',
    '## Importing the library',
    '',
    '| | ms |',
    '|---|---:|',
    `| \`node -e ''\` (whole process) | ${range(bare)} |`,
    `| \`node -e "require('stevedore-ts')"\` (whole process) | ${range(bareImport)} |`,
    `| added by the import (difference of medians) | ${fmt(bareImport.median - bare.median)} |`,
    ...trees
      .slice(0, 1)
      .map((tree) => `| \`require('stevedore-ts')\` inside the process | ${range(tree.importCost.ms)} |`),
    '',
  );
  const perPackage = trees.map(
    (tree) => `${tree.n}: ${fmt((tree.results['discovery-cold'].ms.median / tree.n) * 1000, 1)} µs`,
  );
  push('## Scaling', '', `Cold discovery per package (in-process): ${perPackage.join(', ')}.`, '');
  const compared = trees.filter((tree) => REFERENCE[tree.n]);
  if (compared.length) {
    push(
      '## Against Python stevedore',
      '',
      'Python stevedore 4.0.2 `list_entry_points()` with and without its `_cache`, and the bare Node ' +
        'read-and-parse script, as measured for the issue on the same kind of 2-core machine, next to this run:',
      '',
      '| N | stevedore cold ms | stevedore-ts cold ms | speed-up | stevedore warm ms | stevedore-ts warm ms | speed-up | floor then / now ms |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const tree of compared) {
      const ref = REFERENCE[tree.n];
      const cold = tree.results['discovery-cold'].ms.median;
      const warm = tree.results['discovery-warm'].ms.median;
      push(
        `| ${tree.n} | ${ref.stevedoreCold} | ${fmt(cold)} | ${fmt(ref.stevedoreCold / cold)}x | ${ref.stevedoreWarm} | ` +
          `${fmt(warm)} | ${fmt(ref.stevedoreWarm / warm)}x | ${ref.floorRead} / ${fmt(tree.results['floor-read'].ms.median)} |`,
      );
    }
    push('');
  }
  push('## Targets', '');
  for (const tree of trees) {
    const floor = tree.results['floor-read'].ms.median;
    const cold = tree.results['discovery-cold'].ms.median / floor;
    const warm = tree.results['discovery-warm'].ms.median / floor;
    const driver = tree.results['driver-manager'].modules;
    push(
      `- N = ${tree.n}: cold ${fmt(cold, 2)}x floor (target ≤ 0.8: ${cold <= 0.8 ? 'met' : 'MISSED'}); ` +
        `warm ${fmt(warm, 3)}x floor (target ≤ 0.1: ${warm <= 0.1 ? 'met' : 'MISSED'}); ` +
        `DriverManager required ${driver} module${driver === 1 ? '' : 's'} (target 1: ${driver === 1 ? 'met' : 'MISSED'}).`,
    );
  }
  const added = bareImport.median - bare.median;
  push(
    `- Importing the library adds ${fmt(added)} ms to \`node -e ''\` (target < 10: ${added < 10 ? 'met' : 'MISSED'}).`,
  );
  push('');
  return lines.join('\n');
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  mkdirSync(options.trees, { recursive: true });
  const info = machine();
  const env = childEnv({});
  const bareRuns = [];
  const importRuns = [];
  for (let i = 0; i <= options.runs * 2; i++) {
    const bare = spawnNode(['-e', ''], env).wall;
    const imported = spawnNode(['-e', `require(${JSON.stringify(dist)})`], env).wall;
    if (i > 0) bareRuns.push(bare);
    if (i > 0) importRuns.push(imported);
  }
  const bare = stats(bareRuns);
  const bareImport = stats(importRuns);
  const trees = options.sizes.map((n) => benchTree(options, n, bare));
  const text = report(options, info, bare, bareImport, trees);
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, text);
  process.stdout.write(`${text}\nWritten to ${path.relative(process.cwd(), options.out) || options.out}\n`);
}

main();
