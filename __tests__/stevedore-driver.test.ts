/**
 * Port of stevedore/tests/test_driver.py: DriverManager loads the one plugin
 * of a name. Python's `mgr(func, ...)` is `mgr.call(func, ...args)`.
 */
import { DriverManager, EntryPoint, Extension, MultipleMatches, NoMatches, NoUniqueMatch } from '../lib';
import type { Faux } from './support/stevedore-app';
import { NAMESPACE, stevedoreAppRegistry, testExtensionModule, thrown } from './support/stevedore-app';

class Base {}
class Foo extends Base {}
class Bar extends Base {}

describe('TestCallback', () => {
  test('detectPlugins', () => {
    const em = new DriverManager(NAMESPACE, 't1', { registry: stevedoreAppRegistry() });
    const names = em.names().sort();
    expect(names).toEqual(['t1']);
  });

  test('call', () => {
    const invoke = (ext: Extension<unknown>, ...args: unknown[]): [string, unknown[]] => [ext.name, args];
    const em = new DriverManager(NAMESPACE, 't1', { registry: stevedoreAppRegistry() });
    const result = em.call(invoke, 'a', { b: 'C' });
    expect(result).toEqual(['t1', ['a', { b: 'C' }]]);
  });

  test('driverPropertyNotInvokedOnLoad', () => {
    const em = new DriverManager(NAMESPACE, 't1', { registry: stevedoreAppRegistry(), invokeOnLoad: false });
    const d = em.driver;
    expect(d).toBe(testExtensionModule.FauxExtension);
  });

  test('driverPropertyInvokedOnLoad', () => {
    const em = new DriverManager<Faux>(NAMESPACE, 't1', { registry: stevedoreAppRegistry(), invokeOnLoad: true });
    const d = em.driver;
    expect(d).toBeInstanceOf(testExtensionModule.FauxExtension);
  });

  test('noDrivers', () => {
    const error = thrown(
      () => new DriverManager('stevedore.test.extension.none', 't1', { registry: stevedoreAppRegistry() }),
    );
    expect(error).toBeInstanceOf(NoMatches);
    expect(error).toBeInstanceOf(NoUniqueMatch);
    expect(error.message).toContain("No 'stevedore.test.extension.none' driver found");
    expect(error.message).toBe("No 'stevedore.test.extension.none' driver found, looking for 't1'");
  });

  test('badDriver', () => {
    // e2's module does not exist: Python's ImportError is Node's MODULE_NOT_FOUND,
    // thrown as is since a driver that cannot load is fatal by default.
    const error = thrown(() => new DriverManager(NAMESPACE, 'e2', { registry: stevedoreAppRegistry() }));
    expect(error.code).toBe('MODULE_NOT_FOUND');
  });

  test('multipleDrivers', () => {
    // The idea for this test was contributed by clayg:
    // https://gist.github.com/clayg/6311348
    const extensions = [
      new Extension('backend', new EntryPoint('backend', 'pkg1:driver', 'backend'), Foo, null),
      new Extension('backend', new EntryPoint('backend', 'pkg2:driver', 'backend'), Bar, null),
    ];
    const dm = DriverManager.makeTestInstance(extensions[0]);
    // Call the initialisation code that verifies the extension.
    // _initPlugins is a protected hook: called as stevedore's test does, through a structural view.
    const hooks = dm as unknown as { _initPlugins(extensions: Extension[]): void };
    const error = thrown(() => hooks._initPlugins(extensions));
    expect(error).toBeInstanceOf(MultipleMatches);
    expect(error.message).toContain('Multiple');
    expect(error.message).toBe("Multiple 'TESTING' drivers found: pkg1:driver,pkg2:driver");
  });
});
