/**
 * Loading CommonJS and ES module plugins through managers:
 * the synchronous constructor, `create()` with real `import()` and
 * `loadTimeout`, and `mapAsync`. Jest's module system cannot load ES modules,
 * so these run the built library in real node processes.
 */
import { runModuleScript } from './support/processes';

// A package of plugins of every kind, written with createPackageTree as a user would.
const SETUP = `
  import { ExtensionManager, NamedExtensionManager, DriverManager } from $STEVEDORE;
  import { createPackageTree } from $TESTING;
  const tree = createPackageTree({
    packages: [
      {
        name: 'mixed-plugins',
        manifest: { type: 'module' },
        entryPoints: {
          'demo.plugins': {
            tla: './tla.js:Greeter',
            cjs: './cjs.cjs:greet',
            esm: './plain.js:default',
            broken: './broken.js',
            missing: './missing.js',
            never: './never.js:value',
          },
        },
        files: {
          'tla.js': "await new Promise((r) => setTimeout(r, 20));\\nexport class Greeter { constructor(who) { this.text = 'tla hello ' + who; } }",
          'cjs.cjs': "exports.greet = (who) => ({ text: 'cjs hello ' + who });",
          'plain.js': "export default function esmGreet(who) { return { text: 'esm hello ' + who }; }",
          'broken.js': "throw new Error('broken ESM plugin');",
          'never.js': 'await new Promise(() => {});\\nexport const value = 1;',
        },
      },
    ],
  });
  const warnings = [];
  process.on('warning', (w) => warnings.push({ code: w.code, message: w.message, detail: w.detail }));
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const failures = [];
  const onLoadFailureCallback = (manager, entryPoint, error) =>
    failures.push({ name: entryPoint.name, code: error.code, message: error.message });
  const registry = tree.registry;
`;

function run<T>(body: string): T {
  return runModuleScript<T>(SETUP + body);
}

test('the synchronous API loads CommonJS and ES modules, and fails top-level await naming create()', () => {
  const out = run<{
    names: string[];
    texts: string[];
    failures: { name: string; code: string; message: string }[];
    warnings: unknown[];
  }>(`
    const manager = new ExtensionManager('demo.plugins', { registry, onLoadFailureCallback, invokeOnLoad: true, invokeArgs: ['sync'] });
    await settle();
    console.log(JSON.stringify({ names: manager.names(), texts: manager.map((e) => e.obj.text), failures, warnings }));
    tree.cleanup();
  `);
  expect(out.names).toEqual(['cjs', 'esm']);
  expect(out.texts).toEqual(['cjs hello sync', 'esm hello sync']);
  const byName = Object.fromEntries(out.failures.map((failure) => [failure.name, failure]));
  expect(Object.keys(byName).sort()).toEqual(['broken', 'missing', 'never', 'tla']);
  for (const name of ['tla', 'never']) {
    expect(byName[name]).toMatchObject({
      code: 'STEVEDORE_ASYNC_MODULE',
      message: expect.stringContaining('create()'),
    });
  }
  expect(byName.broken.message).toBe('broken ESM plugin');
  expect(byName.missing.code).toBe('MODULE_NOT_FOUND');
  // Reported in one place: to the callback, so not as a warning too.
  expect(out.warnings).toEqual([]);
});

test('create() imports ES modules with top-level await; loadTimeout makes a never-settling plugin a load failure', () => {
  const out = run<{
    names: string[];
    texts: string[];
    mapped: string[];
    failures: { name: string; code: string; message: string }[];
    warnings: unknown[];
  }>(`
    // 500 ms: what 'never' waits out; the others load in a few milliseconds (tla awaits 20), even on a busy machine.
    const manager = await ExtensionManager.create('demo.plugins', {
      registry, onLoadFailureCallback, invokeOnLoad: true, invokeArgs: ['async'], loadTimeout: 500,
    });
    // Later extensions answer first: mapAsync still returns results in extension order.
    const mapped = await manager.mapAsync(async (extension, suffix) => {
      await new Promise((r) => setTimeout(r, extension.name === 'tla' ? 30 : 0));
      return extension.name + suffix;
    }, '!');
    await settle();
    console.log(JSON.stringify({ names: manager.names(), texts: manager.map((e) => e.obj.text), mapped, failures, warnings }));
    tree.cleanup();
  `);
  expect(out.names).toEqual(['tla', 'cjs', 'esm']);
  expect(out.texts).toEqual(['tla hello async', 'cjs hello async', 'esm hello async']);
  expect(out.mapped).toEqual(['tla!', 'cjs!', 'esm!']);
  const byName = Object.fromEntries(out.failures.map((failure) => [failure.name, failure]));
  expect(Object.keys(byName).sort()).toEqual(['broken', 'missing', 'never']);
  expect(byName.never).toMatchObject({
    code: 'STEVEDORE_LOAD_TIMEOUT',
    message: "entry point 'never' (./never.js:value) did not finish loading within 500 ms",
  });
  expect(byName.broken.message).toBe('broken ESM plugin');
  expect(out.warnings).toEqual([]);
});

