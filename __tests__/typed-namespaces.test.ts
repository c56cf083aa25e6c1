/**
 * Typed namespaces: declaring a namespace in the `Namespaces` interface (by
 * declaration merging) makes every manager infer its plugin type from the
 * namespace name. This file is checked by `tsc` (tsconfig.json includes
 * __tests__): the `@ts-expect-error` lines fail the build if a wrong type is
 * accepted. The runtime assertions run the same code against a real package.
 *
 * The namespace is deliberately unique to this file: the augmentation is
 * global to the compilation, and other tests use `app.formatters` untyped.
 */
import type { Extension } from '../lib';
import {
  DispatchExtensionManager,
  DriverManager,
  EnabledExtensionManager,
  ExtensionManager,
  HookManager,
  NameDispatchExtensionManager,
  NamedExtensionManager,
} from '../lib';
import { createPackageTree } from '../lib/testing';
import type { PackageTree } from '../lib/testing';
import { recordWarnings } from './support/warnings';

interface Formatter {
  format(data: Record<string, string>): string[];
}

declare module '../lib' {
  interface Namespaces {
    'typed-test.formatters': Formatter;
  }
}

/** True only when A and B are the same type. */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

let tree: PackageTree;
beforeAll(() => {
  tree = createPackageTree({
    packages: [
      {
        name: 'typed-formatters',
        entryPoints: { 'typed-test.formatters': { upper: './upper.js:Upper' } },
        files: {
          'upper.js': `exports.Upper = class Upper {
            format(data) { return Object.entries(data).map(([k, v]) => k + '=' + v.toUpperCase()); }
          };`,
        },
      },
    ],
  });
});
afterAll(() => tree.cleanup());

test('new ExtensionManager infers the plugin type from the namespace', () => {
  const em = new ExtensionManager('typed-test.formatters', { registry: tree.registry, invokeOnLoad: true });
  assertType<Equal<typeof em.extensions, Extension<Formatter>[]>>();
  const ext = em.get('upper');
  assertType<Equal<typeof ext, Extension<Formatter>>>();
  const obj: Formatter | undefined = ext.obj;
  assertType<Equal<typeof ext.obj, Formatter | undefined>>();
  // @ts-expect-error -- the object is a Formatter, not a number
  const wrong: number | undefined = ext.obj;
  void wrong;

  const lines = em.map((extension, data: Record<string, string>) => extension.obj!.format(data), { a: 'x' });
  assertType<Equal<typeof lines, string[][]>>();
  expect(lines).toEqual([['a=X']]);
  // What the compiler refuses fails at run time too (reported and skipped by map()).
  const { warnings, restore } = recordWarnings(['code', 'message']);
  // @ts-expect-error -- Formatter has no render()
  expect(em.map((extension) => extension.obj!.render())).toEqual([]);
  restore();
  expect(warnings).toEqual([
    { code: 'STEVEDORE_MAP_ERROR', message: "error calling 'upper': extension.obj.render is not a function" },
  ]);
  expect(obj!.format({ b: 'y' })).toEqual(['b=Y']);
});

test('ExtensionManager.create() infers it as new does', async () => {
  const em = await ExtensionManager.create('typed-test.formatters', { registry: tree.registry, invokeOnLoad: true });
  assertType<Equal<typeof em.extensions, Extension<Formatter>[]>>();
  expect(em.map((extension) => extension.obj!.format({ d: 'w' }))).toEqual([['d=W']]);
  // The subclasses' create() keeps their own constructor arguments.
  const named = await NamedExtensionManager.create('typed-test.formatters', ['upper'], { registry: tree.registry });
  expect(named).toBeInstanceOf(NamedExtensionManager);
  expect(named.names()).toEqual(['upper']);
  // Never called: it only has to fail to compile.
  // @ts-expect-error -- NamedExtensionManager.create() needs the names
  const withoutNames = () => NamedExtensionManager.create('typed-test.formatters', { registry: tree.registry });
  void withoutNames;
});

