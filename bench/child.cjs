// One benchmark measurement of the library in a fresh process. Run through a
// stub inside the tree's application folder (so that the default registry's
// root is the application), with: BENCH_SCENARIO, BENCH_DIST (the built
// library), BENCH_GROUP, BENCH_DRIVER (an entry point name of the group).
// Prints one JSON line: { ms, cpuMs, found, cache, watched, modules, rssKiB }.
'use strict';
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const scenario = process.env.BENCH_SCENARIO;
const dist = process.env.BENCH_DIST;
const group = process.env.BENCH_GROUP;
const root = path.dirname(process.argv[1]);

const scenarios = {
  /** `require()` of the library, inside the process. */
  require() {
    require(dist);
    return {};
  },
  /** The first start: no cache (cache: false). */
  'cold-off'(lib) {
    const registry = new lib.Registry({ cache: false });
    return { found: registry.entryPoints(group).length, cache: registry.cacheStatus, keep: registry };
  },
  /** The default registry's start: a scan stored (empty cache), or a cached scan (warm). */
  discovery(lib) {
    const registry = new lib.Registry();
    const found = registry.entryPoints(group).length;
    return { found, cache: registry.cacheStatus, watched: registry.scan().watch.length, keep: registry };
  },
  /** A driver: one entry point of the group loaded (warm). */
  driver(lib) {
    const manager = new lib.DriverManager(group, process.env.BENCH_DRIVER);
    if (!manager.driver) throw new Error('no driver');
    return { found: manager.extensions.length, cache: lib.defaultRegistry.cacheStatus, keep: manager };
  },
};

const run = scenarios[scenario];
if (!run) throw new Error(`unknown scenario ${scenario}`);
const lib = scenario === 'require' ? null : require(dist);
const inTree = path.join(root, 'node_modules') + path.sep;
const modulesBefore = Object.keys(require.cache).filter((file) => file.startsWith(inTree)).length;
const cpuStarted = process.cpuUsage();
const started = performance.now();
const result = run(lib);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
const modules = Object.keys(require.cache).filter((file) => file.startsWith(inTree)).length - modulesBefore;
process.stdout.write(
  `${JSON.stringify({
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    found: result.found ?? null,
    watched: result.watched ?? null,
    cache: result.cache ?? null,
    modules,
    rssKiB: process.resourceUsage().maxRSS,
  })}\n`,
);
