/**
 * Bundled applications: the entry points are collected at build time into a
 * generated module (writeEntryPointModule), the app is bundled with esbuild,
 * the package tree is deleted, and the bundle still finds and loads every
 * plugin through registerBundled().
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import {
  BundledEntryPoint,
  collectEntryPoints,
  generateEntryPointModule,
  registerBundled,
  writeEntryPointModule,
} from '../lib/bundle';
import { ExtensionManager } from '../lib/extension';
import { Registry } from '../lib/registry';
import type { PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { REPO, ensureBuilt } from './support/dist';
import { runOk } from './support/processes';
import { tempDir } from './support/temp';

const GROUP = 'app.formatters';
let tree: PackageTree;
let generated: string;

// The application: formats a word with every plugin, synchronously and with create().
const MAIN = `
import { ExtensionManager, Registry, registerBundled } from 'stevedore-ts';
import entryPoints from './plugins.generated.mjs';

const registry = new Registry({ paths: [], cache: false });
registerBundled(registry, entryPoints);
const options = { registry, invokeOnLoad: true, invokeArgs: ['word'] };
const sync = new ExtensionManager('${GROUP}', options);
const async = await ExtensionManager.create('${GROUP}', options);
const show = (manager) => manager.extensions.map((e) => [e.name, e.obj, e.entryPoint.dist && e.entryPoint.dist.name]);
console.log(JSON.stringify({ sync: show(sync), async: show(async), groups: registry.groups() }));
`;

const EXPECTED = [
  ['upper', 'WORD', 'bundled-app'],
  ['basename', 'word', 'bundled-app'],
  ['cjs', 'cjs:word', 'fmt-cjs'],
  ['cls', 'class:word', 'fmt-cjs'],
  ['dual', 'dual-esm:word', 'fmt-dual'],
  ['esm', 'esm:word', 'fmt-esm'],
  ['json', 'json:word', 'fmt-json'],
];

beforeAll(() => {
  ensureBuilt();
  tree = createPackageTree({
    app: {
      name: 'bundled-app',
      entryPoints: { [GROUP]: { upper: './src/upper.js:upper', basename: 'node:path:basename' } },
      files: { 'src/main.mjs': MAIN, 'src/upper.js': 'exports.upper = (w) => w.toUpperCase();' },
    },
    packages: [
      {
        name: 'fmt-cjs',
        entryPoints: { [GROUP]: { cjs: './index.js', cls: './index.js:Formatter' } },
        files: {
          'index.js': [
            'module.exports = (w) => `cjs:${w}`;',
            'module.exports.Formatter = class Formatter { constructor(w) { this.w = w; } toJSON() { return `class:${this.w}`; } };',
          ].join('\n'),
        },
      },
      {
        name: 'fmt-esm',
        manifest: { type: 'module' },
        entryPoints: { [GROUP]: { esm: './index.js:default' } },
        files: { 'index.js': 'export default (w) => `esm:${w}`;' },
      },
      {
        name: 'fmt-dual',
        manifest: { exports: { '.': { import: './index.mjs', require: './index.cjs' } } },
        entryPoints: { [GROUP]: { dual: 'fmt-dual:format' } },
        files: {
          'index.mjs': 'export const format = (w) => `dual-esm:${w}`;',
          'index.cjs': 'exports.format = (w) => `dual-esm:${w}`;',
        },
      },
      {
        name: 'fmt-json',
        entryPoints: { [GROUP]: { json: './make.js:fromTable' } },
        files: {
          'table.json': '{ "prefix": "json:" }',
          'make.js': 'const t = require("./table.json"); exports.fromTable = (w) => t.prefix + w;',
        },
      },
    ],
  });
  // The app depends on stevedore-ts: link this repository in as a package would be installed.
  symlinkSync(REPO, path.join(tree.root, 'node_modules', 'stevedore-ts'), 'dir');
  generated = path.join(tree.root, 'src', 'plugins.generated.mjs');
});

afterAll(() => tree?.cleanup());

test('writeEntryPointModule collects the entry points into static imports', () => {
  const collected = writeEntryPointModule({ registry: tree.registry, groups: [GROUP], outFile: generated });
  expect(collected.map((entry) => [entry.name, entry.format])).toEqual([
    ['upper', 'commonjs'],
    ['basename', 'builtin'],
    ['cjs', 'commonjs'],
    ['cls', 'commonjs'],
    ['dual', 'commonjs'],
    ['esm', 'module'],
    ['json', 'commonjs'],
  ]);
  const text = readFileSync(generated, 'utf8');
  expect(text).toContain('import m1 from "node:path";');
  expect(text).toContain('import * as m5 from "../node_modules/fmt-esm/index.js";');
  expect(text).toContain('import m2 from "../node_modules/fmt-cjs/index.js";');
  // cjs and cls name the same module: it is imported once, and both records use it.
  expect(text.match(/fmt-cjs\/index\.js/g)).toHaveLength(1);
  expect(text).toContain('"name":"cls"');
  expect(text.match(/module: m2 }/g)).toHaveLength(2);
  expect(text.split('\n').filter((line) => line.startsWith('import '))).toHaveLength(6);
  expect(text).not.toContain(tree.dir);
});

test('the generated module runs unbundled in Node', () => {
  const result = runOk(process.execPath, [path.join(tree.root, 'src', 'main.mjs')], { cwd: tree.root });
  const output = JSON.parse(result.stdout);
  expect(output.sync).toEqual(EXPECTED);
  expect(output.async).toEqual(EXPECTED);
});

test('an esbuild bundle works with no package tree on disk', () => {
  const outDir = tempDir('bundle-out').dir;
  try {
    const outfile = path.join(outDir, 'build', 'app.mjs');
    const build = buildSync({
      entryPoints: [path.join(tree.root, 'src', 'main.mjs')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      // The usual recipe for ES module bundles of CommonJS code that requires built-in modules.
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      logLevel: 'silent',
    });
    expect(build.errors).toEqual([]);
    // Run the bundle alone: a folder with no package.json and no node_modules, the tree deleted.
    const runDir = path.join(outDir, 'run');
    mkdirSync(runDir);
    copyFileSync(outfile, path.join(runDir, 'app.mjs'));
    tree.cleanup();
    expect(existsSync(tree.dir)).toBe(false);
    const result = runOk(process.execPath, [path.join(runDir, 'app.mjs')], {
      cwd: runDir,
      env: { JEST_WORKER_ID: undefined, NODE_PATH: undefined },
    });
    const output = JSON.parse(result.stdout);
    expect(output.sync).toEqual(EXPECTED);
    expect(output.async).toEqual(EXPECTED);
    expect(output.groups).toEqual([GROUP]);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

describe('in-process', () => {
  test('registerBundled adds entry points that load from the record, and removes them', async () => {
    // A registry over an empty folder: nothing on disk, as in a bundle.
    const registry = new Registry({ paths: [], root: tree.dir, cache: false });
    const remove = registerBundled(registry, [
      {
        group: 'g',
        name: 'ns',
        value: 'pkg/sub:tools.run',
        dist: { name: 'pkg', version: '2.0.0' },
        module: { tools: { run: () => 'ran' } },
      },
      {
        group: 'g',
        name: 'interop',
        value: 'pkg:helper',
        dist: null,
        module: nsWithDefault({ helper: () => 'interop' }),
      },
    ]);
    const [first, second] = registry.entryPoints('g');
    expect(first).toBeInstanceOf(BundledEntryPoint);
    expect(first.dist).toEqual({ name: 'pkg', version: '2.0.0', root: '' });
    expect(first.resolve()).toBe('<bundled pkg/sub>');
    expect(first.resolveForImport()).toBe('<bundled pkg/sub>');
    expect(await first.loadAsync()).toBeInstanceOf(Function);
    expect(second.dist).toBeNull();
    const manager = new ExtensionManager<string>('g', { registry, invokeOnLoad: true });
    expect(manager.map((e) => e.obj)).toEqual(['ran', 'interop']);
    remove();
    expect(registry.entryPoints('g')).toEqual([]);
  });

  test('native addons cannot be bundled: a clear error names the entry point', () => {
    expect(() =>
      generateEntryPointModule(
        [
          {
            group: 'g',
            name: 'native',
            value: './a.node',
            dist: null,
            installedAs: null,
            file: '/x/a.node',
            format: 'addon',
          },
        ],
        '/x',
      ),
    ).toThrow("entry point 'native' in group 'g' is a native addon (/x/a.node), which cannot be bundled");
  });

  test('collectEntryPoints covers every group by default and skips in-process entry points', () => {
    const other = createPackageTree({
      app: {
        name: 'a',
        entryPoints: { one: { x: './x.js' }, two: { y: './y.json' } },
        files: { 'x.js': '', 'y.json': '{}' },
      },
    });
    try {
      other.registry.register('one', 'mem', () => 1);
      expect(collectEntryPoints(other.registry).map((e) => [e.group, e.name, e.format])).toEqual([
        ['one', 'x', 'commonjs'],
        ['two', 'y', 'json'],
      ]);
      const text = generateEntryPointModule(collectEntryPoints(other.registry), other.root);
      expect(text).toContain('import m1 from "./y.json" with { type: \'json\' };');
      // Unbundled, what is on disk wins over the bundled copy of the same entry point.
      const record = { group: 'one', name: 'x', value: './x.js', dist: { name: 'a', version: '1.0.0' }, module: {} };
      registerBundled(other.registry, [record, { ...record, name: 'extra' }]);
      expect(other.registry.entryPoints('one').map((e) => [e.name, e instanceof BundledEntryPoint])).toEqual([
        ['x', false],
        ['mem', false],
        ['extra', true],
      ]);
    } finally {
      other.cleanup();
    }
  });
});

/** An object shaped like an ES module namespace of a CommonJS module: its exports on `default`. */
function nsWithDefault(exports: object): object {
  const ns = Object.create(null);
  ns.default = exports;
  Object.defineProperty(ns, Symbol.toStringTag, { value: 'Module' });
  return ns;
}
