/**
 * What the TypeScript API adds to stevedore's: `create()` on every manager
 * class, `mapAsync`, `items()` and iteration, `errorOnConflict` as a
 * resolver, `invokeKwds`, how plugins are invoked, `DriverManager.driver` /
 * `call`, `HookManager.get` and `NameDispatchExtensionManager.byName`.
 */
import {
  DispatchExtensionManager,
  DriverManager,
  EnabledExtensionManager,
  Extension,
  ExtensionManager,
  HookManager,
  KeyError,
  MultipleMatches,
  NameDispatchExtensionManager,
  NamedExtensionManager,
  NoMatches,
  errorOnConflict,
} from '../lib';
import { createPackageTree, makeTestExtension } from '../lib/testing';
import type { PackageTree } from '../lib/testing';
import type { Faux } from './support/stevedore-app';
import { NAMESPACE, stevedoreAppRegistry, testExtensionModule, thrown } from './support/stevedore-app';
import type { WarningRecorder } from './support/warnings';
import { recordWarnings } from './support/warnings';

let captured: WarningRecorder<'code' | 'message'>;
beforeEach(() => {
  captured = recordWarnings(['code', 'message']);
});
afterEach(() => jest.restoreAllMocks());

const trees: PackageTree[] = [];
afterAll(() => trees.forEach((tree) => tree.cleanup()));

/** A package tree with one package, `plugins`, whose entry points and files are given. */
function pluginTree(entryPoints: Record<string, Record<string, string>>, files: Record<string, string>): PackageTree {
  const tree = createPackageTree({ packages: [{ name: 'plugins', entryPoints, files }] });
  trees.push(tree);
  return tree;
}

describe('create() on every manager class', () => {
  const invoked = { invokeOnLoad: true, invokeArgs: ['a'], invokeKwds: { b: 'B' } };

  test('ExtensionManager.create loads like the constructor and reports the same failures', async () => {
    const failures: string[] = [];
    const em = await ExtensionManager.create<ExtensionManager<Faux>, [string, object]>(NAMESPACE, {
      registry: stevedoreAppRegistry(),
      ...invoked,
      onLoadFailureCallback: (_manager: unknown, entryPoint: { name: string }) => failures.push(entryPoint.name),
    });
    expect(em).toBeInstanceOf(ExtensionManager);
    expect(em.names()).toEqual(['t1', 't2']);
    expect(em.get('t1').obj).toMatchObject({ args: ['a'], kwds: { b: 'B' } });
    expect(failures.sort()).toEqual(['e1', 'e2']);
  });

  test('NamedExtensionManager.create keeps the name order', async () => {
    const em = await NamedExtensionManager.create(NAMESPACE, ['t2', 't1'], {
      registry: stevedoreAppRegistry(),
      nameOrder: true,
    });
    expect(em).toBeInstanceOf(NamedExtensionManager);
    expect(em.names()).toEqual(['t2', 't1']);
  });

  test('EnabledExtensionManager.create applies the check', async () => {
    const em = await EnabledExtensionManager.create(NAMESPACE, (ext) => ext.name === 't2', {
      registry: stevedoreAppRegistry(),
    });
    expect(em).toBeInstanceOf(EnabledExtensionManager);
    expect(em.names()).toEqual(['t2']);
  });

  test('DispatchExtensionManager.create and NameDispatchExtensionManager.create', async () => {
    const dispatch = await DispatchExtensionManager.create(NAMESPACE, () => true, {
      registry: stevedoreAppRegistry(),
      ...invoked,
    });
    expect(dispatch).toBeInstanceOf(DispatchExtensionManager);
    expect(
      dispatch.map(
        (ext) => ext.name === 't1',
        (ext) => ext.name,
      ),
    ).toEqual(['t1']);

    const byName = await NameDispatchExtensionManager.create(NAMESPACE, () => true, {
      registry: stevedoreAppRegistry(),
      ...invoked,
    });
    expect(byName).toBeInstanceOf(NameDispatchExtensionManager);
    expect(byName.map(['t2'], (ext) => ext.name)).toEqual(['t2']);
    expect(Object.keys(byName.byName).sort()).toEqual(['t1', 't2']);
  });

  test('DriverManager.create loads the driver, and rejects when it cannot', async () => {
    const dm = await DriverManager.create<DriverManager<Faux>, [string, string, object]>(NAMESPACE, 't1', {
      registry: stevedoreAppRegistry(),
      ...invoked,
    });
    expect(dm).toBeInstanceOf(DriverManager);
    expect(dm.driver).toBeInstanceOf(testExtensionModule.FauxExtension);
    await expect(DriverManager.create(NAMESPACE, 'e2', { registry: stevedoreAppRegistry() })).rejects.toMatchObject({
      code: 'MODULE_NOT_FOUND',
    });
    await expect(DriverManager.create(NAMESPACE, 'nope', { registry: stevedoreAppRegistry() })).rejects.toThrow(
      NoMatches,
    );
  });

  test('HookManager.create', async () => {
    const hm = await HookManager.create(NAMESPACE, 't2', { registry: stevedoreAppRegistry() });
    expect(hm).toBeInstanceOf(HookManager);
    expect(hm.get('t2').map((ext) => ext.plugin)).toEqual([testExtensionModule.FauxExtension]);
  });

  test('create() awaits invoked plugins that return a promise', async () => {
    const tree = pluginTree(
      { 'additions.async': { slow: './slow.js:makeSlow' } },
      { 'slow.js': 'exports.makeSlow = async (name) => ({ greeting: `hello ${name}` });' },
    );
    const em = await ExtensionManager.create('additions.async', {
      registry: tree.registry,
      invokeOnLoad: true,
      invokeArgs: ['world'],
    });
    expect(em.get('slow').obj).toEqual({ greeting: 'hello world' });
  });
});

