/**
 * Port of stevedore/tests/test_test_manager.py: `makeTestInstance()` builds
 * every manager class around extensions made in memory.
 */
import {
  DispatchExtensionManager,
  DriverManager,
  EnabledExtensionManager,
  EntryPoint,
  Extension,
  ExtensionManager,
  HookManager,
  NameDispatchExtensionManager,
  NamedExtensionManager,
} from '../lib';
import { recordWarnings } from './support/warnings';

const testExtension = new Extension('test_extension', null, null, null);
const testExtension2 = new Extension('another_one', null, null, null);

// Python's mock.sentinel: unique values only identity can match.
const sentinel = { driverPlugin: Symbol('driver_plugin'), driverObj: Symbol('driver_obj') };
const mockEntryPoint = new EntryPoint('test_driver', 'test.extension:obj', 'TESTING');
const aDriver = new Extension('test_driver', mockEntryPoint, sentinel.driverPlugin, sentinel.driverObj);

afterEach(() => jest.restoreAllMocks());

describe('TestTestManager', () => {
  // base ExtensionManager
  test('instanceShouldUseSuppliedExtensions', () => {
    const extensions = [testExtension, testExtension2];
    const em = ExtensionManager.makeTestInstance(extensions);
    expect(em.extensions).toEqual(extensions);
  });

  test('instanceShouldHaveDefaultNamespace', () => {
    const em = ExtensionManager.makeTestInstance([]);
    expect(em.namespace).toBe('TESTING');
  });

  test('instanceShouldUseSuppliedNamespace', () => {
    const namespace = 'testing.1.2.3';
    const em = ExtensionManager.makeTestInstance([], { namespace });
    expect(em.namespace).toBe(namespace);
  });

  test('extensionNameShouldBeListed', () => {
    const em = ExtensionManager.makeTestInstance([testExtension]);
    expect(em.names()).toContain(testExtension.name);
  });

  test('iteratorShouldYieldExtension', () => {
    const em = ExtensionManager.makeTestInstance([testExtension]);
    expect(em[Symbol.iterator]().next().value).toBe(testExtension);
  });

  test('managerShouldAllowNameAccess', () => {
    const em = ExtensionManager.makeTestInstance([testExtension]);
    expect(em.get(testExtension.name)).toBe(testExtension);
  });

  test('managerShouldCall', () => {
    const em = ExtensionManager.makeTestInstance([testExtension]);
    const func = jest.fn();
    em.map(func);
    expect(func).toHaveBeenCalledTimes(1);
    expect(func).toHaveBeenCalledWith(testExtension);
  });

  test('managerShouldCallAll', () => {
    const em = ExtensionManager.makeTestInstance([testExtension2, testExtension]);
    const func = jest.fn();
    em.map(func);
    expect(func).toHaveBeenCalledWith(testExtension2);
    expect(func).toHaveBeenCalledWith(testExtension);
  });

  test('managerReturnValues', () => {
    const mapped = (ext: Extension<unknown>): string => ext.name;
    const em = ExtensionManager.makeTestInstance([testExtension2, testExtension]);
    const results = em.map(mapped);
    expect(results.sort()).toEqual(['another_one', 'test_extension']);
  });

  test('managerShouldEatExceptions', () => {
    const { warnings } = recordWarnings(['code', 'message']);
    const em = ExtensionManager.makeTestInstance([testExtension]);
    const func = jest.fn((..._args: unknown[]) => {
      throw new Error('hard coded error');
    });
    const results = em.map(func, 1, 2, { a: 'A', b: 'B' });
    expect(results).toEqual([]);
    expect(func).toHaveBeenCalledWith(testExtension, 1, 2, { a: 'A', b: 'B' });
    expect(warnings).toEqual([
      { code: 'STEVEDORE_MAP_ERROR', message: "error calling 'test_extension': hard coded error" },
    ]);
  });

  test('managerShouldPropagateExceptions', () => {
    const em = ExtensionManager.makeTestInstance([testExtension], { propagateMapExceptions: true });
    const func = jest.fn((..._args: unknown[]) => {
      throw new RangeError('hard coded error');
    });
    expect(() => em.map(func, 1, 2, { a: 'A', b: 'B' })).toThrow(RangeError);
  });

  // NamedExtensionManager
  test('namedManagerShouldUseSuppliedExtensions', () => {
    const extensions = [testExtension, testExtension2];
    const em = NamedExtensionManager.makeTestInstance(extensions);
    expect(em.extensions).toEqual(extensions);
  });

  test('namedManagerShouldHaveDefaultNamespace', () => {
    const em = NamedExtensionManager.makeTestInstance([]);
    expect(em.namespace).toBe('TESTING');
  });

  test('namedManagerShouldUseSuppliedNamespace', () => {
    const namespace = 'testing.1.2.3';
    const em = NamedExtensionManager.makeTestInstance([], { namespace });
    expect(em.namespace).toBe(namespace);
  });

  test('namedManagerShouldPopulateNames', () => {
    const extensions = [testExtension, testExtension2];
    const em = NamedExtensionManager.makeTestInstance(extensions);
    expect(em.names()).toEqual(['test_extension', 'another_one']);
  });

  // HookManager
  test('hookManagerShouldUseSuppliedExtensions', () => {
    const extensions = [testExtension, testExtension2];
    const em = HookManager.makeTestInstance(extensions);
    expect(em.extensions).toEqual(extensions);
  });

  test('hookManagerShouldBeFirstExtensionName', () => {
    const extensions = [testExtension, testExtension2];
    const em = HookManager.makeTestInstance(extensions);
    // This throws KeyError if the names don't match.
    expect(em.get(testExtension.name)).toEqual(extensions);
  });

  test('hookManagerShouldHaveDefaultNamespace', () => {
    const em = HookManager.makeTestInstance([testExtension]);
    expect(em.namespace).toBe('TESTING');
  });

  test('hookManagerShouldUseSuppliedNamespace', () => {
    const namespace = 'testing.1.2.3';
    const em = HookManager.makeTestInstance([testExtension], { namespace });
    expect(em.namespace).toBe(namespace);
  });

  test('hookManagerShouldReturnNamedExtensions', () => {
    const hook1 = new Extension('captain', null, null, null);
    const hook2 = new Extension('captain', null, null, null);
    const em = HookManager.makeTestInstance([hook1, hook2]);
    expect(em.get('captain')).toEqual([hook1, hook2]);
    expect(em.get('captain')[0]).toBe(hook1);
    expect(em.get('captain')[1]).toBe(hook2);
  });

  // DriverManager
  test('driverManagerShouldUseSuppliedExtension', () => {
    const em = DriverManager.makeTestInstance(aDriver);
    expect(em.extensions).toEqual([aDriver]);
  });

  test('driverManagerShouldHaveDefaultNamespace', () => {
    const em = DriverManager.makeTestInstance(aDriver);
    expect(em.namespace).toBe('TESTING');
  });

  test('driverManagerShouldUseSuppliedNamespace', () => {
    const namespace = 'testing.1.2.3';
    const em = DriverManager.makeTestInstance(aDriver, { namespace });
    expect(em.namespace).toBe(namespace);
  });

  test('instanceShouldUseDriverName', () => {
    const em = DriverManager.makeTestInstance(aDriver);
    expect(em.names()).toEqual(['test_driver']);
  });

  test('instanceCall', () => {
    const invoke = (ext: Extension<unknown>, ...args: unknown[]): [string, unknown[]] => [ext.name, args];
    const em = DriverManager.makeTestInstance(aDriver);
    const result = em.call(invoke, 'a', { b: 'C' });
    expect(result).toEqual(['test_driver', ['a', { b: 'C' }]]);
  });

  test('instanceDriverProperty', () => {
    const em = DriverManager.makeTestInstance(aDriver);
    expect(em.driver).toBe(sentinel.driverObj);
  });

  // EnabledExtensionManager
  test('enabledInstanceShouldUseSuppliedExtensions', () => {
    const extensions = [testExtension, testExtension2];
    const em = EnabledExtensionManager.makeTestInstance(extensions);
    expect(em.extensions).toEqual(extensions);
  });

  // DispatchExtensionManager
  test('dispatchInstanceShouldUseSuppliedExtensions', () => {
    const extensions = [testExtension, testExtension2];
    const em = DispatchExtensionManager.makeTestInstance(extensions);
    expect(em.extensions).toEqual(extensions);
  });

  test('dispatchMapShouldInvokeFilterForExtensions', () => {
    const em = DispatchExtensionManager.makeTestInstance([testExtension, testExtension2]);
    const filterFunc = jest.fn((..._args: unknown[]) => false);
    const args = ['A'];
    const kw = { big: 'Cheese' };
    em.map(filterFunc, null as never, ...args, kw);
    expect(filterFunc).toHaveBeenCalledWith(testExtension, ...args, kw);
    expect(filterFunc).toHaveBeenCalledWith(testExtension2, ...args, kw);
  });

  // NameDispatchExtensionManager
  test('nameDispatchInstanceShouldUseSuppliedExtensions', () => {
    const extensions = [testExtension, testExtension2];
    const em = NameDispatchExtensionManager.makeTestInstance(extensions);
    expect(em.extensions).toEqual(extensions);
  });

  test('nameDispatchInstanceShouldBuildExtensionNameMap', () => {
    const extensions = [testExtension, testExtension2];
    const em = NameDispatchExtensionManager.makeTestInstance(extensions);
    expect(em.byName[testExtension.name]).toBe(testExtension);
    expect(em.byName[testExtension2.name]).toBe(testExtension2);
  });

  test('namedDispatchMapShouldInvokeFilterForExtensions', () => {
    const em = NameDispatchExtensionManager.makeTestInstance([testExtension, testExtension2]);
    const func = jest.fn();
    const args = ['A'];
    const kw = { BIGGER: 'Cheese' };
    em.map(['test_extension'], func, ...args, kw);
    expect(func).toHaveBeenCalledTimes(1);
    expect(func).toHaveBeenCalledWith(testExtension, ...args, kw);
  });
});
