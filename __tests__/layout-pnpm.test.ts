/**
 * pnpm, for real: pnpm 10 (a devDependency) installs local folders (`file:`
 * copies into the `.pnpm` virtual store, `link:` symlinks), so no network is
 * needed; the content store is kept between runs. The on-disk cache over
 * pnpm's installs (stored, served, invalidated by each `pnpm install` that
 * adds, upgrades, removes or puts back a package) is cache-installs.test.ts's.
 */
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { pnpm as runPnpm } from './support/installs';
import { probe } from './support/probe';
import type { TempDir } from './support/temp';
import { tempDir, writeFiles } from './support/temp';

const GROUP = 'app.plugins';
let temp: TempDir;
let dir: string;
let app: string;

function pnpm(...args: string[]): void {
  // Local folders only: never the network.
  runPnpm(app, [...args, '--offline']);
}

beforeAll(() => {
  temp = tempDir('pnpm');
  dir = temp.dir;
  app = path.join(dir, 'app');
  const plugin = (name: string, extra: object = {}) => ({
    [`src/${name}/package.json`]: {
      name,
      version: '1.0.0',
      entryPoints: { [GROUP]: { [name.replace(/^@scope\//, '')]: './index.js:run' } },
      ...extra,
    },
  });
  writeFiles(dir, {
    'src/helper/package.json': {
      name: 'helper',
      version: '1.0.0',
      // Private to plugin-a: pnpm keeps it out of the app's node_modules, so it is not visible.
      entryPoints: { [GROUP]: { hidden: './index.js' } },
    },
    'src/helper/index.js': 'module.exports = (who) => `${who}+helper`;',
    ...plugin('plugin-a', { dependencies: { helper: 'file:../helper' } }),
    'src/plugin-a/index.js': 'exports.run = () => require("helper")("a");',
    ...plugin('plugin-b'),
    'src/plugin-b/index.js': 'exports.run = () => "b";',
    ...plugin('@scope/plugin-c'),
    'src/@scope/plugin-c/index.js': 'exports.run = () => "c";',
    'app/package.json': {
      name: 'pnpm-app',
      version: '1.0.0',
      private: true,
      dependencies: {
        'plugin-a': 'file:../src/plugin-a',
        'plugin-b': 'link:../src/plugin-b',
        '@scope/plugin-c': 'file:../src/@scope/plugin-c',
      },
      entryPoints: { [GROUP]: { own: './own.js:run' } },
    },
    'app/own.js': 'exports.run = () => "own";',
  });
  pnpm('install');
}, 120_000);

afterAll(() => temp.cleanup());

test('pnpm installed a symlinked tree with a .pnpm virtual store', () => {
  expect(lstatSync(path.join(app, 'node_modules', 'plugin-a')).isSymbolicLink()).toBe(true);
  expect(realpathSync(path.join(app, 'node_modules', 'plugin-a'))).toContain(`${path.sep}.pnpm${path.sep}`);
  // pnpm hoists every package into .pnpm/node_modules for its own use; that folder is not scanned.
  expect(lstatSync(path.join(app, 'node_modules', '.pnpm', 'node_modules', 'helper')).isSymbolicLink()).toBe(true);
});

test('direct dependencies are found through the top-level links, each once, and load their own dependencies', () => {
  const report = probe({ root: app, group: GROUP, load: 'sync' }, { cwd: app });
  expect(report.packages).toEqual(['app', '@scope/plugin-c', 'plugin-a', 'plugin-b']);
  // .pnpm (where pnpm links every package once more) is never scanned: nothing is shadowed.
  expect(report.shadowed).toEqual([]);
  expect(report.entryPoints.map((ep) => ep.name)).toEqual(['own', 'plugin-c', 'plugin-a', 'plugin-b']);
  const roots = Object.fromEntries(report.entryPoints.map((ep) => [ep.name, ep.dist?.root]));
  expect(roots['plugin-a']).toBe(realpathSync(path.join(app, 'node_modules', 'plugin-a')));
  expect(roots['plugin-b']).toBe(realpathSync(path.join(dir, 'src', 'plugin-b')));
  expect(Object.fromEntries(report.loaded ?? [])).toEqual({
    own: 'own',
    'plugin-c': 'c',
    'plugin-a': 'a+helper',
    'plugin-b': 'b',
  });
  expect(report.failures).toEqual([]);
  expect(report.warnings).toEqual([]);
});