test('create() of other managers, and a NamedExtensionManager never importing unnamed entry points', () => {
  const out = run<{ driver: string; named: string[]; failures: unknown[] }>(`
    const driver = await DriverManager.create('demo.plugins', 'tla', { registry, invokeOnLoad: true, invokeArgs: ['driver'] });
    const named = await NamedExtensionManager.create('demo.plugins', ['esm', 'tla'], { registry, onLoadFailureCallback, nameOrder: true });
    console.log(JSON.stringify({ driver: driver.driver.text, named: named.names(), failures }));
    tree.cleanup();
  `);
  expect(out).toEqual({ driver: 'tla hello driver', named: ['esm', 'tla'], failures: [] });
});

test('without a callback, each failure of create() is one one-line STEVEDORE_LOAD_FAILED warning', () => {
  const out = run<{ names: string[]; warnings: { code: string; message: string; detail: string }[] }>(`
    const manager = await ExtensionManager.create('demo.plugins', { registry, loadTimeout: 500 });
    await ExtensionManager.create('demo.plugins', { registry, loadTimeout: 500 });
    await settle();
    console.log(JSON.stringify({ names: manager.names(), warnings }));
    tree.cleanup();
  `);
  expect(out.names).toEqual(['tla', 'cjs', 'esm']);
  expect(out.warnings.map((warning) => warning.code)).toEqual([
    'STEVEDORE_LOAD_FAILED',
    'STEVEDORE_LOAD_FAILED',
    'STEVEDORE_LOAD_FAILED',
  ]);
  const broken = out.warnings.find((warning) => warning.message.includes("'broken'"));
  expect(broken?.message).toMatch(
    /^Could not load 'broken' \(demo\.plugins: \.\/broken\.js\) from mixed-plugins \(.*\/node_modules\/mixed-plugins\/package\.json\): broken ESM plugin$/,
  );
  // One line per problem: the stack goes to DEBUG=stevedore:manager, the error itself to a callback.
  expect(out.warnings.map((warning) => warning.detail)).toEqual([undefined, undefined, undefined]);
  expect(out.warnings.every((warning) => !warning.message.includes('\n'))).toBe(true);
});

test('create() calls the registry hooks: a vetoed plugin is never imported', () => {
  const out = run<{ names: string[]; before: string[]; after: string[]; failed: string[] }>(`
    const before = [], after = [], failed = [];
    registry.hooks.beforeLoad.tap('test', (entryPoint) => {
      before.push(entryPoint.name);
      // Vetoing the plugins that fail shows they are never imported: no failure is reported for them.
      return ['broken', 'never', 'missing'].includes(entryPoint.name) ? false : undefined;
    });
    registry.hooks.afterLoad.tap('test', (extension) => after.push(extension.name));
    registry.hooks.loadFailure.tap('test', (entryPoint) => failed.push(entryPoint.name));
    const manager = await ExtensionManager.create('demo.plugins', { registry, onLoadFailureCallback });
    console.log(JSON.stringify({ names: manager.names(), before, after, failed: [...failed, ...failures.map((f) => f.name)] }));
    tree.cleanup();
  `);
  expect(out).toEqual({
    names: ['tla', 'cjs', 'esm'],
    before: ['tla', 'cjs', 'esm', 'broken', 'missing', 'never'],
    after: ['tla', 'cjs', 'esm'],
    failed: [],
  });
});
