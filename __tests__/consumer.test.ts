/**
 * stevedore-ts as its users get it: a copy of the checkout with nothing
 * built is built as on a fresh clone (the build script run from
 * examples/trove-api, as the demo's prestart runs it; `npm pack`'s `prepack`
 * runs the same script) and packed with `npm pack`, and the tarball,
 * installed with its runtime dependencies into a consumer's node_modules,
 * loads with `require()` and with `import` (one copy for both), runs as the
 * `stevedore-ts` and `stevedore` commands, and type-checks CommonJS and ES
 * module consumers that have neither @types/node nor a lib newer than ES2020.
 * (publint and arethetypeswrong check the tarball in `npm run lint`:
 * scripts/check-package.mjs.)
 * The tarball the other tests pack of the checkout's build with tar
 * (docs-commands.test.ts) holds the same files, byte for byte.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './support/dist';
import { runNode, runOk } from './support/processes';
import {
  copyCleanCheckout,
  packBuilt,
  packBuiltCheckout,
  tarballFiles,
  tarballListing,
  unpack,
} from './support/package';
import type { TempDir } from './support/temp';
import { tempDir } from './support/temp';

let temp: TempDir;
let checkout: string;
/** The demo's folder in the checkout copy (where its build ran), listed before and after the build. */
let demoBefore: string[];
let demoAfter: string[];
const listing = (folder: string): string[] => fs.readdirSync(folder, { recursive: true }).map(String).sort();
let tarball: string;
let consumer: string;
// The runtime dependencies and theirs (debug's ms), as npm installs them beside the package.
const RUNTIME_PACKAGES = ['debug', 'ms', 'semver', 'tapable'];
let installed: string;
const write = (file: string, text: string): void => {
  fs.mkdirSync(path.dirname(path.join(consumer, file)), { recursive: true });
  fs.writeFileSync(path.join(consumer, file), text);
};

beforeAll(() => {
  temp = tempDir('consumer');
  checkout = copyCleanCheckout(temp.dir);
  const demo = path.join(checkout, 'examples', 'trove-api');
  demoBefore = listing(demo);
  runOk(process.execPath, [path.join(checkout, 'scripts', 'build.mjs')], { cwd: demo });
  demoAfter = listing(demo);
  tarball = packBuiltCheckout(checkout, temp.dir);
  consumer = path.join(temp.dir, 'consumer');
  installed = path.join(consumer, 'node_modules', 'stevedore-ts');
  write(
    'package.json',
    JSON.stringify({
      name: 'consumer',
      private: true,
      dependencies: { 'stevedore-ts': '*' },
      entryPoints: { 'consumer.plugins': { hello: './hello.cjs:hello' } },
    }),
  );
  write('hello.cjs', "exports.hello = () => 'hello from the consumer';");
  unpack(tarball, installed);
  for (const dependency of RUNTIME_PACKAGES) {
    fs.cpSync(path.join(REPO, 'node_modules', dependency), path.join(consumer, 'node_modules', dependency), {
      recursive: true,
    });
  }
}, 120_000);
afterAll(() => temp.cleanup());

function printed<T>(args: string[]): T {
  const run = runNode(args, { cwd: consumer });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as T;
}

