// What tracing costs (`node bench/tracing.mjs [--quick] [--runs N] [--size N] [--iterations N] [--trees DIR]`, or
// `benchTracing(options)` from bench/run.mjs).
//
// Builds the library from lib/ twice with esbuild: as it is, and with the
// tracing module (lib/tracing.ts) replaced by pass-throughs, i.e. the tracing
// calls compiled out. Then measures the same code path with each build:
//
//   - discovery + load: a new Registry (`cache: false`) and a new
//     ExtensionManager over a synthetic tree: the scan and every plugin load;
//   - load: a new ExtensionManager over a registry that has scanned: only the
//     loading loop, where a traced call sits on every entry point;
//   - registered: the loading loop over in-process entry points, whose load
//     costs nearly nothing: the worst case for the relative cost of tracing.
//
// Each process loads both builds and runs the scenario many times with each in
// turn (the plugins' modules are in require's cache after the first run), and
// reports each build's median CPU time of one run: processes with nobody
// subscribed compare the compiled-out build with the traced one; processes with
// a subscriber on both channels compare it with the traced one subscribed (what
// tracing costs when it is used). The table shows the medians over the
// processes, and each ratio to the compiled-out build in the same process.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reuseOrGenerateTree } from './gen_node_modules.mjs';

const GROUP = 'bench.plugins';

/**
 * A Python-parity tree of `n` packages from the shared generator: its root and plugin count. It is bench/run.mjs's
 * Python-parity tree of the same size (same place, same generator options), reused when there.
 */
function buildTree(trees, n) {
  const root = path.join(trees, 'parity', String(n));
  return { root, plugins: reuseOrGenerateTree({ n, k: 0.2, out: root }).plugin_entry_points };
}

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const projectDir = path.dirname(benchDir);
const require = createRequire(import.meta.url);

/** The three builds/settings compared; `untraced` is the baseline. */
export const VARIANTS = [
  ['untraced', 'tracing compiled out'],
  ['traced', 'traced, nobody subscribed'],
  ['subscribed', 'traced, a subscriber on both channels'],
];

/** How many in-process entry points the `registered` scenario loads. */
const REGISTERED = 1000;

const SCENARIOS = [
  ['discovery+load', 'new Registry ({ cache: false }) + new ExtensionManager: scan and load'],
  ['load', 'new ExtensionManager over a scanned registry: the loading loop only'],
  ['registered', `new ExtensionManager of ${REGISTERED} register()ed entry points: no file system (the worst case)`],
];

// The tracing module with every call made directly: what the library would be without tracing.
const UNTRACED = `
export const DISCOVER_CHANNEL = 'stevedore-ts:discover';
export const LOAD_CHANNEL = 'stevedore-ts:load';
export function traceDiscover(registry, load) { return load.call(registry); }
export function traceLoad(entryPoint) { return entryPoint.load(); }
export function traceLoadAsync(entryPoint) { return entryPoint.loadAsync(); }
`;

