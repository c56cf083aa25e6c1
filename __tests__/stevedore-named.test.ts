/**
 * Port of stevedore/tests/test_named.py: NamedExtensionManager loads only
 * the names it is given, and never even requires the others' modules.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EntryPoint } from '../lib';
import { NamedExtensionManager } from '../lib';
import { createPackageTree } from '../lib/testing';
import type { PackageTree } from '../lib/testing';
import type { Faux } from './support/stevedore-app';
import { NAMESPACE, stevedoreAppRegistry, testExtensionModule } from './support/stevedore-app';
import type { WarningRecorder } from './support/warnings';
import { recordWarnings } from './support/warnings';

let captured: WarningRecorder<'code' | 'message'>;
beforeEach(() => {
  captured = recordWarnings(['code', 'message']);
});
afterEach(() => jest.restoreAllMocks());

const invoked = { invokeOnLoad: true, invokeArgs: ['a'], invokeKwds: { b: 'B' } };

describe('TestNamed', () => {
  test('named', () => {
    const em = new NamedExtensionManager<Faux>(NAMESPACE, ['t1'], { registry: stevedoreAppRegistry(), ...invoked });
    const actual = em.names();
    expect(actual).toEqual(['t1']);
    expect(em.get('t1').obj).toMatchObject({ args: ['a'], kwds: { b: 'B' } });
  });

  test('enabledBeforeLoad', () => {
    // Make FauxExtension's constructor fail the test if it is ever invoked:
    // that would only happen if the manager loaded an extension before
    // comparing its name with the names it was asked for.
    const constructed = jest.spyOn(testExtensionModule, 'FauxExtension').mockImplementation(() => {
      throw new Error('FauxExtension must not be constructed');
    });
    const failures: unknown[] = [];
    const em = new NamedExtensionManager(NAMESPACE, ['no-such-extension'], {
      registry: stevedoreAppRegistry(),
      ...invoked,
      onLoadFailureCallback: (_manager, _entryPoint, error) => failures.push(error),
      onMissingEntrypointsCallback: null,
    });
    const actual = em.names();
    expect(actual).toEqual([]);
    expect(constructed).not.toHaveBeenCalled();
    expect(failures).toEqual([]);

    // The spy is live: asking for t1 does construct it, and fails.
    new NamedExtensionManager(NAMESPACE, ['t1'], {
      registry: stevedoreAppRegistry(),
      ...invoked,
      onLoadFailureCallback: (_manager, _entryPoint, error) => failures.push(error),
    });
    expect(constructed).toHaveBeenCalledTimes(1);
    expect(failures).toEqual([new Error('FauxExtension must not be constructed')]);
  });

  describe('enabledBeforeLoad, with modules that must not be required', () => {
    // The stronger JavaScript form of the same test: each plugin module
    // leaves a marker file the moment it is required, and `boom` then throws.
    let tree: PackageTree;
    const marker = (name: string): string => path.join(tree.root, 'node_modules', 'named-plugins', `${name}.required`);
    const pluginModule = (name: string, body: string): string =>
      `require('node:fs').writeFileSync(require('node:path').join(__dirname, '${name}.required'), '');\n${body}\n`;

    beforeEach(() => {
      tree = createPackageTree({
        packages: [
          {
            name: 'named-plugins',
            entryPoints: { 'stevedore.test.named': { boom: './boom.js:Boom', ok: './ok.js:Ok' } },
            files: {
              'boom.js': pluginModule('boom', "throw new Error('boom.js must not be required');"),
              'ok.js': pluginModule('ok', 'exports.Ok = class Ok {};'),
            },
          },
        ],
      });
    });
    afterEach(() => tree.cleanup());

    function load(names: string[]): { em: NamedExtensionManager; failures: unknown[]; considered: string[] } {
      const failures: unknown[] = [];
      const considered: string[] = [];
      tree.registry.hooks.beforeLoad.tap('test', (entryPoint: EntryPoint) => {
        considered.push(entryPoint.name);
        return undefined;
      });
      const em = new NamedExtensionManager('stevedore.test.named', names, {
        registry: tree.registry,
        invokeOnLoad: true,
        onLoadFailureCallback: (_manager, _entryPoint, error) => failures.push(error),
      });
      return { em, failures, considered };
    }

    test('only the named module is required', () => {
      const { em, failures, considered } = load(['ok']);
      expect(em.names()).toEqual(['ok']);
      expect(failures).toEqual([]);
      expect(considered).toEqual(['ok']);
      expect(existsSync(marker('ok'))).toBe(true);
      expect(existsSync(marker('boom'))).toBe(false);
    });

    test('a name nothing declares requires nothing', () => {
      const { em, failures, considered } = load(['no-such-extension']);
      expect(em.names()).toEqual([]);
      expect(failures).toEqual([]);
      expect(considered).toEqual([]);
      expect(existsSync(marker('ok'))).toBe(false);
      expect(existsSync(marker('boom'))).toBe(false);
      expect(captured.warnings).toEqual([
        {
          code: 'STEVEDORE_MISSING_ENTRY_POINTS',
          message: 'Could not load no-such-extension (namespace stevedore.test.named)',
        },
      ]);
    });

    test('the markers work: asking for boom requires it', () => {
      const { em, failures } = load(['boom']);
      expect(em.names()).toEqual([]);
      expect(failures).toEqual([expect.objectContaining({ message: 'boom.js must not be required' })]);
      expect(existsSync(marker('boom'))).toBe(true);
    });
  });

  test('extensionsListedInNameOrder', () => {
    // Since we don't know the "natural" order of the extensions, run the
    // test both ways: if the sorting is broken, one of them will fail.
    let em = new NamedExtensionManager(NAMESPACE, ['t1', 't2'], { registry: stevedoreAppRegistry(), nameOrder: true });
    let actual = em.names();
    expect(actual).toEqual(['t1', 't2']);

    em = new NamedExtensionManager(NAMESPACE, ['t2', 't1'], { registry: stevedoreAppRegistry(), nameOrder: true });
    actual = em.names();
    expect(actual).toEqual(['t2', 't1']);
  });

  test('loadFailIgnoredWhenSorted', () => {
    let em = new NamedExtensionManager(NAMESPACE, ['e1', 't2', 'e2', 't1'], {
      registry: stevedoreAppRegistry(),
      nameOrder: true,
      ...invoked,
    });
    let actual = em.names();
    expect(actual).toEqual(['t2', 't1']);

    em = new NamedExtensionManager(NAMESPACE, ['e1', 't1'], {
      registry: stevedoreAppRegistry(),
      nameOrder: false,
      ...invoked,
    });
    actual = em.names();
    expect(actual).toEqual(['t1']);

    // e1 and e2 are declared: their failures are reported (once each) as
    // load failures, not a second time as missing entry points.
    expect(captured.warnings.map((warning) => [warning.code, warning.message.slice(0, 18)])).toEqual([
      ['STEVEDORE_LOAD_FAILED', "Could not load 'e1"],
      ['STEVEDORE_LOAD_FAILED', "Could not load 'e2"],
    ]);
  });
});
