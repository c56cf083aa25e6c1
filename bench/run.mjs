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
    cpu: stats(samples.map((s) => s.cpuMs)),
    wall: stats(samples.map((s) => s.wall)),
    rssKiB: median(samples.map((s) => s.rssKiB)),
    heapKiB: median(samples.map((s) => s.heapKiB)),
    found: first.found,
    watched: first.watched,
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

/**
 * Builds (or reuses) the tree of N packages, a `share` of them declaring a
 * plugin, and measures `scenarios` (ids from SCENARIOS, plus 'import').
 */
function benchTree(options, n, bare, { share = 0.2, scenarios = [...SCENARIOS.map(([id]) => id), 'import'] } = {}) {
  const label = share === 0.2 ? `n${n}` : `n${n}-share${share}`;
  const treeDir = path.join(options.trees, label);
  process.stderr.write(`N = ${n} (${share * 100}% declaring): building or reusing ${treeDir}\n`);
  const tree = buildTree(treeDir, n, share);
  const stub = path.join(tree.root, 'measure.cjs');
  writeFileSync(stub, `require(${JSON.stringify(child)});\n`);
  const cacheDir = path.join(options.trees, `cache-${label}`);
  const env = childEnv({
    STEVEDORE_CACHE_DIR: cacheDir,
    BENCH_DIST: dist,
    BENCH_GROUP: GROUP,
    BENCH_DRIVER: tree.driverName,
  });
  primeCache(stub, env, cacheDir);
  // Scenarios take turns, round after round, so that a change in the load of
  // a shared machine weighs on all of them alike; the first round is a warm-up.
  const samples = Object.fromEntries(scenarios.map((scenario) => [scenario, []]));
  for (let round = 0; round <= options.runs; round++) {
    process.stderr.write(`  round ${round}${round === 0 ? ' (warm-up)' : ''}\n`);
    for (const scenario of scenarios) {
      if (scenario === 'discovery-cold') clearDir(cacheDir);
      const name = scenario === 'discovery-cold' || scenario === 'discovery-warm' ? 'discovery' : scenario;
      const { wall, data } = spawnNode(['--expose-gc', stub], { ...env, BENCH_SCENARIO: name });
      if (round > 0) samples[scenario].push({ wall, ...data });
    }
  }
  const results = {};
  for (const scenario of scenarios) {
    results[scenario] = summarise(samples[scenario]);
    results[scenario].process = results[scenario].wall.median - bare.median;
  }
  return { n, share, packages: tree.names.length, plugins: tree.plugins, results };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores)`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    load: os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(', '),
  };
}

const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const range = (s) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;

function report(options, info, bare, bareImport, trees, sparse) {
  const lines = [];
  const push = (...more) => lines.push(...more);
  push(
    '# Performance',
    '',
    '<!-- Generated by `npm run bench` (bench/run.mjs); do not edit by hand. -->',
    '',
    `Machine: ${info.cpu}, ${info.memory} RAM, ${info.os}, Node ${info.node}. Run: ${info.date}` +
      `${options.quick ? ' (quick run: small tree, few runs — a smoke check, not a measurement)' : ''}. ` +
      `Load average when the run started: ${info.load}.`,
    '',
    'Each number is the median of ' +
      `${options.runs} fresh processes (after one discarded warm-up round; the scenarios take turns round after ` +
      'round), with the minimum–maximum in brackets. "In-process" is the time of the operation alone (process ' +
      'start-up and `require` of the library excluded), as wall-clock time and as CPU time (user + system) of the ' +
      'process, which a shared machine disturbs less; "process" is the whole process minus a bare `node -e \'\'` ' +
      `(${fmt(bare.median)} ms here). "× floor" divides by the same measure of a bare script that reads ` +
      'and JSON.parses every package.json. Trees: N packages in node_modules (about a third scoped, in N/40 ' +
      `scopes), package.json files of 1–3 KB, 20% declaring an entry point in \`${GROUP}\` (each with an ` +
      'index.js the managers load; half of them also declare one in a second group). The trees are outside any ' +
      'other node_modules, and the page cache is warm (as on any start after the first).',
    '',
    '## Times',
    '',
    '| N | scenario | in-process ms | × floor | in-process CPU ms | × floor (CPU) | process ms | peak RSS MiB | heap kept KiB | found | modules required | cache |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const tree of trees) {
    const floor = tree.results['floor-read'];
    for (const [scenario, label] of SCENARIOS) {
      const r = tree.results[scenario];
      const cache = r.cache === 'null' ? '' : r.cache === 'hit' ? `hit ${r.hits}/${r.runs}` : r.cache;
      push(
        `| ${tree.n} | ${label} | ${range(r.ms)} | ${fmt(r.ms.median / floor.ms.median, 2)} | ${range(r.cpu)} | ` +
          `${fmt(r.cpu.median / floor.cpu.median, 2)} | ${fmt(r.process)} | ${fmt(r.rssKiB / 1024)} | ` +
          `${r.heapKiB} | ${r.found ?? ''} | ${r.modules} | ${cache} |`,
      );
    }
  }
  const importCost = trees[0].results.import;
  push(
    '',
    '"found" is the number of entry points in the group (for the floors: package.json files found or declaring); ' +
      '"modules required" counts the modules loaded from the tree; "heap kept" is the JavaScript heap still in use ' +
      'after the operation (after a garbage collection) minus before it.',
    '',
    '## Importing the library',
    '',
    '| | ms |',
    '|---|---:|',
    `| \`node -e ''\` (whole process) | ${range(bare)} |`,
    `| \`node -e "require('stevedore-ts')"\` (whole process) | ${range(bareImport)} |`,
    `| added by the import (difference of medians) | ${fmt(bareImport.median - bare.median)} |`,
    `| \`require('stevedore-ts')\` inside the process, wall | ${range(importCost.ms)} |`,
    `| \`require('stevedore-ts')\` inside the process, CPU | ${range(importCost.cpu)} |`,
    '',
    '`debug` is loaded only once `DEBUG` is set and `tapable` only once `registry.hooks` is used, so neither is ' +
      'part of this cost.',
    '',
  );
  const perPackage = (key) =>
    trees.map((tree) => `${tree.n}: ${fmt((tree.results[key].cpu.median / tree.n) * 1000, 1)} µs`).join(', ');
  push(
    '## Scaling',
    '',
    `CPU time per package, cold discovery (scan + store): ${perPackage('discovery-cold')}; ` +
      `the read-and-parse floor: ${perPackage('floor-read')}; warm discovery: ${perPackage('discovery-warm')}.`,
    '',
  );
  if (sparse) {
    const dense = trees.find((tree) => tree.n === sparse.n);
    push(
      '## Memory',
      '',
      `The same N with ${sparse.share * 100}% of the packages declaring an entry point instead of 20%: what is kept ` +
        'grows with the entry points, not with the packages.',
      '',
      '| N | declaring | entry points in the group | cold: heap kept KiB | cold: peak RSS MiB | warm: heap kept KiB | warm: peak RSS MiB | warm CPU ms |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const tree of [dense, sparse].filter(Boolean)) {
      const cold = tree.results['discovery-cold'];
      const warm = tree.results['discovery-warm'];
      push(
        `| ${tree.n} | ${tree.share * 100}% | ${cold.found} | ${cold.heapKiB} | ${fmt(cold.rssKiB / 1024)} | ` +
          `${warm.heapKiB} | ${fmt(warm.rssKiB / 1024)} | ${fmt(warm.cpu.median)} |`,
      );
    }
    push('');
  }
  const compared = trees.filter((tree) => REFERENCE[tree.n]);
  if (compared.length) {
    push(
      '## Against Python stevedore',
      '',
      'Python stevedore 4.0.2 `list_entry_points()` without and with its `_cache`, and the bare Node ' +
        'read-and-parse script, as measured for the issue on a 2-core machine; this machine is slower (compare the ' +
        'floors), so the speed-ups are also given scaled by the ratio of the floors (reference floor / floor here), ' +
        'i.e. as they would be on the reference machine.',
      '',
      '| N | stevedore cold ms | stevedore-ts cold ms | scaled | speed-up | stevedore warm ms | stevedore-ts warm ms | scaled | speed-up | floor there / here ms |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const tree of compared) {
      const ref = REFERENCE[tree.n];
      const scale = ref.floorRead / tree.results['floor-read'].ms.median;
      const cold = tree.results['discovery-cold'].ms.median;
      const warm = tree.results['discovery-warm'].ms.median;
      push(
        `| ${tree.n} | ${ref.stevedoreCold} | ${fmt(cold)} | ${fmt(cold * scale)} | ` +
          `${fmt(ref.stevedoreCold / (cold * scale))}x | ${ref.stevedoreWarm} | ${fmt(warm)} | ${fmt(warm * scale)} | ` +
          `${fmt(ref.stevedoreWarm / (warm * scale))}x | ${ref.floorRead} / ${fmt(tree.results['floor-read'].ms.median)} |`,
      );
    }
    push('', 'The aim is 2.5x cold and 5x warm.', '');
  }
  const largestTree = trees[trees.length - 1];
  const warm = largestTree.results['discovery-warm'];
  const statFloor = largestTree.results['floor-stat'];
  push(
    '## Reading these numbers',
    '',
    `- A warm start checks ${warm.watched} paths at N = ${largestTree.n}: every packages folder and \`@scope\` ` +
      "folder, the package managers' files, the root's package.json and the package.json of every package that " +
      `declares entry points (${largestTree.plugins} here) — ${fmt((warm.watched / largestTree.n) * 100)}% of what ` +
      'the stat floor stats, so the warm time follows the stat floor scaled by that share ' +
      `(${fmt((statFloor.cpu.median * warm.watched) / largestTree.n)} ms of CPU here), plus reading the cache file and ` +
      'making the EntryPoint objects of the group asked for. With fewer declaring packages it is cheaper (see Memory).',
    '- Cold discovery reads every package.json (one native call each) but parses only those that contain ' +
      '`"entryPoints"`; a declaring package is read a second time through one descriptor, so that its content and ' +
      'its stat signature come from the same file.',
    '- On a shared machine wall-clock times swing with the load of the other processes (see the load average and ' +
      'the brackets); the ratios of medians of interleaved runs are steadier. CPU time counts all the threads of ' +
      "the process, V8's parallel garbage collector included, so it can exceed the wall-clock time: the targets " +
      'are judged on wall-clock time, the CPU ratios are given for comparison.',
    '',
  );
  push('## Targets', '');
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  for (const tree of trees) {
    const ratio = (key, measure) => tree.results[key][measure].median / tree.results['floor-read'][measure].median;
    const cold = [ratio('discovery-cold', 'ms'), ratio('discovery-cold', 'cpu')];
    const warm = [ratio('discovery-warm', 'ms'), ratio('discovery-warm', 'cpu')];
    const warmTarget = tree.n >= 20000 ? `target ≤ 0.1: ${verdict(warm[0] <= 0.1)}` : 'the target is set at N = 20,000';
    const driver = tree.results['driver-manager'].modules;
    push(
      `- N = ${tree.n}: cold ${fmt(cold[0], 2)}x floor, ${fmt(cold[1], 2)}x in CPU time (target ≤ 0.8: ` +
        `${verdict(cold[0] <= 0.8)}); warm ${fmt(warm[0], 3)}x floor, ${fmt(warm[1], 3)}x in CPU time ` +
        `(${warmTarget}); DriverManager required ${driver} ` +
        `module${driver === 1 ? '' : 's'} (target 1: ${verdict(driver === 1)}).`,
    );
  }
  // The difference of two whole-process medians drowns in the noise of process start-up; the
  // time of the require() inside the process is the steadier (and the larger) measure.
  const added = Math.max(bareImport.median - bare.median, importCost.ms.median);
  push(
    `- Importing the library adds ${fmt(added)} ms to \`node -e ''\` (the larger of the two measures above; ` +
      `target < 10: ${verdict(added < 10)}).`,
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
  const largest = Math.max(...options.sizes);
  const sparse = benchTree(options, largest, bare, {
    share: 0.01,
    scenarios: ['floor-read', 'discovery-cold', 'discovery-warm'],
  });
  const text = report(options, info, bare, bareImport, trees, sparse);
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, text);
  process.stdout.write(`${text}\nWritten to ${path.relative(process.cwd(), options.out) || options.out}\n`);
}

main();