test('the build works from any working directory, as the demo runs it on a fresh clone', () => {
  for (const file of ['index.js', 'index.d.ts', 'index.mjs', 'testing.js', path.join('cli', 'main.js')]) {
    expect([file, fs.existsSync(path.join(checkout, 'dist', file))]).toEqual([file, true]);
  }
  // Nothing was written where it ran.
  expect(demoBefore).toContain('package.json');
  expect(demoAfter).toEqual(demoBefore);
  // What `npm pack` and `npm publish` run first is that same build.
  const { scripts } = JSON.parse(fs.readFileSync(path.join(checkout, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  expect(scripts.prepack).toBe('node scripts/build.mjs');
});

test('the tarball holds the entries, their declarations, the LICENSE, and nothing else', () => {
  const files = tarballFiles(tarball);
  const code = files.filter((file) => /\.(c|m)?js$/.test(file));
  expect(code).toEqual([
    'dist/cli/main.js',
    'dist/cli/probe-child.js',
    'dist/index.bundler.mjs',
    'dist/index.js',
    'dist/index.mjs',
    'dist/testing.bundler.mjs',
    'dist/testing.js',
    'dist/testing.mjs',
  ]);
  expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
  expect(files.filter((file) => file.startsWith('dist/cli/') && file.endsWith('.ts'))).toEqual([]);
  expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.d.ts']));
  expect(files.filter((file) => !file.startsWith('dist/'))).toEqual([
    'CHANGELOG.md',
    'LICENSE',
    'README.md',
    'package.json',
  ]);
  expect(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toMatch(
    /^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\/[\s\S]*END OF TERMS AND CONDITIONS/,
  );
});

test("the tarball other tests make with tar (packBuilt, from the checkout's build) is npm's, byte for byte", () => {
  const made = packBuilt(fs.mkdtempSync(path.join(temp.dir, 'tar-')));
  // Paths, modes, owner, sizes and times.
  expect(tarballListing(made)).toEqual(tarballListing(tarball));
  const unpacked = path.join(temp.dir, 'tar-unpacked');
  unpack(made, unpacked);
  const differing = tarballFiles(tarball).filter(
    (file) => !fs.readFileSync(path.join(unpacked, file)).equals(fs.readFileSync(path.join(installed, file))),
  );
  expect(differing).toEqual([]);
});

test('the command and stevedore-ts/testing load the library from the one bundle', () => {
  for (const file of ['cli/main.js', 'cli/probe-child.js', 'testing.js']) {
    const source = fs.readFileSync(path.join(installed, 'dist', file), 'utf8');
    expect([file, /require\("\.{1,2}\/index\.js"\)/.test(source)]).toEqual([file, true]);
    // The library's classes are defined in index.js only.
    expect([file, /\bclass (EntryPoint|Registry|ExtensionManager)\b/.test(source)]).toEqual([file, false]);
  }
});

test('the command runs under both names', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  expect(manifest.bin).toEqual({ stevedore: './dist/cli/main.js', 'stevedore-ts': './dist/cli/main.js' });
  const run = runNode([path.join(installed, manifest.bin['stevedore-ts']), 'list', 'consumer.plugins'], {
    cwd: consumer,
  });
  expect(run.stderr).toBe('');
  expect(run.stdout).toMatch(/^hello\t\.\/hello\.cjs:hello\tconsumer/m);
  expect(run.status).toBe(0);
  const show = runNode([path.join(installed, 'dist', 'cli', 'main.js'), 'show', 'consumer.plugins', 'hello'], {
    cwd: consumer,
  });
  expect(show.stdout).toMatch(/Loaded: function/);
  expect(show.status).toBe(0);
});

test("require('stevedore-ts') and require('stevedore-ts/testing')", () => {
  const out = printed<Record<string, unknown>>([
    '-e',
    `
    const stevedore = require('stevedore-ts');
    const testing = require('stevedore-ts/testing');
    const manager = new stevedore.ExtensionManager('consumer.plugins');
    console.log(JSON.stringify({
      resolved: [require.resolve('stevedore-ts'), require.resolve('stevedore-ts/testing')],
      names: manager.names(),
      hello: manager.get('hello').plugin(),
      testing: [typeof testing.createPackageTree, typeof testing.makeTestExtension],
      sameCopy: testing.makeTestExtension('x', 1) instanceof stevedore.Extension,
    }));
    `,
  ]);
  expect(out).toEqual({
    resolved: [path.join(installed, 'dist', 'index.js'), path.join(installed, 'dist', 'testing.js')],
    names: ['hello'],
    hello: 'hello from the consumer',
    testing: ['function', 'function'],
    sameCopy: true,
  });
});

test("import from 'stevedore-ts': the same single copy as require(), with the same names", () => {
  const out = printed<Record<string, unknown>>([
    '--input-type=module',
    '-e',
    `
    import * as stevedore from 'stevedore-ts';
    import { ExtensionManager, Registry, defaultRegistry } from 'stevedore-ts';
    import * as testing from 'stevedore-ts/testing';
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const cjs = require('stevedore-ts');
    const manager = await ExtensionManager.create('consumer.plugins');
    const tree = testing.createPackageTree();
    const publicNames = (module) => Object.keys(module).filter((name) => name !== '__esModule' && name !== 'default');
    console.log(JSON.stringify({
      resolved: [import.meta.resolve('stevedore-ts'), import.meta.resolve('stevedore-ts/testing')],
      names: manager.names(),
      hello: manager.get('hello').plugin(),
      sameCopy: cjs.Registry === Registry && cjs.defaultRegistry === defaultRegistry && tree.registry instanceof cjs.Registry,
      missingFromEsm: publicNames(cjs).filter((name) => !(name in stevedore)).sort(),
      testingNames: publicNames(testing).sort().join() === publicNames(require('stevedore-ts/testing')).sort().join(),
      testExtension: testing.makeTestExtension('x', 1).entryPoint.value,
    }));
    tree.cleanup();
    `,
  ]);
  expect(out).toEqual({
    resolved: [
      `file://${path.join(installed, 'dist', 'index.mjs')}`,
      `file://${path.join(installed, 'dist', 'testing.mjs')}`,
    ],
    names: ['hello'],
    hello: 'hello from the consumer',
    sameCopy: true,
    // The command reaches these internals through the bundle (one copy of the library); they are in neither the
    // types nor the ES module wrapper.
    missingFromEsm: ['findPackageRoot', 'incompatiblePlugins', 'isRunning'],
    testingNames: true,
    testExtension: 'testing/x',
  });
});

test('a bundler (esbuild, ES module output) bundles one copy of the library, which runs with no package on disk', async () => {
  write(
    'bundle-me.mjs',
    `import { Extension, ExtensionManager } from 'stevedore-ts';
import { makeTestExtension } from 'stevedore-ts/testing';
const extension = makeTestExtension('x', () => 'from the bundle');
const manager = ExtensionManager.makeTestInstance([extension]);
console.log(JSON.stringify({ sameCopy: extension instanceof Extension, called: manager.map((e) => e.plugin()) }));
`,
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const outfile = path.join(temp.dir, 'bundled', 'app.mjs');
  const build = await esbuild.build({
    entryPoints: [path.join(consumer, 'bundle-me.mjs')],
    absWorkingDir: consumer,
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    external: RUNTIME_PACKAGES,
    // The usual recipe for ES module bundles of CommonJS code.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
    metafile: true,
  });
  const bundled = Object.keys(build.metafile.inputs).filter((input) => input.includes('stevedore-ts/dist/'));
  expect(bundled.sort()).toEqual([
    'node_modules/stevedore-ts/dist/index.bundler.mjs',
    'node_modules/stevedore-ts/dist/index.js',
    'node_modules/stevedore-ts/dist/testing.bundler.mjs',
    'node_modules/stevedore-ts/dist/testing.js',
  ]);
  const out = JSON.parse(runNode([outfile], { cwd: path.dirname(outfile) }).stdout) as unknown;
  expect(out).toEqual({ sameCopy: true, called: ['from the bundle'] });
});

const USE_OLD = `import { ExtensionManager } from 'stevedore-ts';
import { makeTestExtension } from 'stevedore-ts/testing';
export const manager = ExtensionManager.makeTestInstance([makeTestExtension('x', 1)]);
`;

/**
 * The consumer code type-checked under each module setting: a folder per setting, with its tsconfig.json and the
 * files it checks, in the consumer (so that they find its node_modules).
 */
const TYPE_CHECKS: Record<string, { compilerOptions: Record<string, unknown>; files: Record<string, string> }> = {
  node16: {
    compilerOptions: { module: 'node16', moduleResolution: 'node16' },
    files: {
      'use.cts': `import stevedore = require('stevedore-ts');
import testing = require('stevedore-ts/testing');
interface Greeter { greet(): string }
const manager = new stevedore.ExtensionManager<Greeter>('consumer.plugins', { invokeOnLoad: true });
export const greetings: string[] = manager.map((extension) => extension.obj!.greet());
export const extension: stevedore.Extension<number> = testing.makeTestExtension<number>('x', () => 1, 1);
export const cache: stevedore.CacheInfo = stevedore.cacheInfo('/tmp/x');
export const failure = new stevedore.LoadError('no', 'STEVEDORE_LOAD_FAILED', { cause: new Error('why') });
// @ts-expect-error: root is a string
new stevedore.Registry({ root: 42 });
`,
      'use.mts': `import { ExtensionManager, Registry, type EntryPoint, type RegistryOptions } from 'stevedore-ts';
import { createPackageTree, type PackageTree } from 'stevedore-ts/testing';
const options: RegistryOptions = { cache: false };
const tree: PackageTree = createPackageTree({ registryOptions: options });
const registry: Registry = tree.registry;
export const entryPoints: readonly EntryPoint[] = registry.entryPoints('g');
const manager = await ExtensionManager.create('g', { registry, loadTimeout: 100 });
export const names: string[] = manager.names();
// @ts-expect-error: names() returns strings
export const wrong: number[] = manager.names();
`,
    },
  },
  node10: { compilerOptions: { module: 'commonjs', moduleResolution: 'node10' }, files: { 'use-old.ts': USE_OLD } },
  bundler: { compilerOptions: { module: 'esnext', moduleResolution: 'bundler' }, files: { 'use-old.ts': USE_OLD } },
};

let typeChecked: { lines: string[]; status: number | null } | undefined;

/**
 * What the TypeScript compiler reports for the consumer code of `setting` (a key of TYPE_CHECKS), prefixed with
 * its folder, and what it reports about no setting's folder. One `tsc --build` checks every setting's project (it
 * reads and parses the declaration files once for all of them); each project is checked as `tsc -p` would.
 */
function typeCheck(setting: string): { reported: string[]; elsewhere: string[]; status: number | null } {
  if (!typeChecked) {
    for (const [name, { compilerOptions, files }] of Object.entries(TYPE_CHECKS)) {
      for (const [file, text] of Object.entries(files)) write(path.join(`types-${name}`, file), text);
      write(
        path.join(`types-${name}`, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'ES2020',
            lib: ['ES2020'],
            // No @types/node, nor any other package's global types.
            types: [],
            // Our declarations are checked; TypeScript's own lib files need not be.
            skipLibCheck: false,
            skipDefaultLibCheck: true,
            ...compilerOptions,
          },
          files: Object.keys(files),
        }),
      );
    }
    const projects = Object.keys(TYPE_CHECKS).map((name) => `types-${name}`);
    const run = runNode([path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '--build', ...projects], {
      cwd: consumer,
    });
    typeChecked = { lines: `${run.stdout}${run.stderr}`.split('\n').filter(Boolean), status: run.status };
  }
  const ownFolder = (line: string, name: string): boolean => line.startsWith(`types-${name}${path.sep}`);
  return {
    reported: typeChecked.lines.filter((line) => ownFolder(line, setting)),
    elsewhere: typeChecked.lines.filter((line) => !Object.keys(TYPE_CHECKS).some((name) => ownFolder(line, name))),
    status: typeChecked.status,
  };
}

test('the declarations check CommonJS (.cts) and ES module (.mts) consumers without @types/node, lib ES2020', () => {
  expect(fs.existsSync(path.join(consumer, 'node_modules', '@types'))).toBe(false);
  expect(typeCheck('node16')).toEqual({ reported: [], elsewhere: [], status: 0 });
});

test('moduleResolution node10 finds stevedore-ts/testing (typesVersions), bundler finds both', () => {
  expect(typeCheck('node10')).toEqual({ reported: [], elsewhere: [], status: 0 });
  expect(typeCheck('bundler')).toEqual({ reported: [], elsewhere: [], status: 0 });
});
