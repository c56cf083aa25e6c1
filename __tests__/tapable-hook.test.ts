/**
 * HookManager.toTapable()/tapInto(): a hook's extensions, loaded from a real
 * package tree, run with tapable's semantics.
 */
import { AsyncSeriesHook, SyncHook } from 'tapable';
import { HookManager } from '../lib/hook';
import { Registry } from '../lib/registry';
import { makeTestExtension } from '../lib/testing';
import type { PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { TAPABLE_KINDS, callableOf, extensionsToTapable, tapName } from '../lib/tapable-hook';

const GROUP = 'app.hooks';
type Log = string[] & { async?: boolean };

let tree: PackageTree;

beforeAll(() => {
  tree = createPackageTree({
    packages: [
      {
        // A plain function.
        name: 'hook-a',
        entryPoints: { [GROUP]: { build: './index.js' } },
        files: { 'index.js': 'module.exports = (value, log) => { log.push("a"); return `${value}-a`; };' },
      },
      {
        // A webpack-style plugin object: called through apply().
        name: 'hook-b',
        entryPoints: { [GROUP]: { build: './index.js:plugin' } },
        files: {
          'index.js': 'exports.plugin = { apply(value, log) { log.push("b"); return `${value}-b`; } };',
        },
      },
      {
        // A class: invoked on load, its instance is called through apply() or a named method.
        name: '@scope/hook-c',
        entryPoints: { [GROUP]: { build: './index.js:Plugin' } },
        files: {
          'index.js': [
            'exports.Plugin = class Plugin {',
            '  apply(value, log) { return this.run(value, log); }',
            '  run(value, log) {',
            '    if (!log.async) { log.push("c"); return `${value}-c`; }',
            '    return new Promise((resolve) => setImmediate(() => { log.push("c"); resolve(`${value}-c`); }));',
            '  }',
            '};',
          ].join('\n'),
        },
      },
      {
        name: 'hook-other',
        entryPoints: { [GROUP]: { other: './index.js' } },
        files: { 'index.js': 'module.exports = () => "other";' },
      },
    ],
  });
});

afterAll(() => tree.cleanup());

function manager(): HookManager<unknown> {
  return new HookManager(GROUP, 'build', { registry: tree.registry });
}

/** The hook-c extension with `obj` set, as invokeOnLoad would (hook-a and hook-b take no invocation). */
function invokedClass(hooks = manager()) {
  const extension = hooks.extensions.find((e) => e.entryPoint?.dist?.name === '@scope/hook-c')!;
  extension.obj = new extension.plugin();
  return extension;
}

test('each extension is tapped under package/name, in extension order', () => {
  const hook = manager().toTapable('SyncHook', ['value', 'log']);
  expect(hook.taps.map((tap) => tap.name)).toEqual(['@scope/hook-c/build', 'hook-a/build', 'hook-b/build']);
});

test('SyncHook calls every extension; SyncBailHook stops at the first result; SyncWaterfallHook threads the value', () => {
  const hooks = manager();
  const withoutClass = hooks.extensions.filter((e) => e.entryPoint?.dist?.name !== '@scope/hook-c');
  const log: Log = [];
  expect(extensionsToTapable('SyncHook', ['value', 'log'], withoutClass).call('x', log)).toBeUndefined();
  expect(log).toEqual(['a', 'b']);

  const classOnly = [invokedClass()];
  const bailLog: Log = [];
  const bail = extensionsToTapable('SyncBailHook', ['value', 'log'], [...classOnly, ...withoutClass]);
  expect(bail.call('x', bailLog)).toBe('x-c');
  expect(bailLog).toEqual(['c']);

  const waterfall = extensionsToTapable('SyncWaterfallHook', ['value', 'log'], [...withoutClass, ...classOnly]);
  const waterLog: Log = [];
  expect(waterfall.call('x', waterLog)).toBe('x-a-b-c');
  expect(waterLog).toEqual(['a', 'b', 'c']);
});

test('async hooks: series awaits each extension in turn; waterfall threads promised values; parallel calls all', async () => {
  const hooks = manager();
  // The class, invoked, stands first; a promise from it is awaited before the next runs.
  const classPlugin = invokedClass(hooks);
  expect(tapName(classPlugin)).toBe('@scope/hook-c/build');
  const ordered = [classPlugin, ...hooks.extensions.filter((e) => e !== classPlugin)];

  const log: Log = Object.assign([], { async: true });
  await extensionsToTapable('AsyncSeriesHook', ['value', 'log'], ordered).promise('x', log);
  expect([...log]).toEqual(['c', 'a', 'b']);

  const waterLog: Log = Object.assign([], { async: true });
  const waterfall = extensionsToTapable('AsyncSeriesWaterfallHook', ['value', 'log'], ordered);
  expect(await waterfall.promise('x', waterLog)).toBe('x-c-a-b');

  const parallelLog: Log = Object.assign([], { async: true });
  await extensionsToTapable('AsyncParallelHook', ['value', 'log'], ordered).promise('x', parallelLog);
  expect([...parallelLog].sort()).toEqual(['a', 'b', 'c']);
});

test('the method option calls a named method of each object', () => {
  const classOnly = [invokedClass()];
  const log: Log = [];
  expect(extensionsToTapable('SyncWaterfallHook', ['value', 'log'], classOnly, { method: 'run' }).call('x', log)).toBe(
    'x-c',
  );
  expect(() => callableOf(classOnly[0], { method: 'missing' })).toThrow(
    "extension '@scope/hook-c/build' has no method 'missing'",
  );
});

test('tapInto taps into an application hook next to its own taps; errors propagate as tapable does', async () => {
  const hooks = manager();
  const appHook = new SyncHook<[string, Log]>(['value', 'log']);
  appHook.tap('app', (_value, log) => void log.push('app'));
  const withoutClass = hooks.extensions.filter((e) => e.entryPoint?.dist?.name !== '@scope/hook-c');
  const appRegistry = new Registry({ root: tree.dir, paths: [], cache: false });
  for (const extension of withoutClass) appRegistry.register(GROUP, 'build', extension.plugin);
  new HookManager(GROUP, 'build', { registry: appRegistry }).tapInto(appHook);
  const log: Log = [];
  appHook.call('x', log);
  expect(log).toEqual(['app', 'a', 'b']);

  const failingRegistry = new Registry({ root: tree.dir, paths: [], cache: false });
  failingRegistry.register(GROUP, 'build', () => {
    throw new Error('plugin broke');
  });
  const series = new AsyncSeriesHook<[string]>(['value']);
  new HookManager(GROUP, 'build', { registry: failingRegistry }).tapInto(series);
  await expect(series.promise('x')).rejects.toThrow('plugin broke');
});

test('clear errors for an extension that cannot be called and for an unknown kind', () => {
  const notCallable = makeTestExtension('build', { name: 'just data' });
  expect(() => extensionsToTapable('SyncHook', [], [notCallable])).toThrow(
    "extension 'build' is neither a function nor an object with an apply() method",
  );
  expect(() => extensionsToTapable('NoSuchHook' as 'SyncHook', [], [])).toThrow(
    /unknown tapable hook kind 'NoSuchHook'/,
  );
  expect(TAPABLE_KINDS).toContain('AsyncSeriesBailHook');
});
