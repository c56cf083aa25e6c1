/**
 * stevedore-ts as an installed dependency (SPEC §1): the files `npm pack`
 * would publish, installed with the runtime dependencies into a consumer's
 * node_modules, load with `require()` and with `import` (one copy for both),
 * and their type declarations type-check a CommonJS and an ES module
 * consumer that has @types/node but none of our dev dependencies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './support/dist';
import { TOOLS, runNode, runOk } from './support/processes';
import type { TempDir } from './support/temp';
import { tempDir } from './support/temp';

let temp: TempDir;
let consumer: string;
let installed: string;
beforeAll(() => {
  temp = tempDir('consumer');
  consumer = path.join(temp.dir, 'consumer');
  installed = path.join(consumer, 'node_modules', 'stevedore-ts');
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(consumer, file)), { recursive: true });
    fs.writeFileSync(path.join(consumer, file), text);
  };
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
  // What a user installs: the packed files, plus the runtime dependencies.
  const [pack] = JSON.parse(
    runOk('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO }).stdout,
  ) as [{ files: { path: string }[] }];
  for (const { path: file } of pack.files) {
    fs.mkdirSync(path.dirname(path.join(installed, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO, file), path.join(installed, file));
  }
  for (const dependency of ['debug', 'ms', 'tapable']) {
    fs.cpSync(path.join(REPO, 'node_modules', dependency), path.join(consumer, 'node_modules', dependency), {
      recursive: true,
    });
  }
  fs.mkdirSync(path.join(consumer, 'node_modules', '@types'));
  fs.symlinkSync(
    path.join(REPO, 'node_modules', '@types', 'node'),
    path.join(consumer, 'node_modules', '@types', 'node'),
  );
});
afterAll(() => temp.cleanup());

function printed<T>(args: string[]): T {
  const run = runNode(args, { cwd: consumer });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as T;
}

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
    }));
    `,
  ]);
  expect(out).toEqual({
    resolved: [path.join(installed, 'dist', 'index.js'), path.join(installed, 'dist', 'testing.js')],
    names: ['hello'],
    hello: 'hello from the consumer',
    testing: ['function', 'function'],
  });
});

test("import from 'stevedore-ts': the same single copy as require()", () => {
  const out = printed<Record<string, unknown>>([
    '--input-type=module',
    '-e',
    `
    import { ExtensionManager, Registry, defaultRegistry } from 'stevedore-ts';
    import { createPackageTree, makeTestExtension } from 'stevedore-ts/testing';
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const cjs = require('stevedore-ts');
    const manager = await ExtensionManager.create('consumer.plugins');
    const tree = createPackageTree();
    console.log(JSON.stringify({
      resolved: [import.meta.resolve('stevedore-ts'), import.meta.resolve('stevedore-ts/testing')],
      names: manager.names(),
      hello: manager.get('hello').plugin(),
      sameCopy: cjs.Registry === Registry && cjs.defaultRegistry === defaultRegistry && tree.registry instanceof cjs.Registry,
      testExtension: makeTestExtension('x', 1).entryPoint.value,
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
    testExtension: 'testing/x',
  });
});

test('the type declarations check a CommonJS (.cts) and an ES module (.mts) consumer', () => {
  for (const file of ['index.d.ts', 'index.d.mts', 'testing.d.ts', 'testing.d.mts']) {
    expect(fs.existsSync(path.join(installed, 'dist', file))).toBe(true);
  }
  const write = (file: string, text: string): void => fs.writeFileSync(path.join(consumer, file), text);
  write(
    'tsconfig.json',
    JSON.stringify({
      compilerOptions: {
        module: 'node16',
        moduleResolution: 'node16',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        lib: ['ES2022'],
        // Our declarations are checked; TypeScript's own lib files need not be.
        skipLibCheck: false,
        skipDefaultLibCheck: true,
        types: ['node'],
      },
      files: ['use.cts', 'use.mts'],
    }),
  );
  write(
    'use.cts',
    `import stevedore = require('stevedore-ts');
import testing = require('stevedore-ts/testing');
interface Greeter { greet(): string }
const manager = new stevedore.ExtensionManager<Greeter>('consumer.plugins', { invokeOnLoad: true });
export const greetings: string[] = manager.map((extension) => extension.obj!.greet());
export const extension: stevedore.Extension<number> = testing.makeTestExtension<number>('x', () => 1, 1);
// @ts-expect-error: root is a string
new stevedore.Registry({ root: 42 });
`,
  );
  write(
    'use.mts',
    `import { ExtensionManager, Registry, type EntryPoint, type RegistryOptions } from 'stevedore-ts';
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
  );
  const run = runNode([TOOLS.tsc, '-p', consumer], { cwd: consumer });
  expect(run.stdout + run.stderr).toBe('');
  expect(run.status).toBe(0);
});
