// One benchmark measurement in a fresh process. Run through a stub inside the
// tree's application folder (so that the default registry's root is the
// application), with: BENCH_SCENARIO, BENCH_DIST (the built library), BENCH_GROUP,
// BENCH_DRIVER. Prints one JSON line: { ms, rssKiB, heapKiB, ... }.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const scenario = process.env.BENCH_SCENARIO;
const dist = process.env.BENCH_DIST;
const group = process.env.BENCH_GROUP;
const root = path.dirname(process.argv[1]);

/** Every package folder in node_modules, as a bare script would find them. */
function packageFolders() {
  const folders = [];
  const nodeModules = path.join(root, 'node_modules');
  for (const name of fs.readdirSync(nodeModules)) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      for (const scoped of fs.readdirSync(path.join(nodeModules, name)))
        folders.push(path.join(nodeModules, name, scoped));
    } else {
      folders.push(path.join(nodeModules, name));
    }
  }
  return folders;
}

function heapUsed() {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

const scenarios = {
  /** Reads and parses every package.json: what any discovery that parses everything pays. */
  'floor-read'() {
    let declaring = 0;
    for (const folder of packageFolders()) {
      const data = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
      if (data.entryPoints) declaring += 1;
    }
    return { found: declaring };
  },
  /** Only stats every package.json. */
  'floor-stat'() {
    let found = 0;
    for (const folder of packageFolders()) if (fs.statSync(path.join(folder, 'package.json')).isFile()) found += 1;
    return { found };
  },
  import() {
    require(dist);
    return {};
  },
  'discovery-nocache'(lib) {
    const registry = new lib.Registry({ cache: false });
    return { found: registry.entryPoints(group).length, cache: registry.cacheStatus, keep: registry };
  },
  discovery(lib) {
    const registry = new lib.Registry();
    const found = registry.entryPoints(group).length;
    return { found, cache: registry.cacheStatus, watched: registry.scan().watch.length, keep: registry };
  },
  'extension-manager'(lib) {
    const manager = new lib.ExtensionManager(group);
    return { found: manager.extensions.length, cache: lib.defaultRegistry.cacheStatus, keep: manager };
  },
  'driver-manager'(lib) {
    const manager = new lib.DriverManager(group, process.env.BENCH_DRIVER);
    if (!manager.driver) throw new Error('no driver');
    return { found: manager.extensions.length, cache: lib.defaultRegistry.cacheStatus, keep: manager };
  },
};

const run = scenarios[scenario];
if (!run) throw new Error(`unknown scenario ${scenario}`);
const lib = scenario === 'import' || scenario.startsWith('floor') ? null : require(dist);
const inTree = path.join(root, 'node_modules') + path.sep;
const modulesBefore = Object.keys(require.cache).filter((file) => file.startsWith(inTree)).length;
const heapBefore = heapUsed();
const cpuStarted = process.cpuUsage();
const started = performance.now();
const result = run(lib);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
const heapAfter = heapUsed();
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
    heapKiB: Math.round((heapAfter - heapBefore) / 1024),
  })}\n`,
);
