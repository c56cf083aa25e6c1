/**
 * The import() resolver (lib/resolve.ts) against Node's ESM resolution rules,
 * on real package trees; the loading itself is covered by layout-formats.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { findPnpApi } from '../lib/pnp';
import {
  importConditions,
  realFolder,
  requireFrom,
  resolveExports,
  resolveImport,
  splitSpecifier,
} from '../lib/resolve';
import { tempDir } from './support/temp';

const IMPORT = new Set(['node', 'import', 'default']);
const REQUIRE = new Set(['node', 'require', 'default']);
const PKG = '/pkg';

describe('resolveExports', () => {
  test('sugar: a string, an array or a conditions object is the export of "."', () => {
    expect(resolveExports(PKG, '.', './main.js', IMPORT)).toBe(path.join(PKG, 'main.js'));
    expect(resolveExports(PKG, '.', ['./first.js', './second.js'], IMPORT)).toBe(path.join(PKG, 'first.js'));
    expect(resolveExports(PKG, '.', { import: './m.mjs', require: './c.cjs' }, IMPORT)).toBe(path.join(PKG, 'm.mjs'));
    expect(resolveExports(PKG, '.', { import: './m.mjs', require: './c.cjs' }, REQUIRE)).toBe(path.join(PKG, 'c.cjs'));
    expect(() => resolveExports(PKG, './sub', './main.js', IMPORT)).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }),
    );
  });

  test('conditions match in the order the map lists them, nested', () => {
    const exports = { '.': { node: { import: './node.mjs', default: './node.cjs' }, default: './browser.js' } };
    expect(resolveExports(PKG, '.', exports, IMPORT)).toBe(path.join(PKG, 'node.mjs'));
    expect(resolveExports(PKG, '.', exports, new Set(['default']))).toBe(path.join(PKG, 'browser.js'));
    expect(resolveExports(PKG, '.', { '.': { default: './d.js', import: './i.mjs' } }, IMPORT)).toBe(
      path.join(PKG, 'd.js'),
    );
  });

  test('no matching condition means not exported', () => {
    expect(() => resolveExports(PKG, '.', { '.': { require: './c.cjs' } }, IMPORT)).toThrow(/No "exports" main/);
  });

  test('subpath patterns: the longest prefix wins, `*` is replaced everywhere, null excludes', () => {
    const exports = {
      './features/*': './src/features/*/index.js',
      './features/internal/*': null,
      './features/*.js': './src/features/*.js',
      './utils/*': { import: './esm/utils/*.mjs' },
    };
    expect(resolveExports(PKG, './features/a', exports, IMPORT)).toBe(path.join(PKG, 'src/features/a/index.js'));
    expect(resolveExports(PKG, './features/a.js', exports, IMPORT)).toBe(path.join(PKG, 'src/features/a.js'));
    expect(resolveExports(PKG, './utils/deep/x', exports, IMPORT)).toBe(path.join(PKG, 'esm/utils/deep/x.mjs'));
    expect(() => resolveExports(PKG, './features/internal/x', exports, IMPORT)).toThrow(
      "Package subpath './features/internal/x' is not defined",
    );
    expect(() => resolveExports(PKG, './features/', exports, IMPORT)).toThrow(/not defined/);
  });

  test('an exact key beats a pattern', () => {
    const exports = { './a/*': './pattern/*.js', './a/b': './exact.js' };
    expect(resolveExports(PKG, './a/b', exports, IMPORT)).toBe(path.join(PKG, 'exact.js'));
  });

  test('targets must stay inside the package; invalid array entries fall through to valid ones', () => {
    expect(() => resolveExports(PKG, '.', '../outside.js', IMPORT)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_PACKAGE_TARGET' }),
    );
    expect(() => resolveExports(PKG, './x/*', { './x/*': './lib/*' }, IMPORT)).not.toThrow();
    expect(() => resolveExports(PKG, './x/../../evil', { './x/*': './lib/*' }, IMPORT)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_PACKAGE_TARGET' }),
    );
    expect(() => resolveExports(PKG, '.', './node_modules/dep/index.js', IMPORT)).toThrow(/Invalid "exports" target/);
    expect(resolveExports(PKG, '.', ['bad-target', './good.js'], IMPORT)).toBe(path.join(PKG, 'good.js'));
    expect(() => resolveExports(PKG, '.', ['bad-target'], IMPORT)).toThrow(/Invalid "exports" target/);
    expect(() => resolveExports(PKG, '.', [{ require: './c.cjs' }, null], IMPORT)).toThrow(/No "exports" main/);
  });

  test('a package.json cannot make resolution overflow the stack, build a huge string or a huge message', () => {
    let deep: unknown = './x.js';
    for (let i = 0; i < 100_000; i++) deep = { node: deep };
    expect(() => resolveExports(PKG, '.', deep, IMPORT)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_PACKAGE_CONFIG',
        message: expect.stringContaining('"exports" nests conditions or arrays more than 64 deep'),
      }),
    );
    const stars = { './*': `./${'*'.repeat(100_000)}` };
    const thrown = (() => {
      try {
        resolveExports(PKG, `./${'a'.repeat(100_000)}`, stars, IMPORT);
      } catch (err) {
        return err as Error & { code: string };
      }
      return null;
    })();
    expect(thrown).toMatchObject({ code: 'ERR_INVALID_PACKAGE_TARGET' });
    expect(thrown?.message).toContain('longer than any path');
    expect(thrown?.message.length).toBeLessThan(1000);
  });

  test('mixing subpaths and conditions is an invalid package config', () => {
    expect(() => resolveExports(PKG, '.', { '.': './a.js', import: './b.js' }, IMPORT)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_PACKAGE_CONFIG' }),
    );
  });
});

