/**
 * The `stevedore-ts/testing` entry, used as the tests of an application or a
 * plugin would: extensions around in-memory plugins for makeTestInstance(),
 * and package trees on disk with a Registry over them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPackageTree, makeTestExtension } from '../lib/testing';
import type { PackageTree } from '../lib/testing';
// The public entry, as a user imports it.
import { DriverManager, ExtensionManager, NamedExtensionManager } from '../lib/index';

describe('makeTestExtension', () => {
  class Formatter {
    format(text: string): string {
      return `<${text}>`;
    }
  }

  test('an Extension with a TESTING entry point that is never loaded', () => {
    const obj = new Formatter();
    const extension = makeTestExtension('angle', Formatter, obj);
    expect(extension).toMatchObject({ name: 'angle', plugin: Formatter, obj });
    expect(extension.entryPoint).toMatchObject({ name: 'angle', group: 'TESTING', value: 'testing/angle', dist: null });
    expect(extension.moduleName).toBe('testing/angle');
    expect(extension.attr).toBeNull();
    expect(extension.entryPointTarget).toBe('testing/angle');
  });

  test('a given value and group', () => {
    const extension = makeTestExtension('json', {}, undefined, {
      value: 'my-plugin/json:Json',
      group: 'app.formatters',
    });
    expect(extension.entryPoint).toMatchObject({ group: 'app.formatters', module: 'my-plugin/json', attr: 'Json' });
    expect(extension.obj).toBeUndefined();
  });

  test.each(['', '.', '..', '@scope/name', 'with space', 'dotted.name', 'ünï'])(
    'any name (%j) makes a valid entry point',
    (name) => {
      const extension = makeTestExtension(name, 1);
      expect(extension.name).toBe(name);
      expect(extension.entryPoint?.value).toMatch(/^testing\/[\w-]+$/);
    },
  );

  test('feeds makeTestInstance() of the managers', () => {
    const first = makeTestExtension('first', Formatter, new Formatter());
    const second = makeTestExtension('second', Formatter, new Formatter());
    const manager = ExtensionManager.makeTestInstance([first, second]);
    expect(manager.namespace).toBe('TESTING');
    expect(manager.names()).toEqual(['first', 'second']);
    expect(manager.mapMethod('format', 'x')).toEqual(['<x>', '<x>']);
    expect(NamedExtensionManager.makeTestInstance([second, first], { namespace: 'app.formatters' }).names()).toEqual([
      'second',
      'first',
    ]);
    expect(DriverManager.makeTestInstance(first).driver).toBe(first.obj);
  });
});

describe('createPackageTree', () => {
  let tree: PackageTree;
  afterEach(() => tree.cleanup());

  test('writes an application and its packages, with a Registry rooted at the application', () => {
    tree = createPackageTree({
      app: {
        name: 'my-app',
        entryPoints: { 'app.formatters': { own: './own.js:own' } },
        files: { 'own.js': "exports.own = 'own';" },
      },
      packages: [
        {
          name: 'fmt-json',
          version: '2.1.0',
          entryPoints: { 'app.formatters': { json: './lib/index.js:json' } },
          files: { 'lib/index.js': 'exports.json = (v) => JSON.stringify(v);' },
        },
        {
          name: '@acme/fmt-yaml',
          entryPoints: { 'app.formatters': { yaml: './index.mjs:yaml' } },
          manifest: { type: 'module', description: 'scoped' },
          files: { 'index.mjs': "export const yaml = 'yaml';" },
        },
        {
          name: 'fmt-linked',
          linked: true,
          entryPoints: { 'app.formatters': { linked: './index.js:linked' } },
          files: { 'index.js': "exports.linked = 'linked';" },
        },
      ],
    });
    expect(tree.dir).toBe(fs.realpathSync(tree.dir));
    expect(path.dirname(tree.dir)).toBe(fs.realpathSync(os.tmpdir()));
    expect(tree.root).toBe(path.join(tree.dir, 'app'));
    expect(tree.registry.root).toBe(tree.root);
    expect(tree.registry.entryPoints('app.formatters').map((entryPoint) => entryPoint.name)).toEqual([
      'own',
      'yaml',
      'json',
      'linked',
    ]);
    const dists = Object.fromEntries(
      tree.registry.entryPoints('app.formatters').map((entryPoint) => [entryPoint.name, entryPoint.dist]),
    );
    expect(dists.own).toEqual({ name: 'my-app', version: '1.0.0', root: tree.root });
    expect(dists.json).toEqual({
      name: 'fmt-json',
      version: '2.1.0',
      root: path.join(tree.root, 'node_modules', 'fmt-json'),
    });
    expect(dists.linked?.root).toBe(path.join(tree.dir, 'linked', 'fmt-linked'));
    expect(fs.lstatSync(path.join(tree.root, 'node_modules', 'fmt-linked')).isSymbolicLink()).toBe(true);
    const yamlManifest = JSON.parse(
      fs.readFileSync(path.join(tree.root, 'node_modules', '@acme', 'fmt-yaml', 'package.json'), 'utf8'),
    );
    expect(yamlManifest).toEqual({
      name: '@acme/fmt-yaml',
      version: '1.0.0',
      type: 'module',
      description: 'scoped',
      entryPoints: { 'app.formatters': { yaml: './index.mjs:yaml' } },
    });
    const manager = new ExtensionManager<(value: unknown) => string>('app.formatters', {
      registry: tree.registry,
      onLoadFailureCallback: () => undefined, // the ES module cannot load inside jest
    });
    expect(manager.get('json').plugin([1])).toBe('[1]');
    expect(manager.get('own').plugin).toBe('own');
  });

  test('install() adds a package; refresh() makes the registry see it', () => {
    tree = createPackageTree();
    expect(tree.registry.groups()).toEqual([]);
    const folder = tree.install({ name: 'late', entryPoints: { g: { late: './i.js' } } });
    expect(folder).toBe(path.join(tree.root, 'node_modules', 'late'));
    expect(tree.registry.groups()).toEqual([]);
    tree.registry.refresh();
    expect(tree.registry.groups()).toEqual(['g']);
  });

  test('install() into another folder of packages (relative to the root), e.g. for paths or NODE_PATH', () => {
    tree = createPackageTree({ registryOptions: { paths: ['vendor', 'node_modules'] } });
    const vendored = tree.install({ name: 'vendored', entryPoints: { g: { v: './i.js' } } }, 'vendor');
    const linked = tree.install({ name: '@s/linked', linked: true, entryPoints: { g: { l: './i.js' } } }, 'vendor');
    expect(vendored).toBe(path.join(tree.root, 'vendor', 'vendored'));
    expect(fs.realpathSync(linked)).toBe(path.join(tree.dir, 'linked', '@s', 'linked'));
    expect(tree.registry.entryPoints('g').map((entryPoint) => entryPoint.name)).toEqual(['l', 'v']);
  });

  test('registryOptions reach the Registry; the on-disk cache is off unless asked', () => {
    const cacheDir = path.join(os.tmpdir(), `stevedore-unused-cache-${process.pid}`);
    tree = createPackageTree({ registryOptions: { paths: ['vendor'], cacheDir } });
    expect(tree.registry.folders[0]).toBe(path.join(tree.root, 'vendor'));
    expect(tree.registry.cacheKey).toContain(JSON.stringify(path.join(tree.root, 'vendor')));
    tree.registry.entryPoints();
    expect(fs.existsSync(cacheDir)).toBe(false);
  });

  test('cleanup() removes everything', () => {
    tree = createPackageTree({ packages: [{ name: 'x' }] });
    tree.cleanup();
    expect(fs.existsSync(tree.dir)).toBe(false);
  });
});