describe('mapAsync', () => {
  const extensions = [makeTestExtension('first', null), makeTestExtension('second', null)];

  test('returns the results in extension order, whatever order they settle in', async () => {
    const em = ExtensionManager.makeTestInstance(extensions);
    const release = new Map<string, () => void>();
    const settled: string[] = [];
    const pending = em.mapAsync(
      (ext, suffix: string) =>
        new Promise<string>((resolve) =>
          release.set(ext.name, () => {
            settled.push(ext.name);
            resolve(ext.name + suffix);
          }),
        ),
      '!',
    );
    // Every call has started; settle them in reverse order.
    expect([...release.keys()]).toEqual(['first', 'second']);
    release.get('second')!();
    await Promise.resolve();
    release.get('first')!();
    expect(await pending).toEqual(['first!', 'second!']);
    expect(settled).toEqual(['second', 'first']);
  });

  test('reports and skips rejections, or propagates them when asked', async () => {
    const failing = async (ext: Extension<unknown>): Promise<string> => {
      if (ext.name === 'first') throw new Error('first failed');
      return ext.name;
    };
    expect(await ExtensionManager.makeTestInstance(extensions).mapAsync(failing)).toEqual(['second']);
    expect(captured.warnings).toEqual([
      { code: 'STEVEDORE_MAP_ERROR', message: "error calling 'first': first failed" },
    ]);

    const strict = ExtensionManager.makeTestInstance(extensions, { propagateMapExceptions: true });
    await expect(strict.mapAsync(failing)).rejects.toThrow('first failed');
  });

  test('throws NoMatches without extensions', async () => {
    await expect(
      ExtensionManager.makeTestInstance([], { namespace: 'empty.ns' }).mapAsync(async () => 1),
    ).rejects.toThrow('No empty.ns extensions found');
  });
});

describe('items(), iteration and conflicts', () => {
  const first = makeTestExtension('dup', 'first');
  const other = makeTestExtension('single', 'single');
  const second = makeTestExtension('dup', 'second');

  test('items() is an array of [name, extension], one per name', () => {
    const em = ExtensionManager.makeTestInstance([first, other, second]);
    expect(em.items()).toEqual([
      ['dup', second],
      ['single', other],
    ]);
    // The default resolver picks the last one, and says so once.
    expect(captured.warnings.map((warning) => warning.code)).toEqual(['STEVEDORE_CONFLICT']);
  });

  test('iterating yields every extension, duplicates included, in map() order', () => {
    const em = ExtensionManager.makeTestInstance([first, other, second]);
    const seen: Extension<unknown>[] = [];
    for (const extension of em) seen.push(extension);
    expect(seen).toEqual([first, other, second]);
    expect([...em]).toEqual(em.extensions);
  });

  test('errorOnConflict as the resolver makes get() and items() throw MultipleMatches', () => {
    const em = ExtensionManager.makeTestInstance([first, other, second], { conflictResolver: errorOnConflict });
    const error = thrown(() => em.get('dup'));
    expect(error).toBeInstanceOf(MultipleMatches);
    expect(error.message).toMatch(/'dup' command in TESTING namespace/);
    expect(() => em.items()).toThrow(MultipleMatches);
    // Names without a conflict are still reachable through map() and has().
    expect(em.has('single')).toBe(true);
  });
});

