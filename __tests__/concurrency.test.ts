/**
 * Concurrency and load: many managers at once in one process, and several
 * processes racing to build the same on-disk cache. Real node processes on
 * dist/ (ES modules with top-level await cannot load inside jest). The
 * fixture plugins count how often their module body runs.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from '../lib/registry';
import type { FixturePackage, PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { readCacheFile } from './support/cache-file';
import { DIST } from './support/cache-child';
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
    // The tree was just written: a clock ahead of time lets the racers store their scans (see isRacy in cache.ts).
    const cached = options({ cache: true, cacheDir, clockAheadMs: 60_000 });
    const racers = await Promise.all(
      Array.from({ length: 8 }, () => startLoader(cached, { DEBUG: 'stevedore:cache' })),
    );
    const first = essence(racers[0]);
    expect(first.managers).toEqual([{ loaded: NAMES, failures: [] }]);
    expect(first.loads).toEqual(LOADS);
    for (const racer of racers) expect(essence(racer)).toEqual(first);
    const files = readdirSync(cacheDir);
    expect(files.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const cacheFiles = files.filter((name) => name.endsWith('.json'));
    expect(cacheFiles).toHaveLength(1);
    expect([...readCacheFile(path.join(cacheDir, cacheFiles[0])).groups.keys()]).toEqual([GROUP]);
    // Every racer stored its scan (the last rename wins); none saw half a file.
    expect(racers.filter((racer) => /stevedore:cache stored/.test(racer.stderr)).length).toBeGreaterThan(0);
    expect(racers.map((racer) => racer.stderr).join('')).not.toMatch(/ignoring/);
    const late = await startLoader(cached, { DEBUG: 'stevedore:cache' });
    expect(late.stderr).toMatch(/stevedore:cache hit/);
    expect(essence(late)).toEqual(first);
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return (
    'identical entry points, extensions, warnings and one load per module in every process; one valid cache file ' +
    'and no temporary file left; the 9th process hit the cache and got the same result'
  );
});

describe('the on-disk cache under crashes and installs', () => {
  let work: PackageTree;
  /** The processes a case started: none outlives it, even when it fails or times out. */
  const children: ChildProcess[] = [];
  const started = <T extends ChildProcess>(child: T): T => {
    children.push(child);
    return child;
  };
  beforeEach(() => {
    work = createPackageTree({
      packages: [
        plugin('first'),
        plugin('@team/second'),
        ...Array.from({ length: 60 }, (_, i) => plugin(`filler-${i}`)),
      ],
    });
  });
  afterEach(async () => {
    const running = children.splice(0).filter((child) => child.exitCode === null && child.signalCode === null);
    await Promise.all(running.map((child) => new Promise((resolve) => child.once('close', resolve).kill('SIGKILL'))));
    work.cleanup();
  });

  /** What a registry without any cache finds now: [group, name, value, version]. */
  const truth = (): string[][] =>
    new Registry({ root: work.root, cache: false })
      .entryPoints()
      .map((ep) => [ep.group, ep.name, ep.value, ep.dist?.version ?? '']);

  report.case(
    '40 writers killed with SIGKILL mid-write (half a file written, before the rename, or at random)',
    async () => {
      const cacheDir = path.join(work.dir, 'cache');
      // Crashes at the worst moments, made certain: fs is patched before the library loads.
      const crash = path.join(work.dir, 'crash.cjs');
      writeFileSync(
        crash,
        `const fs = require('node:fs');
      const { openSync, writeFileSync, renameSync } = fs;
      const at = process.env.CRASH_AT;
      // Every process is a writer: none finds the file another has stored.
      fs.openSync = function (file, ...rest) {
        if (String(file).startsWith(${JSON.stringify(cacheDir + path.sep)}) && String(file).endsWith('.json')) {
          throw Object.assign(new Error('ENOENT: hidden'), { code: 'ENOENT' });
        }
        return openSync.call(fs, file, ...rest);
      };
      fs.writeFileSync = function (file, data, ...rest) {
        if (at === 'half' && String(file).endsWith('.tmp')) {
          writeFileSync.call(fs, file, String(data).slice(0, String(data).length >> 1), ...rest);
          process.kill(process.pid, 'SIGKILL');
        }
        return writeFileSync.call(fs, file, data, ...rest);
      };
      fs.renameSync = function (from, to) {
        if (at === 'rename' && String(from).endsWith('.tmp')) process.kill(process.pid, 'SIGKILL');
        return renameSync.call(fs, from, to);
      };`,
      );
      const kinds = ['half', 'rename', 'random', 'none'] as const;
      const writers = Array.from({ length: 40 }, (_, i) => kinds[i % 4]);
      const ends = await Promise.all(
        writers.map(
          (kind, i) =>
            new Promise<{ kind: string; signal: NodeJS.Signals | null; out: string }>((resolve) => {
              const child = started(
                spawn(process.execPath, ['-r', crash, '-e', registryScript(work.root, cacheDir)], {
                  env: { ...process.env, CRASH_AT: kind, NODE_PATH: '', DEBUG: '' },
                }),
              );
              let out = '';
              child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
              // Killed from outside at some moment of its start: before, during or after its scan and its write.
              if (kind === 'random') setTimeout(() => child.kill('SIGKILL'), (i * 37) % 400);
              child.on('close', (_status, signal) => resolve({ kind, signal, out }));
            }),
        ),
      );
      for (const end of ends.filter((e) => e.kind === 'half' || e.kind === 'rename'))
        expect(end.signal).toBe('SIGKILL');
      const finished = ends.filter((e) => e.kind === 'none');
      for (const end of finished) expect(JSON.parse(end.out)).toMatchObject({ found: truth() });
      // Whatever is at the cache file's name is whole: it reads, and what it serves is true.
      const cacheFiles = readdirSync(cacheDir).filter((name) => name.endsWith('.json'));
      expect(cacheFiles).toHaveLength(1);
      expect(readCacheFile(path.join(cacheDir, cacheFiles[0])).groups.get(GROUP)).toBeDefined();
      const ahead = (): number => Date.now() + 60_000;
      const reader = new Registry({ root: work.root, cacheDir, clock: ahead });
      expect(reader.entryPoints().map((ep) => [ep.group, ep.name, ep.value, ep.dist?.version ?? ''])).toEqual(truth());
      expect(reader.cacheStatus).toBe('hit');
      // The next store clears what the dead writers left.
      rmSync(path.join(cacheDir, cacheFiles[0]));
      const writer = new Registry({ root: work.root, cacheDir, clock: ahead });
      writer.entryPoints();
      expect(writer.cacheStatus).toBe('stored');
      expect(readdirSync(cacheDir)).toEqual(cacheFiles);
      return (
        'the 20 writers killed while writing (10 after writing half of their temporary file, 10 just before ' +
        'renaming it) and the 10 killed from outside at some moment of their start never left a partial cache ' +
        "file: what is at the file's name reads whole and agrees with a fresh scan, as do the 10 writers that " +
        'finished; the next store removed the temporary files the dead writers left'
      );
    },
    // Dozens of real processes: slow on a loaded machine, never stuck (each waits on progress, not time).
    180_000,
  );

  report.case(
    '16 processes starting over and over while packages are installed, upgraded, linked and removed',
    async () => {
      const cacheDir = path.join(work.dir, 'cache');
      const stop = path.join(work.dir, 'stop');
      // Which state the tree is in: "k" once the k-th change is done, "k+" while the next one is being made.
      const generation = path.join(work.dir, 'generation');
      const setGeneration = (value: string): void => {
        writeFileSync(`${generation}.tmp`, value);
        renameSync(`${generation}.tmp`, generation); // never seen half-written
      };
      setGeneration('0');
      const modules = path.join(work.root, 'node_modules');
      interface Round {
        cache: string;
        found: string[][];
        /** The generation when the start began, and when it was done. */
        from: string;
        to: string;
      }
      const rounds: Round[][] = Array.from({ length: 16 }, () => []);
      let waiting: { done: () => boolean; resolve: () => void } | null = null;
      const total = (): number => rounds.reduce((sum, list) => sum + list.length, 0);
      const racers = rounds.map(
        (list) =>
          new Promise<void>((resolve, reject) => {
            // The real clock: what the cache stores during the race is judged as in production.
            const child = started(
              spawn(process.execPath, ['-e', racerScript(work.root, cacheDir, stop, generation)], {
                env: { ...process.env, NODE_PATH: '', DEBUG: '' },
              }),
            );
            let buffered = '';
            child.stdout.on('data', (chunk: Buffer) => {
              buffered += chunk.toString();
              const lines = buffered.split('\n');
              buffered = lines.pop() as string;
              for (const line of lines) list.push(JSON.parse(line) as Round);
              if (waiting?.done()) waiting.resolve();
            });
            let err = '';
            child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
            child.on('close', (status, signal) =>
              status === 0 ? resolve() : reject(new Error(`a racer ended with ${status ?? signal}: ${err}`)),
            );
          }),
      );
      // A racer that ends before it is told to stop fails the wait at once, with how it ended (instead of the wait
      // running into the test's time limit), and never as an unhandled rejection.
      const endedEarly = new Promise<never>((_, reject) => {
        for (const racer of racers) {
          racer.then(() => reject(new Error('a racer ended before it was told to stop')), reject);
        }
      });
      endedEarly.catch(() => undefined);
      // What the race was waiting for, and what each racer last did: said when the test runs out of time.
      let waitingFor = 'the first cached start';
      const stuck = setTimeout(() => {
        const last = rounds.map((list) => {
          const round = list.at(-1);
          return round ? `${list.length} starts, last ${round.cache} ${round.from}->${round.to}` : 'no start yet';
        });
        process.stderr.write(`16-racer case still waiting for ${waitingFor}:\n  ${last.join('\n  ')}\n`);
      }, 150_000);
      stuck.unref();
      /** Waits until `done()` holds for what the racers reported (progress, not time). */
      const until = (done: () => boolean): Promise<void> =>
        Promise.race([
          new Promise<void>((resolve) => {
            waiting = { done, resolve };
            if (done()) resolve();
          }),
          endedEarly,
        ]);
      /** Waits until the racers together have started over `count` more times. */
      const progress = (count: number): Promise<void> => {
        const target = total() + count;
        return until(() => total() >= target);
      };
      const rewrite = (dir: string, manifest: object): void =>
        writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
      const linkedDir = path.join(work.dir, 'linked-src');
      mkdirSync(linkedDir);
      const steps: (() => void)[] = [];
      for (let cycle = 0; cycle < 2; cycle++) {
        const v = `${cycle + 1}.0.0`;
        steps.push(
          () => work.install(plugin(`added-${cycle}`)), // npm: a new folder
          () => work.install(plugin(`@team/scoped-${cycle}`)), // a scoped package into an existing scope
          () => {
            // Yarn: in place, with its state file
            rewrite(path.join(modules, 'first'), {
              name: 'first',
              version: v,
              entryPoints: { [GROUP]: { [`f${v}`]: './i.js' } },
            });
            writeFileSync(path.join(modules, '.yarn-state.yml'), `first@${v}\n`);
          },
          () => {
            rewrite(linkedDir, { name: 'linked', version: v, entryPoints: { [GROUP]: { [`l${v}`]: './i.js' } } });
            if (cycle === 0) symlinkSync(linkedDir, path.join(modules, 'linked'));
          },
          () => {
            // npm: the upgrade is a new folder renamed into place
            const staged = path.join(modules, '.second-staged');
            mkdirSync(staged);
            rewrite(staged, { name: '@team/second', version: v, entryPoints: { [GROUP]: { [`s${v}`]: './i.js' } } });
            rmSync(path.join(modules, '@team', 'second'), { recursive: true });
            renameSync(staged, path.join(modules, '@team', 'second'));
          },
          () => rmSync(path.join(modules, `added-${cycle}`), { recursive: true }),
        );
      }
      const states = [truth()];
      /** Waits until a racer has been served the tree as it stands from the cache: the next change must undo that. */
      const cached = (k: number): Promise<void> =>
        until(() =>
          rounds.some((list) => list.some((r) => r.cache === 'hit' && r.from === String(k) && r.to === r.from)),
        );
      await cached(0);
      for (const [k, step] of steps.entries()) {
        waitingFor = `a cached start after change ${k + 1}`;
        setGeneration(`${k}+`);
        step();
        states.push(truth());
        setGeneration(String(k + 1));
        await progress(16);
        await cached(k + 1);
      }
      const final = states[steps.length];
      const last = String(steps.length);
      waitingFor = 'every racer to start 3 times on the final tree';
      // Every racer starts over a few times on the final tree, from start to end.
      await until(() => rounds.every((list) => list.filter((r) => r.from === last && r.to === last).length >= 3));
      writeFileSync(stop, '');
      waitingFor = 'the racers to stop';
      await Promise.all(racers);
      clearTimeout(stuck);
      // Every start made while the tree stood still found what a fresh scan of that state finds, whether it was
      // served from the cache or not; a start that overlapped a change may have seen either side of it.
      const still = rounds.flat().filter((round) => round.from === round.to && !round.from.endsWith('+'));
      for (const round of still) expect(round).toEqual({ ...round, found: states[Number(round.from)] });
      const hits = still.filter((round) => round.cache === 'hit');
      expect(hits.length + still.filter((round) => round.cache === 'stored').length).toBeGreaterThan(0);
      // And what they left on disk agrees with a fresh scan.
      const after = new Registry({ root: work.root, cacheDir });
      expect(after.entryPoints().map((ep) => [ep.group, ep.name, ep.value, ep.dist?.version ?? ''])).toEqual(final);
      return (
        `16 processes started a registry over and over across ${steps.length} changes (npm-style installs, ` +
        'upgrades and removals, scoped packages added into an existing scope, Yarn in-place upgrades with its ' +
        'state file, a linked package edited): every start made while the tree stood still found what a fresh ' +
        'scan of that state finds, whether served from the cache or not, and so did the cache they left on disk'
      );
    },
    // Dozens of real processes: slow on a loaded machine, never stuck (each waits on progress, not time).
    180_000,
  );
});

