/**
 * Plugin formats, loaded by real Node processes on dist/: CommonJS, ES
 * modules, dual packages with `exports` conditions, import-only exports,
 * subpath patterns, JSON modules, top-level await, and TypeScript plugins
 * under the tsx loader.
 */
import { pathToFileURL } from 'node:url';
import type { PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { probe } from './support/probe';
import { TOOLS } from './support/processes';

const GROUP = 'app.formats';
const DATA_GROUP = 'app.data';

let tree: PackageTree;

beforeAll(() => {
  tree = createPackageTree({
    app: {
      name: 'formats-app',
      entryPoints: { [GROUP]: { own: './own.js:run' } },
      files: { 'own.js': 'exports.run = () => "own";' },
    },
    packages: [
      {
        name: 'fmt-cjs',
        entryPoints: { [GROUP]: { cjs: './index.js:run', 'cjs-cls': './index.js:Plugin' } },
        files: {
          'index.js':
            'exports.run = () => "cjs"; exports.Plugin = class Plugin { constructor() { this.kind = "cjs-class"; } };',
        },
      },
      {
        name: 'fmt-esm',
        manifest: { type: 'module' },
        entryPoints: { [GROUP]: { esm: './index.js:run', mjs: './other.mjs:default' } },
        files: {
          'index.js': 'export const run = () => "esm";',
          'other.mjs': 'export default function other() { return "mjs"; }',
        },
      },
      {
        name: 'fmt-dual',
        manifest: {
          exports: {
            '.': { import: './esm/index.mjs', require: './cjs/index.cjs' },
            './features/*': { import: './esm/features/*.mjs', require: './cjs/features/*.cjs' },
            './features/private': null,
            './package.json': './package.json',
          },
        },
        entryPoints: {
          [GROUP]: {
            dual: 'fmt-dual:run',
            'dual-feature': 'fmt-dual/features/extra:run',
            hidden: 'fmt-dual/features/private:run',
          },
        },
        files: {
          'esm/index.mjs': 'export const run = () => "dual:esm";',
          'cjs/index.cjs': 'exports.run = () => "dual:cjs";',
          'esm/features/extra.mjs': 'export const run = () => "extra:esm";',
          'cjs/features/extra.cjs': 'exports.run = () => "extra:cjs";',
          'esm/features/private.mjs': 'export const run = () => "private";',
          'cjs/features/private.cjs': 'exports.run = () => "private";',
        },
      },
      {
        name: 'fmt-import-only',
        manifest: { type: 'module', exports: { '.': { node: { import: './index.js' } } } },
        entryPoints: { [GROUP]: { 'import-only': 'fmt-import-only:run' } },
        files: { 'index.js': 'export const run = () => "import-only";' },
      },
      {
        // Names another package's import-only export: found through node_modules, not self-reference.
        name: 'fmt-reexport',
        entryPoints: { [GROUP]: { 'via-other': 'fmt-import-only:run' } },
      },
      {
        name: 'fmt-json',
        entryPoints: {
          [DATA_GROUP]: { json: './data.json:formats', 'json-subpath': 'fmt-json/data:formats', whole: './data.json' },
        },
        manifest: { exports: { './data': './data.json', './package.json': './package.json' } },
        files: { 'data.json': '{ "formats": ["csv", "tsv"] }' },
      },
      {
        name: 'fmt-tla',
        manifest: { type: 'module' },
        entryPoints: { [GROUP]: { tla: './index.js:run' } },
        files: { 'index.js': 'const word = await Promise.resolve("tla");\nexport const run = () => word;' },
      },
    ],
  });
});

afterAll(() => tree.cleanup());

function loadedMap(report: { loaded: [string, unknown][] | null }): Record<string, unknown> {
  return Object.fromEntries(report.loaded ?? []);
}

test('synchronous loading: require() semantics for every format', () => {
  const report = probe({ root: tree.root, group: GROUP, load: 'sync' }, { cwd: tree.root });
  expect(loadedMap(report)).toEqual({
    own: 'own',
    cjs: 'cjs',
    'cjs-cls': { kind: 'cjs-class' },
    esm: 'esm',
    mjs: 'mjs',
    dual: 'dual:cjs',
    'dual-feature': 'extra:cjs',
  });
  const failures = Object.fromEntries(report.failures.map((f) => [f.name, f.code]));
  expect(failures).toEqual({
    hidden: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    'import-only': 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    'via-other': 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    tla: 'STEVEDORE_ASYNC_MODULE',
  });
});

test('asynchronous loading: import() semantics, including import-only and dual exports', () => {
  const report = probe({ root: tree.root, group: GROUP, load: 'async' }, { cwd: tree.root });
  expect(loadedMap(report)).toEqual({
    own: 'own',
    cjs: 'cjs',
    'cjs-cls': { kind: 'cjs-class' },
    esm: 'esm',
    mjs: 'mjs',
    dual: 'dual:esm',
    'dual-feature': 'extra:esm',
    'import-only': 'import-only',
    'via-other': 'import-only',
    tla: 'tla',
  });
  expect(report.failures).toEqual([expect.objectContaining({ name: 'hidden', code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' })]);
  expect(report.failures[0].message).toContain("'./features/private'");
});

test('JSON modules load as data, with require() and with create()', () => {
  const expected = { json: ['csv', 'tsv'], 'json-subpath': ['csv', 'tsv'], whole: { formats: ['csv', 'tsv'] } };
  for (const load of ['sync', 'async'] as const) {
    const report = probe({ root: tree.root, group: DATA_GROUP, load, invoke: false }, { cwd: tree.root });
    expect(loadedMap(report)).toEqual(expected);
    expect(report.failures).toEqual([]);
  }
});

describe('TypeScript plugins', () => {
  let tsTree: PackageTree;
  const TS_GROUP = 'app.ts';

  beforeAll(() => {
    tsTree = createPackageTree({
      app: { name: 'ts-app' },
      packages: [
        {
          name: 'plugin-ts',
          entryPoints: {
            [TS_GROUP]: { cts: './src/plugin.ts:run', extensionless: './src/plugin:Greeter', mts: './src/esm.mts:run' },
          },
          files: {
            'src/plugin.ts': [
              'interface Options { loud?: boolean }',
              'export function run(options: Options = {}): string { return options.loud ? "TS" : "ts"; }',
              'export class Greeter { readonly greeting: string = "hello from ts"; }',
            ].join('\n'),
            'src/esm.mts': [
              'import { run as base } from "./plugin.ts";',
              'type Word = string;',
              'const suffix: Word = await Promise.resolve("-mts");',
              'export const run = (): Word => base() + suffix;',
            ].join('\n'),
          },
        },
        {
          name: 'plugin-ts-esm',
          manifest: { type: 'module', exports: { '.': { import: './src/index.ts' } } },
          entryPoints: { [TS_GROUP]: { 'esm-package': 'plugin-ts-esm:run' } },
          files: { 'src/index.ts': 'export const run = (): string => "ts-esm-package";' },
        },
      ],
    });
  });

  afterAll(() => tsTree.cleanup());

  const tsx = (): string[] => ['--import', pathToFileURL(TOOLS.tsxLoader).href];

  test('load through the tsx loader, synchronously and with create()', () => {
    const sync = probe({ root: tsTree.root, group: TS_GROUP, load: 'sync' }, { cwd: tsTree.root, nodeArgs: tsx() });
    expect(loadedMap(sync)).toEqual({ cts: 'ts', extensionless: { greeting: 'hello from ts' } });
    expect(Object.fromEntries(sync.failures.map((f) => [f.name, f.code]))).toEqual({
      mts: 'STEVEDORE_ASYNC_MODULE',
      'esm-package': 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });

    const async = probe({ root: tsTree.root, group: TS_GROUP, load: 'async' }, { cwd: tsTree.root, nodeArgs: tsx() });
    expect(loadedMap(async)).toEqual({
      cts: 'ts',
      extensionless: { greeting: 'hello from ts' },
      mts: 'ts-mts',
      'esm-package': 'ts-esm-package',
    });
    expect(async.failures).toEqual([]);
  });

  test('without a TypeScript loader the plugins fail one by one, reported, not fatal', () => {
    const report = probe({ root: tsTree.root, group: TS_GROUP, load: 'async' }, { cwd: tsTree.root });
    expect(report.loaded).toEqual([]);
    const failures = Object.fromEntries(report.failures.map((f) => [f.name, f]));
    expect(Object.keys(failures).sort()).toEqual(['cts', 'esm-package', 'extensionless', 'mts']);
    // A TypeScript file Node cannot run says what to do; the extensionless one is simply not found.
    for (const name of ['cts', 'esm-package', 'mts']) {
      expect(failures[name].code).toBe('STEVEDORE_TYPESCRIPT');
      expect(failures[name].message).toContain(
        'start the application with a TypeScript loader (e.g. node --import tsx)',
      );
    }
    expect(failures.extensionless.code).toBe('MODULE_NOT_FOUND');

    const sync = probe({ root: tsTree.root, group: TS_GROUP, load: 'sync' }, { cwd: tsTree.root });
    expect(sync.failures.find((f) => f.name === 'cts')?.code).toBe('STEVEDORE_TYPESCRIPT');
  });
});