describe('invoking plugins', () => {
  const tree = (): PackageTree =>
    pluginTree(
      {
        'additions.invoke': {
          cls: './kinds.js:Cls',
          es5: './kinds.js:Es5',
          es5bare: './kinds.js:Es5Bare',
          func: './kinds.js:factory',
          arrow: './kinds.js:arrow',
          value: './kinds.js:notCallable',
        },
      },
      {
        'kinds.js': `
          class Cls { constructor(...args) { this.args = args; } }
          function Es5(...args) { this.args = args; }
          Es5.prototype.describe = function () { return 'es5'; };
          function Es5Bare(...args) { if (!(this instanceof Es5Bare)) throw new Error('called without new'); this.args = args; }
          function factory(...args) { return { madeBy: 'factory', args, newTarget: new.target === undefined ? null : 'new' }; }
          const arrow = (...args) => ({ madeBy: 'arrow', args });
          module.exports = { Cls, Es5, Es5Bare, factory, arrow, notCallable: { a: 1 } };
        `,
      },
    );

  test('a class is constructed with new, a function is called, ES5 constructors are constructed', () => {
    const failures: [string, unknown][] = [];
    const em = new ExtensionManager('additions.invoke', {
      registry: tree().registry,
      invokeOnLoad: true,
      invokeArgs: [1, 2],
      onLoadFailureCallback: (_manager, entryPoint, error) => failures.push([entryPoint.name, error]),
    });
    const obj = (name: string): Record<string, unknown> => em.get(name).obj as Record<string, unknown>;
    expect(obj('cls')).toBeInstanceOf(em.get('cls').plugin);
    expect(obj('cls').args).toEqual([1, 2]);
    expect(obj('es5')).toBeInstanceOf(em.get('es5').plugin);
    expect((obj('es5') as unknown as { describe(): string }).describe()).toBe('es5');
    expect(obj('es5bare')).toBeInstanceOf(em.get('es5bare').plugin);
    expect(obj('func')).toEqual({ madeBy: 'factory', args: [1, 2], newTarget: null });
    expect(obj('arrow')).toEqual({ madeBy: 'arrow', args: [1, 2] });
    // A plugin that is not callable cannot be invoked: a load failure, with a reason.
    expect(em.has('value')).toBe(false);
    expect(failures).toEqual([['value', expect.objectContaining({ name: 'TypeError' })]]);
    expect((failures[0][1] as Error).message).toMatch(/not a function or class/);
  });

  test('invokeKwds is appended as one final argument only when it has keys', () => {
    const registry = stevedoreAppRegistry();
    const names = ['t1'];
    const withoutKwds = new NamedExtensionManager<Faux>(NAMESPACE, names, {
      registry,
      invokeOnLoad: true,
      invokeArgs: ['a'],
      invokeKwds: {},
    });
    expect(withoutKwds.get('t1').obj!.args).toEqual(['a']);
    expect(withoutKwds.get('t1').obj!.kwds).toEqual({});

    const withKwds = new NamedExtensionManager<Faux>(NAMESPACE, names, {
      registry,
      invokeOnLoad: true,
      invokeArgs: ['a', 'b'],
      invokeKwds: { c: 'C' },
    });
    expect(withKwds.get('t1').obj!.args).toEqual(['a', 'b']);
    expect(withKwds.get('t1').obj!.kwds).toEqual({ c: 'C' });

    const spy = jest.fn();
    const registered = stevedoreAppRegistry();
    registered.register('additions.kwds', 'spy', spy);
    new ExtensionManager('additions.kwds', { registry: registered, invokeOnLoad: true, invokeKwds: { only: 1 } });
    expect(spy).toHaveBeenCalledWith({ only: 1 });
  });
});