/** A script that runs one registry over `root` with a clock a minute ahead and prints what it found. */
function registryScript(root: string, cacheDir: string): string {
  return `
    const { Registry } = require(${JSON.stringify(DIST)});
    const registry = new Registry({ root: ${JSON.stringify(root)}, cacheDir: ${JSON.stringify(cacheDir)},
      clock: () => Date.now() + 60000 });
    const found = registry.entryPoints().map((ep) => [ep.group, ep.name, ep.value, ep.dist ? ep.dist.version : '']);
    process.stdout.write(JSON.stringify({ found, cache: registry.cacheStatus }));`;
}

/**
 * A script that starts a registry over and over (a fresh one each time) until `stop` exists, one line each. Each
 * line is flushed before the next start: Node writes to a pipe asynchronously once it is full, and a loop that never
 * let the event loop run would keep its lines queued for good (the test would wait for them until its time limit).
 */
function racerScript(root: string, cacheDir: string, stop: string, generation: string): string {
  return `
    const { Registry } = require(${JSON.stringify(DIST)});
    const { existsSync, readFileSync } = require('node:fs');
    (async () => {
      while (!existsSync(${JSON.stringify(stop)})) {
        const from = readFileSync(${JSON.stringify(generation)}, 'utf8');
        const registry = new Registry({ root: ${JSON.stringify(root)}, cacheDir: ${JSON.stringify(cacheDir)} });
        const found = registry.entryPoints().map((ep) => [ep.group, ep.name, ep.value, ep.dist ? ep.dist.version : '']);
        const to = readFileSync(${JSON.stringify(generation)}, 'utf8');
        const line = JSON.stringify({ cache: registry.cacheStatus, found, from, to }) + '\\n';
        await new Promise((resolve) => process.stdout.write(line, resolve));
      }
    })();`;
}

function plugin(name: string): FixturePackage {
  return name.includes('filler')
    ? { name, files: { 'index.js': '' } }
    : { name, entryPoints: { [GROUP]: { [name.replace(/^@team\//, '')]: './i.js' } }, files: { 'i.js': '' } };
}