// One process: BENCH_TRACED and BENCH_UNTRACED (the two builds), BENCH_ROOT (the tree), BENCH_SCENARIO,
// BENCH_ITERATIONS, BENCH_SUBSCRIBE. The compiled-out build and the traced one take turns run after run in
// the same process, so that a change in the load of the machine weighs on both alike. With BENCH_SUBSCRIBE=1
// a subscriber is on both channels for the whole process (subscribing and unsubscribing between runs would
// change the channels' shapes under the traced build's optimised code). Prints one JSON line: for each
// build, the median CPU time (user + system) and wall time of one run, in ms.
const CHILD = `'use strict';
const { performance } = require('node:perf_hooks');
const { tracingChannel } = require('node:diagnostics_channel');
const builds = { traced: require(process.env.BENCH_TRACED), untraced: require(process.env.BENCH_UNTRACED) };
const root = process.env.BENCH_ROOT;
const group = process.env.BENCH_GROUP;
const iterations = Number(process.env.BENCH_ITERATIONS);
const subscribe = process.env.BENCH_SUBSCRIBE === '1';
let events = 0;
if (subscribe) {
  const count = () => { events += 1; };
  const subscriber = { start: count, end: count, asyncStart: count, asyncEnd: count, error: count };
  for (const name of ['stevedore-ts:discover', 'stevedore-ts:load']) tracingChannel(name).subscribe(subscriber);
}
const variants = { untraced: { lib: builds.untraced }, [subscribe ? 'subscribed' : 'traced']: { lib: builds.traced } };
// Each scenario: what it prepares once per build (outside the measured runs), and one run.
const scenarios = {
  'discovery+load': {
    prepare() {},
    run: (lib) => new lib.ExtensionManager(group, { registry: new lib.Registry({ root, cache: false }) }),
  },
  load: {
    prepare(variant) {
      variant.scanned = new variant.lib.Registry({ root, cache: false });
      variant.scanned.scan();
    },
    run: (lib, variant) => new lib.ExtensionManager(group, { registry: variant.scanned }),
  },
  registered: {
    prepare(variant) {
      variant.registered = new variant.lib.Registry({ root, cache: false });
      for (let i = 0; i < ${REGISTERED}; i++) variant.registered.register('bench.registered', 'p' + i, i);
    },
    run: (lib, variant) => new lib.ExtensionManager('bench.registered', { registry: variant.registered }),
  },
};
const { prepare, run } = scenarios[process.env.BENCH_SCENARIO];
for (const variant of Object.values(variants)) {
  prepare(variant);
  variant.cpu = [];
  variant.wall = [];
}
const names = Object.keys(variants);
let found = null;
for (let i = 0; i < iterations * 1.25; i++) {
  const measured = i >= iterations / 4; // the first quarter warms up
  for (let k = 0; k < names.length; k++) {
    const variant = variants[names[(i + k) % names.length]];
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const loaded = run(variant.lib, variant).extensions.length;
    const used = process.cpuUsage(cpuStarted);
    const wall = performance.now() - started;
    if (found !== null && loaded !== found) throw new Error('the variants loaded different plugins');
    found = loaded;
    if (measured) {
      variant.cpu.push((used.user + used.system) / 1000);
      variant.wall.push(wall);
    }
  }
}
if (subscribe && events === 0) throw new Error('the subscriber saw no event');
const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
const result = { found };
for (const name of names) result[name] = { cpu: median(variants[name].cpu), wall: median(variants[name].wall) };
process.stdout.write(JSON.stringify(result) + '\\n');
`;