describe('DriverManager.driver and call()', () => {
  test('driver is the invoked object, else the plugin itself', () => {
    const plugin = class Backend {};
    const made = new plugin();
    expect(DriverManager.makeTestInstance(makeTestExtension('backend', plugin)).driver).toBe(plugin);
    expect(DriverManager.makeTestInstance(makeTestExtension('backend', plugin, made)).driver).toBe(made);
  });

  test('call() returns what func returned, or undefined when it failed', () => {
    const dm = DriverManager.makeTestInstance(makeTestExtension('backend', null, { port: 80 }));
    expect(dm.call((ext, offset: number) => (ext.obj as { port: number }).port + offset, 1)).toBe(81);
    expect(
      dm.call(() => {
        throw new Error('driver failed');
      }),
    ).toBeUndefined();
    expect(captured.warnings).toEqual([
      { code: 'STEVEDORE_MAP_ERROR', message: "error calling 'backend': driver failed" },
    ]);
  });

  test('several drivers of one name is MultipleMatches naming their entry points', () => {
    const tree = createPackageTree({
      packages: ['one', 'two'].map((name) => ({
        name: `driver-${name}`,
        entryPoints: { 'additions.drivers': { db: `./index.js:Driver` } },
        files: { 'index.js': `exports.Driver = class Driver${name} {};` },
      })),
    });
    trees.push(tree);
    const error = thrown(() => new DriverManager('additions.drivers', 'db', { registry: tree.registry }));
    expect(error).toBeInstanceOf(MultipleMatches);
    expect(error.message).toBe("Multiple 'additions.drivers' drivers found: ./index.js:Driver,./index.js:Driver");
  });
});

describe('HookManager.get', () => {
  test('returns every extension declared under the hook name, across packages, in order', () => {
    const tree = createPackageTree({
      packages: ['alpha', 'beta'].map((name) => ({
        name: `hook-${name}`,
        entryPoints: { 'additions.hooks': { on_start: './index.js:onStart', other: './index.js:onStart' } },
        files: { 'index.js': `exports.onStart = () => '${name} started';` },
      })),
    });
    trees.push(tree);
    const hm = new HookManager('additions.hooks', 'on_start', { registry: tree.registry });
    const hooks = hm.get('on_start');
    expect(hooks.map((ext) => ext.entryPoint!.dist!.name)).toEqual(['hook-alpha', 'hook-beta']);
    expect(hm.map((ext) => (ext.plugin as () => string)())).toEqual(['alpha started', 'beta started']);
    expect(thrown(() => hm.get('other'))).toBeInstanceOf(KeyError);
    expect(hm.hookName).toBe('on_start');
  });
});

describe('NameDispatchExtensionManager.byName', () => {
  test('names such as __proto__ and constructor are plain keys', () => {
    const tree = pluginTree(
      {
        'additions.names': {
          ['__proto__']: './names.js:proto',
          constructor: './names.js:ctor',
          plain: './names.js:plain',
        },
      },
      { 'names.js': "exports.proto = () => 'proto'; exports.ctor = () => 'ctor'; exports.plain = () => 'plain';" },
    );
    // A computed key makes `__proto__` an own property, so the package.json really declares it.
    expect(tree.registry.entryPoints('additions.names').map((entryPoint) => entryPoint.name)).toEqual([
      '__proto__',
      'constructor',
      'plain',
    ]);
    const em = new NameDispatchExtensionManager('additions.names', () => true, { registry: tree.registry });
    expect(Object.keys(em.byName)).toEqual(['__proto__', 'constructor', 'plain']);
    expect(em.byName['__proto__']).toBeInstanceOf(Extension);
    expect(em.byName['__proto__'].name).toBe('__proto__');
    expect(Object.getPrototypeOf(em.byName)).toBeNull();
    const call = (ext: Extension<unknown>): string => (ext.plugin as () => string)();
    // Inherited names (toString, hasOwnProperty) are not extensions: ignored like any unknown name.
    expect(em.map(['__proto__', 'toString', 'constructor', 'hasOwnProperty'], call)).toEqual(['proto', 'ctor']);
  });
});
