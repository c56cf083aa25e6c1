/**
 * Tracing (lib/tracing.ts, docs/observability.md): a real subscriber on the
 * `stevedore-ts:discover` and `stevedore-ts:load` tracing channels sees every
 * documented event with its documented context, and nothing is published
 * when nobody subscribes.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExtensionManager, LoadError, Registry } from '../lib/index';
import type { DiscoverTrace, LoadTrace } from '../lib/index';
import type { PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { DIST, ensureBuilt } from './support/dist';
import { runOk } from './support/processes';
import { tempDir, writeFiles } from './support/temp';

// The documented channel names, as a subscriber writes them.
const DISCOVER_CHANNEL = 'stevedore-ts:discover';
const LOAD_CHANNEL = 'stevedore-ts:load';

const GROUP = 'tracing.plugins';
const EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;
type EventName = (typeof EVENTS)[number];

interface Recorded<C> {
  /** Each event with a copy of the context as it was then (the channel passes one object, mutated). */
  events: { event: EventName; context: C; copy: Partial<C> }[];
  unsubscribe(): void;
}

/** Subscribes to every event of a tracing channel, as an APM tool does. */
function record<C extends object>(name: string): Recorded<C> {
  const channel = diagnosticsChannel.tracingChannel<unknown, C>(name);
  const events: Recorded<C>['events'] = [];
  const handlers = Object.fromEntries(
    EVENTS.map((event) => [event, (context: C) => events.push({ event, context, copy: { ...context } })]),
  ) as unknown as diagnosticsChannel.TracingChannelSubscribers<C>;
  channel.subscribe(handlers);
  return { events, unsubscribe: () => channel.unsubscribe(handlers) };
}

const trees: PackageTree[] = [];
afterAll(() => trees.forEach((t) => t.cleanup()));

function tree(): PackageTree {
  const t = createPackageTree({
    app: {
      name: 'app',
      entryPoints: { [GROUP]: { own: './own.js:own' } },
      files: { 'own.js': 'exports.own = "own";' },
    },
    packages: [
      {
        name: 'plugin-ok',
        entryPoints: { [GROUP]: { ok: './index.js:Plugin' }, 'other.group': { extra: './index.js' } },
        files: { 'index.js': 'exports.Plugin = class Plugin {};' },
      },
      {
        name: 'plugin-throws',
        entryPoints: { [GROUP]: { throws: './index.js' } },
        files: { 'index.js': 'throw new Error("broken at import");' },
      },
      { name: 'not-a-plugin' },
    ],
  });
  trees.push(t);
  return t;
}

let discover: Recorded<DiscoverTrace>;
let load: Recorded<LoadTrace>;
beforeEach(() => {
  discover = record<DiscoverTrace>(DISCOVER_CHANNEL);
  load = record<LoadTrace>(LOAD_CHANNEL);
});
afterEach(() => {
  discover.unsubscribe();
  load.unsubscribe();
});

