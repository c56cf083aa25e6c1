/**
 * Port of stevedore/tests/test_callback.py: the failure callbacks.
 */
import { types } from 'node:util';
import type { EntryPoint } from '../lib';
import { Extension, ExtensionManager, NamedExtensionManager } from '../lib';
import { NAMESPACE, stevedoreAppRegistry } from './support/stevedore-app';

afterEach(() => jest.restoreAllMocks());

describe('TestCallback', () => {
  test('extensionFailureCustomCallback', () => {
    const errors: [ExtensionManager<unknown>, EntryPoint, unknown][] = [];
    const failureCallback = (manager: ExtensionManager<unknown>, entrypoint: EntryPoint, error: unknown): void => {
      errors.push([manager, entrypoint, error]);
    };
    const em = new ExtensionManager(NAMESPACE, {
      registry: stevedoreAppRegistry(),
      invokeOnLoad: true,
      onLoadFailureCallback: failureCallback,
    });
    const extensions = [...em.extensions];
    expect(extensions.length).toBeGreaterThan(0);
    expect(errors).toHaveLength(2);
    for (const [manager, , error] of errors) {
      expect(manager).toBe(em);
      // (jest's module-not-found error comes from another realm: no instanceof)
      expect(types.isNativeError(error)).toBe(true);
    }
    // Python's IOError and ImportError: the original errors, unwrapped.
    const byName = Object.fromEntries(errors.map(([, entrypoint, error]) => [entrypoint.name, error as Error]));
    expect(Object.keys(byName).sort()).toEqual(['e1', 'e2']);
    expect(byName.e1).toMatchObject({ message: 'Did not create', code: 'EIO' });
    expect(byName.e2).toMatchObject({ code: 'MODULE_NOT_FOUND' });
  });

  test('missingEntrypointsCallback', () => {
    const loadFn = jest
      // A protected hook: spied through a structural view of the prototype.
      .spyOn(ExtensionManager.prototype as unknown as { _loadPlugins(): Extension[] }, '_loadPlugins')
      .mockReturnValue([new Extension('foo', null, null, null)]);
    const errors = new Set<string>();
    const callback = (names: string[]): void => names.forEach((name) => errors.add(name));
    new NamedExtensionManager(NAMESPACE, ['foo', 'bar'], {
      registry: stevedoreAppRegistry(),
      invokeOnLoad: true,
      onMissingEntrypointsCallback: callback,
    });
    expect(loadFn).toHaveBeenCalledTimes(1);
    expect(errors).toEqual(new Set(['bar']));
  });
});