/** Builds lib/index.ts as one CommonJS file; `untraced` swaps lib/tracing.ts for the pass-throughs. */
function build(outfile, untraced, stubFile) {
  const esbuild = require('esbuild');
  const swapTracing = {
    name: 'compile-out-tracing',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.\/tracing$/ }, () => ({ path: stubFile }));
    },
  };
  return esbuild.build({
    entryPoints: [path.join(projectDir, 'lib', 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    plugins: untraced ? [swapTracing] : [],
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs the comparison and returns `{ size, plugins, results, markdown }`;
 * `results[scenario][variant]` holds `{ cpu, wall, ratio }`: the medians (over the processes) of each process's
 * median run, in ms, and of the ratio to the compiled-out build in the same process.
 *
 * @param {{ quick?: boolean, runs?: number, size?: number, iterations?: number, trees?: string,
 *   log?: (line: string) => void }} options `iterations`: the runs of each build in a process (default 40, quick 20).
 */
export async function benchTracing(options = {}) {
  const quick = options.quick ?? false;
  const size = options.size ?? (quick ? 300 : 1000);
  const rounds = options.runs ?? (quick ? 3 : 9);
  const iterations = options.iterations ?? (quick ? 20 : 40);
  const trees = options.trees ?? path.join(os.tmpdir(), 'stevedore-ts-bench');
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));

  const work = path.join(trees, 'tracing');
  mkdirSync(work, { recursive: true });
  const stubFile = path.join(work, 'untraced-tracing.mjs');
  writeFileSync(stubFile, UNTRACED);
  const libs = { traced: path.join(work, 'traced.js'), untraced: path.join(work, 'untraced.js') };
  await build(libs.traced, false, stubFile);
  await build(libs.untraced, true, stubFile);
  const childFile = path.join(work, 'child.cjs');
  writeFileSync(childFile, CHILD);

  const tree = buildTree(trees, size);
  log(`tracing: ${size} packages, ${tree.plugins} plugins, ${rounds} rounds of ${iterations} runs per process`);
  const env = { ...process.env, BENCH_ROOT: tree.root, BENCH_GROUP: GROUP, BENCH_ITERATIONS: String(iterations) };
  for (const name of ['NODE_PATH', 'STEVEDORE_CACHE', 'DEBUG', 'NODE_OPTIONS']) delete env[name];

  const samples = {};
  for (const [scenario] of SCENARIOS) samples[scenario] = Object.fromEntries(VARIANTS.map(([v]) => [v, []]));
  // Round 0 is a warm-up (file system caches; a quick run, a smoke check, has none); then, per scenario, a
  // process without a subscriber (compiled out vs traced) and one with (compiled out vs subscribed).
  for (let round = quick ? 1 : 0; round <= rounds; round++) {
    for (const [scenario] of SCENARIOS) {
      for (const subscribe of [false, true]) {
        const child = spawnSync(process.execPath, [childFile], {
          env: {
            ...env,
            BENCH_SCENARIO: scenario,
            BENCH_TRACED: libs.traced,
            BENCH_UNTRACED: libs.untraced,
            BENCH_SUBSCRIBE: subscribe ? '1' : '0',
          },
          encoding: 'utf8',
        });
        if (child.status !== 0) throw new Error(`${scenario} failed:\n${child.stderr}`);
        const data = JSON.parse(child.stdout.trim().split('\n').pop());
        const expected = scenario === 'registered' ? REGISTERED : tree.plugins;
        if (data.found !== expected) throw new Error(`${scenario} loaded ${data.found} plugins, not ${expected}`);
        if (round === 0) continue;
        for (const [variant] of VARIANTS) {
          if (!data[variant] || (variant === 'untraced' && subscribe)) continue;
          // Compared within the process, run against run: the ratio to the compiled-out build.
          samples[scenario][variant].push({ ...data[variant], ratio: data[variant].cpu / data.untraced.cpu });
        }
      }
    }
    log(`  round ${round}${round === 0 ? ' (warm-up)' : ''} done`);
  }

  const results = {};
  for (const [scenario] of SCENARIOS) {
    results[scenario] = Object.fromEntries(
      VARIANTS.map(([v]) => [
        v,
        {
          cpu: median(samples[scenario][v].map((s) => s.cpu)),
          wall: median(samples[scenario][v].map((s) => s.wall)),
          ratio: median(samples[scenario][v].map((s) => s.ratio)),
        },
      ]),
    );
  }
  const fmt = (ms) => ms.toFixed(2);
  const lines = [
    `Tracing (bench/tracing.mjs): ${size} packages, ${tree.plugins} plugins, Node ${process.version}. ` +
      `CPU time (user + system) of one run: median over ${rounds} processes of each process's median of ` +
      `${iterations} runs (wall time in parentheses; on a loaded machine it also counts time spent waiting for a core). ` +
      'Ratios: to the compiled-out build in the same process, median over the processes.',
    '',
    '| scenario | compiled out (ms) | traced, no subscriber (ms) | ratio | traced, subscribed (ms) | ratio |',
    '|---|---:|---:|---:|---:|---:|',
    ...SCENARIOS.map(([scenario, label]) => {
      const r = results[scenario];
      const cell = (v) => `${fmt(v.cpu)} (${fmt(v.wall)})`;
      return (
        `| ${label} | ${cell(r.untraced)} | ${cell(r.traced)} | ${r.traced.ratio.toFixed(3)} | ` +
        `${cell(r.subscribed)} | ${r.subscribed.ratio.toFixed(3)} |`
      );
    }),
  ];
  return { size, plugins: tree.plugins, results, markdown: lines.join('\n') };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') options.quick = true;
    else if (argv[i] === '--runs') options.runs = Number(argv[++i]);
    else if (argv[i] === '--size') options.size = Number(argv[++i]);
    else if (argv[i] === '--iterations') options.iterations = Number(argv[++i]);
    else if (argv[i] === '--trees') options.trees = path.resolve(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  const { markdown } = await benchTracing(options);
  process.stdout.write(`${markdown}\n`);
}