describe('stevedore-ts:discover', () => {
  it('start and end around the scan; the counts and the cache status are set by end', () => {
    const t = tree();
    const scan = t.registry.scan();
    expect(discover.events.map((e) => e.event)).toEqual(['start', 'end']);
    const [start, end] = discover.events;
    expect(start.copy).toEqual({
      registry: t.registry,
      root: t.root,
      sources: t.registry.folders,
      cache: null,
      packages: 0,
      entryPoints: 0,
    });
    expect(start.context).toBe(end.context);
    expect(end.copy).toEqual({
      registry: t.registry,
      root: t.root,
      sources: t.registry.folders,
      cache: 'off',
      packages: 3,
      entryPoints: 4,
      result: scan,
    });
    expect(end.copy.sources).toContain(path.join(t.root, 'node_modules'));
  });

  it('once per scan: managers reuse it; refresh() scans, and traces, again', () => {
    const t = tree();
    new ExtensionManager(GROUP, { registry: t.registry, onLoadFailureCallback: () => undefined });
    new ExtensionManager(GROUP, { registry: t.registry, onLoadFailureCallback: () => undefined });
    expect(discover.events.filter((e) => e.event === 'start')).toHaveLength(1);
    t.registry.refresh();
    t.registry.entryPoints(GROUP);
    expect(discover.events.filter((e) => e.event === 'start')).toHaveLength(2);
  });

  it('reports the on-disk cache: a miss that is stored, then a hit', () => {
    // A committed tree: its files were written long before this run, so the cache may store its scan.
    const root = path.join(__dirname, 'fixtures', 'layouts', 'npm-flat');
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'stevedore-tracing-cache-'));
    try {
      const options = { root, paths: [path.join(root, 'node_modules')], cacheDir };
      new Registry(options).scan();
      new Registry(options).scan();
      const ends = discover.events.filter((e) => e.event === 'end').map((e) => e.copy);
      expect(ends.map((e) => e.cache)).toEqual(['stored', 'hit']);
      expect(ends[1]).toMatchObject({ root, sources: [path.join(root, 'node_modules')] });
      expect(ends[1].packages).toBe(ends[0].packages);
      expect(ends[1].entryPoints).toBe(ends[0].entryPoints);
      expect(ends[1].packages).toBeGreaterThan(0);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('error, then end, when the scan throws', () => {
    const t = tree();
    const failure = new Error('the file system failed');
    // A scan of real files does not throw (it reports); stand in for a failing file system.
    Object.assign(t.registry, {
      load: () => {
        throw failure;
      },
    });
    expect(() => t.registry.scan()).toThrow(failure);
    expect(discover.events.map((e) => [e.event, e.copy.error])).toEqual([
      ['start', undefined],
      ['error', failure],
      ['end', failure],
    ]);
  });
});

describe('stevedore-ts:load', () => {
  it('new Manager(): start and end around each require(), with error for a plugin that throws', () => {
    const t = tree();
    const failures: unknown[] = [];
    const manager = new ExtensionManager(GROUP, {
      registry: t.registry,
      onLoadFailureCallback: (_m, _ep, error) => failures.push(error),
    });
    expect(load.events.map((e) => [e.event, e.copy.name])).toEqual([
      ['start', 'own'],
      ['end', 'own'],
      ['start', 'ok'],
      ['end', 'ok'],
      ['start', 'throws'],
      ['error', 'throws'],
      ['end', 'throws'],
    ]);
    const entryPoints = t.registry.entryPoints(GROUP);
    expect(load.events[2].copy).toEqual({
      entryPoint: entryPoints[1],
      group: GROUP,
      name: 'ok',
      value: './index.js:Plugin',
      package: 'plugin-ok',
      mode: 'sync',
    });
    expect(load.events[3].copy.result).toBe(manager.extensions[1].plugin);
    expect(load.events[0].copy.package).toBe('app');
    expect(load.events[5].copy.error).toBe(failures[0]);
    expect(String(load.events[5].copy.error)).toContain('broken at import');
    expect(load.events[4].context).toBe(load.events[6].context);
  });

  it('Manager.create(): start and end when the load begins, asyncStart and asyncEnd when it settles', async () => {
    const t = tree();
    const failures: unknown[] = [];
    const manager = await ExtensionManager.create(GROUP, {
      registry: t.registry,
      onLoadFailureCallback: (_m, _ep, error) => failures.push(error),
    });
    expect(manager.names()).toEqual(['own', 'ok']);
    const byName = (name: string) => load.events.filter((e) => e.copy.name === name);
    expect(byName('ok').map((e) => e.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(byName('throws').map((e) => e.event)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(byName('ok')[0].copy).toMatchObject({ mode: 'async', package: 'plugin-ok', value: './index.js:Plugin' });
    expect(byName('ok')[2].copy.result).toBe(manager.extensions[1].plugin);
    expect(byName('throws')[2].copy.error).toBe(failures[0]);
    // The loads run concurrently: every one has started before the first settles.
    const order = load.events.map((e) => e.event);
    expect(order.lastIndexOf('start')).toBeLessThan(order.indexOf('asyncStart'));
  });

  it('nothing is traced for entry points that are not loaded (vetoed, incompatible, another group)', () => {
    const t = tree();
    t.install({
      name: 'plugin-incompatible',
      manifest: { peerDependencies: { 'absent-peer': '^1.0.0' } },
      entryPoints: { [GROUP]: { incompatible: './index.js' } },
      files: { 'index.js': '' },
    });
    t.registry.hooks.beforeLoad.tap('veto', (entryPoint) => (entryPoint.name === 'ok' ? false : undefined));
    const failures: string[] = [];
    new ExtensionManager(GROUP, {
      registry: t.registry,
      checkPeers: true,
      onLoadFailureCallback: (_m, entryPoint) => failures.push(entryPoint.name),
    });
    expect(failures).toEqual(['incompatible', 'throws']);
    expect(new Set(load.events.map((e) => e.copy.name))).toEqual(new Set(['own', 'throws']));
    new ExtensionManager('other.group', { registry: t.registry });
    expect(load.events.map((e) => e.copy.name)).toContain('extra');
  });

  it('a plugin without the declared attribute is an error too', () => {
    const t = tree();
    t.install({
      name: 'plugin-missing-attr',
      entryPoints: { [GROUP]: { noattr: './index.js:Nope' } },
      files: { 'index.js': '' },
    });
    t.registry.refresh();
    const failures = new Map<string, unknown>();
    new ExtensionManager(GROUP, {
      registry: t.registry,
      onLoadFailureCallback: (_m, entryPoint, error) => failures.set(entryPoint.name, error),
    });
    const noattr = load.events.filter((e) => e.copy.name === 'noattr');
    expect(noattr.map((e) => e.event)).toEqual(['start', 'error', 'end']);
    expect(noattr[1].copy.error).toBeInstanceOf(LoadError);
    expect(noattr[1].copy.error).toBe(failures.get('noattr'));
  });
});

describe('nobody subscribes', () => {
  it('publishes nothing once the subscriber is gone, and managers work as before', () => {
    discover.unsubscribe();
    load.unsubscribe();
    expect(diagnosticsChannel.tracingChannel(LOAD_CHANNEL).hasSubscribers).toBe(false);
    expect(diagnosticsChannel.tracingChannel(DISCOVER_CHANNEL).hasSubscribers).toBe(false);
    const t = tree();
    const manager = new ExtensionManager(GROUP, { registry: t.registry, onLoadFailureCallback: () => undefined });
    expect(manager.names()).toEqual(['own', 'ok']);
    expect(discover.events).toEqual([]);
    expect(load.events).toEqual([]);
  });

  it('a subscriber to one channel gets only its events', () => {
    discover.unsubscribe();
    const t = tree();
    new ExtensionManager(GROUP, { registry: t.registry, onLoadFailureCallback: () => undefined });
    expect(discover.events).toEqual([]);
    expect(load.events.length).toBeGreaterThan(0);
  });
});

describe('the start-up profile example of docs/observability.md', () => {
  it('runs as written in a real process (node -r) and prints the discovery and every load', () => {
    const doc = readFileSync(path.join(__dirname, '..', 'docs', 'observability.md'), 'utf8');
    const code = /<!-- profile-example -->\s*```js\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(code?.split('\n').length).toBeLessThan(20);
    ensureBuilt();
    const dir = tempDir('tracing-profile').dir;
    try {
      const app = path.join(dir, 'app');
      const plugin = (name: string, group: string, manifest: object, source: string) => ({
        [`app/node_modules/${name}/package.json`]: {
          name,
          version: '1.0.0',
          ...manifest,
          entryPoints: { [group]: { [name.slice(7)]: './index.js' } },
        },
        [`app/node_modules/${name}/index.js`]: source,
      });
      writeFiles(dir, {
        'stevedore-profile.cjs': code as string,
        'app/package.json': { name: 'app', version: '1.0.0' },
        ...plugin('plugin-csv', 'app.plugins', {}, 'module.exports = () => "csv";'),
        ...plugin('plugin-broken', 'app.plugins', {}, 'throw new Error("broken");'),
        // An ES module with top-level await: only create() loads it.
        ...plugin(
          'plugin-report',
          'app.reports',
          { type: 'module' },
          'await Promise.resolve();\nexport default () => "report";',
        ),
        'app/main.cjs': [
          'const { ExtensionManager } = require(process.env.STEVEDORE_DIST);',
          "new ExtensionManager('app.plugins', { onLoadFailureCallback() {} });",
          "ExtensionManager.create('app.reports').then((manager) => console.log('async:', manager.names().join()));",
        ].join('\n'),
      });
      const result = runOk(
        process.execPath,
        ['-r', path.join(dir, 'stevedore-profile.cjs'), path.join(app, 'main.cjs')],
        {
          cwd: app,
          env: { STEVEDORE_DIST: path.join(DIST, 'index.js'), STEVEDORE_CACHE: '0', NODE_PATH: undefined },
        },
      );
      expect(result.stdout).toContain('async: report');
      const rows = [
        ...result.stdout.matchAll(/│\s*\d+\s*│\s*'?([^'│]*?)'?\s*│\s*([\d.]+)\s*│\s*(true|false)\s*│/g),
      ].map(([, what, ms, ok]) => ({ what, ms: Number(ms), ok: ok === 'true' }));
      expect(Object.fromEntries(rows.map((row) => [row.what, row.ok]))).toEqual({
        [`discover ${app}: 3 entry points, cache off`]: true,
        'load app.plugins: csv (plugin-csv, sync)': true,
        'load app.plugins: broken (plugin-broken, sync)': false,
        'load app.reports: report (plugin-report, async)': true,
      });
      // Slowest first, as the example sorts them.
      expect(rows.map((row) => row.ms)).toEqual([...rows.map((row) => row.ms)].sort((a, b) => b - a));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