test('splitSpecifier separates the package name from the subpath', () => {
  expect(splitSpecifier('pkg')).toEqual({ packageName: 'pkg', subpath: '.' });
  expect(splitSpecifier('pkg/a/b')).toEqual({ packageName: 'pkg', subpath: './a/b' });
  expect(splitSpecifier('@scope/pkg')).toEqual({ packageName: '@scope/pkg', subpath: '.' });
  expect(splitSpecifier('@scope/pkg/sub')).toEqual({ packageName: '@scope/pkg', subpath: './sub' });
});

test('importConditions adds --conditions flags from the command line and NODE_OPTIONS', () => {
  expect(importConditions([], '')).toEqual(expect.arrayContaining(['node', 'import']));
  const conditions = importConditions(['--conditions=development', '-C', 'custom'], '--conditions=from-env');
  expect(conditions).toEqual(expect.arrayContaining(['development', 'custom', 'from-env']));
  expect(conditions).not.toContain('require');
});

test("a folder's require and real path are kept while the code runs on, and made again after it yields", async () => {
  const { dir, cleanup } = tempDir('real-folder');
  try {
    for (const name of ['one', 'two']) fs.mkdirSync(path.join(dir, name));
    const link = path.join(dir, 'link');
    fs.symlinkSync('one', link);
    const before = requireFrom(link);
    expect(realFolder(link)).toBe(path.join(dir, 'one'));
    fs.unlinkSync(link);
    fs.symlinkSync('two', link);
    // The same synchronous run: what was made for the folder is used again.
    expect(realFolder(link)).toBe(path.join(dir, 'one'));
    expect(requireFrom(link)).toBe(before);
    await Promise.resolve();
    expect(realFolder(link)).toBe(path.join(dir, 'two'));
    expect(requireFrom(link)).not.toBe(before);
    // A folder that does not exist is its own absolute path.
    expect(realFolder(path.join(dir, 'missing'))).toBe(path.join(dir, 'missing'));
  } finally {
    cleanup();
  }
});

test('findPnpApi is null outside Yarn Plug-n-Play', () => {
  expect(findPnpApi(__dirname)).toBeNull();
});

describe('resolveImport on a package tree', () => {
  let tree: PackageTree;
  beforeAll(() => {
    tree = createPackageTree({
      app: { name: 'app', manifest: { exports: { './self': { import: './self.mjs' } } }, files: { 'self.mjs': '' } },
      packages: [
        {
          name: '@scope/dual',
          manifest: { exports: { '.': { import: './esm.mjs', require: './cjs.cjs' }, './gone': './missing.js' } },
          files: { 'esm.mjs': '', 'cjs.cjs': '' },
        },
        { name: 'legacy', manifest: { main: 'lib/main.js' }, files: { 'lib/main.js': '', 'extra.js': '' } },
      ],
    });
  });
  afterAll(() => tree.cleanup());

  test('finds packages through node_modules and applies the import conditions', () => {
    const nm = path.join(tree.root, 'node_modules');
    expect(resolveImport('@scope/dual', tree.root)).toBe(path.join(nm, '@scope', 'dual', 'esm.mjs'));
    expect(resolveImport('legacy', tree.root)).toBe(path.join(nm, 'legacy', 'lib', 'main.js'));
    expect(resolveImport('legacy/extra', tree.root)).toBe(path.join(nm, 'legacy', 'extra.js'));
    expect(resolveImport('node:fs', tree.root)).toBe('node:fs');
  });

  test('self-reference through the package own exports', () => {
    expect(resolveImport('app/self', tree.root)).toBe(path.join(tree.root, 'self.mjs'));
  });

  test('clear errors for a missing package, an unexported subpath and a missing target file', () => {
    expect(() => resolveImport('nowhere', tree.root)).toThrow(
      expect.objectContaining({ code: 'ERR_MODULE_NOT_FOUND', message: expect.stringContaining("'nowhere'") }),
    );
    expect(() => resolveImport('@scope/dual/other', tree.root)).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }),
    );
    expect(() => resolveImport('@scope/dual/gone', tree.root)).toThrow(
      expect.objectContaining({ code: 'ERR_MODULE_NOT_FOUND', message: expect.stringContaining('missing.js') }),
    );
  });
});
