/**
 * Port of stevedore/tests/test_extension.py: the ExtensionManager against
 * the `stevedore.test.extension` entry points of the stevedore-app fixture.
 */
import {
  EntryPoint,
  Extension,
  ExtensionManager,
  KeyError,
  MultipleMatches,
  NoMatches,
  errorOnConflict,
  ignoreConflicts,
} from '../lib';
import * as scanModule from '../lib/scan';
import type { Faux } from './support/stevedore-app';
import {
  ALL_NAMES,
  NAMESPACE,
  WORKING_NAMES,
  stevedoreAppRegistry,
  testExtensionModule,
  thrown,
} from './support/stevedore-app';
import type { WarningRecorder } from './support/warnings';
import { recordWarnings } from './support/warnings';

// Like Python's logging, warnings are collected here rather than printed.
let captured: WarningRecorder<'code' | 'message'>;
beforeEach(() => {
  captured = recordWarnings(['code', 'message']);
});
afterEach(() => jest.restoreAllMocks());

function manager(options: ConstructorParameters<typeof ExtensionManager<Faux>>[1] = {}): ExtensionManager<Faux> {
  return new ExtensionManager<Faux>(NAMESPACE, { registry: stevedoreAppRegistry(), ...options });
}

describe('TestCallback', () => {
  test('detectPlugins', () => {
    const em = manager();
    expect(em.names().sort()).toEqual(ALL_NAMES);
  });

  test('getByName', () => {
    const em = manager();
    const e = em.get('t1');
    expect(e.name).toBe('t1');
  });

  test('listEntryPoints', () => {
    const em = manager();
    const n = em.listEntryPoints();
    expect(new Set(n.map((entryPoint) => entryPoint.name))).toEqual(new Set(['e1', 'e2', 't1', 't2']));
    expect(n).toHaveLength(4);
  });

  test('listEntryPointsNames', () => {
    const em = manager();
    const names = em.entryPointsNames();
    expect(new Set(names)).toEqual(new Set(['e1', 'e2', 't1', 't2']));
    expect(names).toHaveLength(4);
  });

  test('containsByName', () => {
    const em = manager();
    expect(em.has('t1')).toBe(true);
    expect(em.has('e2')).toBe(false);
  });

  test('getByNameMissing', () => {
    const em = manager();
    const error = thrown(() => em.get('t3'));
    expect(error).toBeInstanceOf(KeyError);
    expect(error.key).toBe('t3');
  });

  test('loadMultipleTimesEntryPoints', () => {
    // The registry keeps the entry points it found: two managers over the
    // same registry see the very same EntryPoint objects.
    const registry = stevedoreAppRegistry();
    const em1 = new ExtensionManager(NAMESPACE, { registry });
    const eps1 = [...em1].map((ext) => ext.entryPoint);
    const em2 = new ExtensionManager(NAMESPACE, { registry });
    const eps2 = [...em2].map((ext) => ext.entryPoint);
    expect(eps1[0]).toBe(eps2[0]);
    expect(eps1).toEqual(eps2);
  });

  test('loadMultipleTimesPlugins', () => {
    // Node's module cache returns the same plugin (class) every time, even
    // through two registries that scanned the tree separately.
    const em1 = manager();
    const plugins1 = [...em1].map((ext) => ext.plugin);
    const em2 = manager();
    const plugins2 = [...em2].map((ext) => ext.plugin);
    expect(plugins1[0]).toBe(plugins2[0]);
    expect(plugins1[0]).toBe(testExtensionModule.FauxExtension);
  });

  test('useCache', () => {
    // Once the registry has scanned, a manager for another namespace is
    // answered from memory: the package tree is not read again.
    const registry = stevedoreAppRegistry();
    expect(new ExtensionManager(NAMESPACE, { registry }).names()).not.toHaveLength(0);
    const scan = jest.spyOn(scanModule, 'scan').mockImplementation(() => {
      throw new Error('called scan');
    });
    const em = new ExtensionManager('stevedore.test.faux', { registry });
    const names = em.names();
    expect(names).toEqual([]);
    expect(scan).not.toHaveBeenCalled();
    // The spy is live: a registry that has not scanned yet does call it.
    expect(() => new ExtensionManager(NAMESPACE, { registry: stevedoreAppRegistry() })).toThrow('called scan');
  });

  test('iterable', () => {
    const em = manager();
    const names = [...em].map((e) => e.name).sort();
    expect(names).toEqual(ALL_NAMES);
  });

  test('invokeOnLoad', () => {
    const em = manager({ invokeOnLoad: true, invokeArgs: ['a'], invokeKwds: { b: 'B' } });
    expect(em.extensions).toHaveLength(2);
    for (const e of em.extensions) {
      expect(e.obj).toBeInstanceOf(testExtensionModule.FauxExtension);
      expect(e.obj!.args).toEqual(['a']);
      expect(e.obj!.kwds).toEqual({ b: 'B' });
    }
    // What stevedore logs as errors: e1's constructor throws, e2's module is missing.
    const failures = captured.warnings.filter((warning) => warning.code === 'STEVEDORE_LOAD_FAILED');
    expect(failures.map((warning) => warning.message)).toEqual([
      expect.stringMatching(/^Could not load 'e1' \(stevedore\.test\.extension: .*\): Did not create$/),
      expect.stringMatching(
        /^Could not load 'e2' \(stevedore\.test\.extension: \.\/lib\/notfound\.js:.*Cannot find module/s,
      ),
    ]);
  });

  test('mapReturnValues', () => {
    const em = manager({ invokeOnLoad: true });
    const results = em.map((ext) => ext.name);
    expect(results.sort()).toEqual(WORKING_NAMES);
  });

  test('mapArguments', () => {
    const objs: [Extension<Faux>, unknown[]][] = [];
    const em = manager({ invokeOnLoad: true });
    em.map((ext, ...args: unknown[]) => objs.push([ext, args]), 1, 2, { a: 'A', b: 'B' });
    expect(objs).toHaveLength(2);
    expect(objs.map(([ext]) => ext.name).sort()).toEqual(WORKING_NAMES);
    for (const [, args] of objs) expect(args).toEqual([1, 2, { a: 'A', b: 'B' }]);
  });

  test('mapEatsErrors', () => {
    const em = manager({ invokeOnLoad: true });
    const results = em.map(() => {
      throw new Error('hard coded error');
    });
    expect(results).toEqual([]);
    // Reported (once per process), not swallowed silently.
    const mapErrors = captured.warnings.filter((warning) => warning.code === 'STEVEDORE_MAP_ERROR');
    expect(mapErrors.map((warning) => warning.message)).toEqual([
      "error calling 't1': hard coded error",
      "error calling 't2': hard coded error",
    ]);
  });

  test('mapPropagateExceptions', () => {
    const em = manager({ invokeOnLoad: true, propagateMapExceptions: true });
    expect(() =>
      em.map(() => {
        throw new RangeError('hard coded error');
      }),
    ).toThrow(RangeError);
  });

  test('mapErrorsWhenNoPlugins', () => {
    const expectedStr = 'No stevedore.test.extension.none extensions found';
    const em = new ExtensionManager('stevedore.test.extension.none', {
      registry: stevedoreAppRegistry(),
      invokeOnLoad: true,
    });
    expect(() => em.map((_ext, ..._args: unknown[]) => undefined, 1, 2, { a: 'A', b: 'B' })).toThrow(NoMatches);
    expect(() => em.map(() => undefined)).toThrow(expectedStr);
  });

  test('mapMethod', () => {
    const em = manager({ invokeOnLoad: true });
    const result = em.mapMethod('getArgsAndData', 42) as ReturnType<Faux['getArgsAndData']>[];
    expect(result).toHaveLength(2);
    expect(new Set(result.map((r) => r[2]))).toEqual(new Set([42]));
  });

  test('items', () => {
    const em = manager();
    const expectedOutput = ALL_NAMES.map((name) => [name, em.get(name)]);
    expect(em.items().sort(([a], [b]) => a.localeCompare(b))).toEqual(expectedOutput);
  });
});

class Base {
  greet(_user: string): string {
    throw new Error('not implemented');
  }
}

class Foo extends Base {
  override greet(user: string): string {
    return `Hello ${user}. I'm foo.`;
  }
}

class Bar extends Base {
  override greet(user: string): string {
    return `Hello ${user}. I'm bar.`;
  }
}

function conflicting(first: string, second: string): Extension<Base>[] {
  return [
    new Extension<Base>('conflict', new EntryPoint('conflict', first, 'test.group'), Foo, undefined),
    new Extension<Base>('conflict', new EntryPoint('conflict', second, 'test.group'), Bar, undefined),
  ];
}

describe('TestConflictResolution', () => {
  test('ignoreConflicts', () => {
    // ignoreConflicts warns when conflicts exist, and picks the last one.
    const extensions = conflicting('module1:Class1', 'module2:Class2');
    const result = ignoreConflicts('test.group', 'conflict', extensions);
    const { warnings } = captured;
    expect(result).toBe(extensions[extensions.length - 1]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].code).toBe('STEVEDORE_CONFLICT');
    const warningMsg = warnings[0].message;
    expect(warningMsg).toContain('multiple implementations found');
    expect(warningMsg).toContain("'conflict' extension");
    expect(warningMsg).toContain('test.group namespace');
    expect(warningMsg).toBe(
      "multiple implementations found for the 'conflict' extension in test.group namespace: Foo, Bar",
    );
  });

  test('errorOnConflict', () => {
    // errorOnConflict throws MultipleMatches.
    const extensions = conflicting('module1:Foo', 'module2:Bar');
    const error = thrown(() => errorOnConflict('test.group', 'conflict', extensions));
    expect(error).toBeInstanceOf(MultipleMatches);
    const errorMsg = error.message;
    expect(errorMsg).toContain('multiple implementations found');
    expect(errorMsg).toContain("'conflict' command");
    expect(errorMsg).toContain('test.group namespace');
  });

  test('customConflictResolver', () => {
    // A custom conflict resolver chooses what get() returns.
    const firstResolver = <T>(_namespace: string, _name: string, extensions: Extension<T>[]): Extension<T> =>
      extensions[0];
    const ext1 = new Extension<Base>('test', new EntryPoint('test', 'module1:Foo', 'test.group'), Foo, undefined);
    const ext2 = new Extension<Base>('test', new EntryPoint('test', 'module2:Bar', 'test.group'), Bar, undefined);
    const em = ExtensionManager.makeTestInstance([ext1, ext2], { conflictResolver: firstResolver });
    // Should get the first extension when accessing by name.
    const result = em.get('test');
    expect(result).toBe(ext1);
  });
});

// TestDeprecations.test_verify_requirements is not ported: `verify_requirements`
// was a no-op kept for compatibility in stevedore, and stevedore-ts never had it.

describe('TestExtensionProperties', () => {
  const ext1 = new Extension(
    'name',
    new EntryPoint('name', 'module.name:attribute.name [extra]', 'group_name'),
    Foo,
    null,
  );
  const ext2 = new Extension('name', new EntryPoint('name', 'module:attribute', 'group_name'), Bar, null);

  test('moduleName', () => {
    expect(ext1.moduleName).toBe('module.name');
    expect(ext2.moduleName).toBe('module');
  });

  test('attr', () => {
    expect(ext1.attr).toBe('attribute.name');
    expect(ext2.attr).toBe('attribute');
  });

  test('entryPointTarget', () => {
    expect(ext1.entryPointTarget).toBe('module.name:attribute.name [extra]');
    expect(ext2.entryPointTarget).toBe('module:attribute');
  });
});
