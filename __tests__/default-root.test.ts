/**
 * The default root, found by real node processes: upward from the
 * main script's real path, wherever it is started from; upward from the
 * current folder under `node -e` or when the script is in no package.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DIST } from './support/dist';
import { runNode } from './support/processes';
import type { TempDir } from './support/temp';
import { copyLayout, tempDir } from './support/temp';

// What every script prints: the default registry's root and what it sees.
const REPORT = `
  const { defaultRegistry } = require(${JSON.stringify(DIST)});
  console.log(JSON.stringify({
    root: defaultRegistry.root,
    names: defaultRegistry.entryPoints('root.test').map((entryPoint) => entryPoint.name),
  }));
`;

let temp: TempDir;
let app: string;
let elsewhere: string;
beforeAll(() => {
  temp = tempDir();
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(temp.dir, file)), { recursive: true });
    fs.writeFileSync(path.join(temp.dir, file), text);
  };
  const manifest = (name: string): string =>
    JSON.stringify({ name, entryPoints: { 'root.test': { [name]: './index.js' } } });
  write('app/package.json', manifest('app'));
  write('app/bin/main.js', REPORT);
  write(
    'app/bin/main.mjs',
    `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${REPORT}`,
  );
  write('app/node_modules/app-plugin/package.json', manifest('app-plugin'));
  write('elsewhere/package.json', manifest('elsewhere'));
  write('elsewhere/sub/dir/.keep', '');
  write('loose/script.js', REPORT);
  fs.mkdirSync(path.join(temp.dir, 'bin'));
  fs.symlinkSync('../app/bin/main.js', path.join(temp.dir, 'bin', 'app-cli'));
  app = path.join(temp.dir, 'app');
  elsewhere = path.join(temp.dir, 'elsewhere');
});
afterAll(() => temp.cleanup());

function report(args: string[], cwd: string): { root: string; names: string[] } {
  const run = runNode(args, { cwd });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as { root: string; names: string[] };
}

test("a main script in a package: that package, even when started from another package's folder", () => {
  expect(report([path.join(app, 'bin', 'main.js')], path.join(elsewhere, 'sub'))).toEqual({
    root: app,
    names: ['app', 'app-plugin'],
  });
});

test('an ES module main script: the same', () => {
  expect(report([path.join(app, 'bin', 'main.mjs')], elsewhere).root).toBe(app);
});

test('a main script reached through a symbolic link (a bin link): its real package', () => {
  expect(report([path.join(temp.dir, 'bin', 'app-cli')], elsewhere).root).toBe(app);
});

test('node -e: upward from the current folder', () => {
  expect(report(['-e', REPORT], path.join(elsewhere, 'sub', 'dir'))).toEqual({
    root: elsewhere,
    names: ['elsewhere'],
  });
});

test('node -e with an argument naming a file in another package: still the current folder', () => {
  expect(report(['-e', REPORT, path.join(app, 'bin', 'main.js')], elsewhere).root).toBe(elsewhere);
});

test('a main script in no package: upward from the current folder', () => {
  expect(report([path.join(temp.dir, 'loose', 'script.js')], path.join(elsewhere, 'sub')).root).toBe(elsewhere);
});

test('no package anywhere: the current folder itself', () => {
  expect(report(['-e', REPORT], path.join(temp.dir, 'loose')).root).toBe(path.join(temp.dir, 'loose'));
});

test("a workspace package's script in a monorepo: the workspace package, with the hoisted node_modules above it", () => {
  const monorepo = copyLayout('monorepo');
  try {
    const script = path.join(monorepo.dir, 'packages', 'app', 'bin', 'main.js');
    fs.mkdirSync(path.dirname(script));
    fs.writeFileSync(script, REPORT.replaceAll('root.test', 'layout.test'));
    expect(report([script], monorepo.dir)).toEqual({
      root: path.join(monorepo.dir, 'packages', 'app'),
      names: ['ws-app', 'lib-a', 'shared', 'hoisted'],
    });
  } finally {
    monorepo.cleanup();
  }
});