test("every manager class's create() infers it as its constructor does", async () => {
  const { registry } = tree;
  const named = await NamedExtensionManager.create('typed-test.formatters', ['upper'], { registry });
  assertType<Equal<typeof named.extensions, Extension<Formatter>[]>>();
  const driver = await DriverManager.create('typed-test.formatters', 'upper', { registry, invokeOnLoad: true });
  const formatter: Formatter = driver.driver;
  expect(formatter.format({ e: 'v' })).toEqual(['e=V']);
  const hooks = await HookManager.create('typed-test.formatters', 'upper', { registry });
  assertType<Equal<ReturnType<typeof hooks.get>, Extension<Formatter>[]>>();
  const enabled = await EnabledExtensionManager.create('typed-test.formatters', (ext) => ext.name === 'upper', {
    registry,
  });
  assertType<Equal<typeof enabled.extensions, Extension<Formatter>[]>>();
  const dispatch = await DispatchExtensionManager.create('typed-test.formatters', () => true, { registry });
  assertType<Equal<typeof dispatch.extensions, Extension<Formatter>[]>>();
  const byName = await NameDispatchExtensionManager.create('typed-test.formatters', () => true, { registry });
  assertType<Equal<(typeof byName.byName)[string], Extension<Formatter>>>();
  expect([named, hooks, enabled, dispatch, byName].map((manager) => manager.names())).toEqual([
    ['upper'],
    ['upper'],
    ['upper'],
    ['upper'],
    ['upper'],
  ]);
  // @ts-expect-error -- the driver is a Formatter
  const notANumber: number = driver.driver;
  void notANumber;
});

test('the other managers infer it too', () => {
  const driver = new DriverManager('typed-test.formatters', 'upper', { registry: tree.registry, invokeOnLoad: true });
  const formatter: Formatter = driver.driver;
  expect(formatter.format({ c: 'z' })).toEqual(['c=Z']);
  // @ts-expect-error -- the driver is a Formatter
  const notANumber: number = driver.driver;
  void notANumber;

  const named = new NamedExtensionManager('typed-test.formatters', ['upper'], { registry: tree.registry });
  assertType<Equal<(typeof named.extensions)[number], Extension<Formatter>>>();
  expect(named.names()).toEqual(['upper']);
  const hooks = new HookManager('typed-test.formatters', 'upper', { registry: tree.registry });
  assertType<Equal<ReturnType<typeof hooks.get>, Extension<Formatter>[]>>();
  expect(hooks.get('upper')).toHaveLength(1);
});

test('options and callbacks are typed with the plugin type', () => {
  const checked: string[] = [];
  new ExtensionManager('typed-test.formatters', {
    registry: tree.registry,
    conflictResolver: (_namespace, _name, extensions) => {
      assertType<Equal<typeof extensions, Extension<Formatter>[]>>();
      return extensions[0];
    },
    onLoadFailureCallback: (manager) => {
      assertType<Equal<typeof manager, ExtensionManager<Formatter>>>();
      checked.push(manager.namespace);
    },
  });
  expect(checked).toEqual([]);
});

test('an explicit type argument wins; an undeclared namespace is unknown', () => {
  const explicit = new ExtensionManager<{ other: true }>('typed-test.formatters', { registry: tree.registry });
  assertType<Equal<(typeof explicit.extensions)[number]['obj'], { other: true } | undefined>>();
  expect(explicit.names()).toEqual(['upper']);

  const untyped = new ExtensionManager('typed-test.not-declared', { registry: tree.registry });
  assertType<Equal<(typeof untyped.extensions)[number]['obj'], unknown>>();
  // @ts-expect-error -- nothing is known about an undeclared namespace's plugins
  expect(() => untyped.extensions.map((extension) => extension.obj.format)).not.toThrow();
  expect(untyped.names()).toEqual([]);
});

test("DriverManager.driver is the plugin type only when it is invoked on load; the hooks are not users' API", async () => {
  const { registry } = tree;
  const invoked = new DriverManager('typed-test.formatters', 'upper', { registry, invokeOnLoad: true });
  assertType<Equal<typeof invoked.driver, Formatter>>();
  const loaded = new DriverManager('typed-test.formatters', 'upper', { registry });
  assertType<Equal<typeof loaded.driver, unknown>>();
  // @ts-expect-error -- without invokeOnLoad the driver is the class, not a Formatter
  expect(() => loaded.driver.format({})).toThrow(TypeError);
  const created = await DriverManager.create('typed-test.formatters', 'upper', { registry });
  assertType<Equal<typeof created.driver, unknown>>();
  expect(created.driver).toBe(invoked.driver.constructor);
  // An explicit type argument is taken as the driver's type (inference of the option is off then).
  const explicit = new DriverManager<Formatter>('typed-test.formatters', 'upper', { registry, invokeOnLoad: true });
  assertType<Equal<typeof explicit.driver, Formatter>>();
  expect(explicit.driver.format({ f: 'u' })).toEqual(['f=U']);
  const explicitLoaded = new DriverManager<Formatter, string, false>('typed-test.formatters', 'upper', { registry });
  assertType<Equal<typeof explicitLoaded.driver, unknown>>();
  expect(explicitLoaded.driver).toBe(created.driver);

  // @ts-expect-error -- the loading hooks are protected: for subclasses, not for callers
  expect(typeof invoked._initPlugins).toBe('function');
  // @ts-expect-error -- and the manager's settings are private
  expect(invoked._registry).toBe(registry);
});
