/**
 * Yarn Plug'n'Play, for real: Yarn 4 (the @yarnpkg/cli-dist devDependency)
 * installs a project whose dependencies are local folders (so no network is
 * needed), packed into zip archives, with no node_modules. Discovery then
 * runs under the PnP runtime (`node -r ./.pnp.cjs` and `yarn node`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pnpPackages } from '../lib/pnp';
import type { PnpApi } from '../lib/resolve';
import { probe } from './support/probe';
import { YARN_NODE, yarn as runYarn } from './support/installs';
import type { TempDir } from './support/temp';
import { tempDir, writeFiles } from './support/temp';

const GROUP = 'app.plugins';
let temp: TempDir;
let dir: string;
let app: string;

function yarn(...args: string[]): string {
  return runYarn(app, args).stdout;
}

beforeAll(() => {
  temp = tempDir('yarn-pnp');
  dir = temp.dir;
  app = path.join(dir, 'app');
  writeFiles(dir, {
    'src/helper/package.json': {
      name: 'helper',
      version: '1.0.0',
      // A transitive dependency: its entry points are not visible from the app.
      entryPoints: { [GROUP]: { hidden: './index.js' } },
    },
    'src/helper/index.js': 'module.exports = (who = "nobody") => `${who}+helper`;',
    'src/plugin-cjs/package.json': {
      name: 'plugin-cjs',
      version: '1.0.0',
      dependencies: { helper: 'file:../helper' },
      // via-helper names its dependency by a bare specifier: resolved through PnP from plugin-cjs.
      entryPoints: { [GROUP]: { cjs: './index.js:run', 'via-helper': 'helper' } },
    },
    'src/plugin-cjs/index.js': 'exports.run = () => require("helper")("cjs");',
    'src/plugin-esm/package.json': {
      name: 'plugin-esm',
      version: '1.0.0',
      type: 'module',
      dependencies: { helper: 'file:../helper' },
      exports: { '.': { import: './index.js' } },
      entryPoints: { [GROUP]: { esm: 'plugin-esm:run' } },
    },
    'src/plugin-esm/index.js': 'import helper from "helper";\nexport const run = () => helper("esm");',
    'src/plugin-portal/package.json': {
      name: 'plugin-portal',
      version: '1.0.0',
      entryPoints: { [GROUP]: { portal: './index.js:run' } },
    },
    'src/plugin-portal/index.js': 'exports.run = () => "portal";',
    'src/plugin-late/package.json': {
      name: 'plugin-late',
      version: '1.0.0',
      entryPoints: { [GROUP]: { late: './index.js:run' } },
    },
    'src/plugin-late/index.js': 'exports.run = () => "late";',
    'app/package.json': {
      name: 'pnp-app',
      version: '1.0.0',
      private: true,
      dependencies: {
        'plugin-portal': 'portal:../src/plugin-portal',
        'plugin-esm': 'file:../src/plugin-esm',
        'plugin-cjs': 'file:../src/plugin-cjs',
      },
      entryPoints: { [GROUP]: { own: './own.js:run' } },
    },
    'app/own.js': 'exports.run = () => "own";',
    'app/yarn.lock': '',
    'app/.yarnrc.yml': 'nodeLinker: pnp\nenableGlobalCache: false\nenableTelemetry: false\npnpEnableEsmLoader: true\n',
  });
  yarn('install');
}, 120_000);

afterAll(() => temp.cleanup());

const underPnp = (): string[] => ['-r', path.join(app, '.pnp.cjs')];

test('Yarn installed a Plug-n-Play project: no node_modules, packages in zip archives', () => {
  expect(existsSync(path.join(app, '.pnp.cjs'))).toBe(true);
  expect(existsSync(path.join(app, 'node_modules'))).toBe(false);
});

test('discovery lists the root, then its dependencies in name order, from inside the archives', () => {
  const report = probe({ root: app, group: GROUP, load: 'sync' }, { cwd: app, nodeArgs: underPnp() });
  expect(report.entryPoints.map((ep) => ep.name)).toEqual(['own', 'cjs', 'via-helper', 'esm', 'portal']);
  expect(report.packages).toEqual(['app', 'plugin-cjs', 'plugin-esm', 'plugin-portal']);
  const roots = Object.fromEntries(report.entryPoints.map((ep) => [ep.name, ep.dist?.root]));
  expect(roots.cjs).toMatch(/\.yarn[\\/]cache[\\/]plugin-cjs-.*\.zip[\\/]node_modules[\\/]plugin-cjs$/);
  expect(roots.portal).toBe(path.join(dir, 'src', 'plugin-portal'));
  // Loaded through PnP resolution: plugin-cjs requires its own (private) dependency from its archive.
  expect(Object.fromEntries(report.loaded ?? [])).toEqual({
    own: 'own',
    cjs: 'cjs+helper',
    'via-helper': 'nobody+helper',
    portal: 'portal',
  });
  // plugin-esm only exports for import: require() cannot see it, create() can (next test).
  expect(report.failures).toEqual([expect.objectContaining({ name: 'esm', code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' })]);
  expect(report.warnings).toEqual([]);
});

test('yarn node: ES module plugins load with create() through the PnP loader', () => {
  const report = probe(
    { root: app, group: GROUP, load: 'async' },
    { cwd: app, launcher: YARN_NODE.launcher, env: YARN_NODE.env },
  );
  expect(Object.fromEntries(report.loaded ?? [])).toEqual({
    own: 'own',
    cjs: 'cjs+helper',
    'via-helper': 'nobody+helper',
    esm: 'esm+helper',
    portal: 'portal',
  });
  expect(report.failures).toEqual([]);
});

test('without the PnP runtime the project offers no packages: only the root is found', () => {
  const report = probe({ root: app, group: GROUP, load: 'sync' }, { cwd: app });
  expect(report.entryPoints.map((ep) => ep.name)).toEqual(['own']);
});

test('the on-disk cache is served under PnP and invalidated by .pnp.cjs and by edits to a portal package', () => {
  const cacheDir = path.join(dir, 'cache');
  const opts = { root: app, group: GROUP, load: 'none' as const, cacheDir };
  const env = { DEBUG: 'stevedore:cache' };
  const first = probe(opts, { cwd: app, nodeArgs: underPnp(), env });
  expect(first.stderr).toContain('stored');
  const second = probe(opts, { cwd: app, nodeArgs: underPnp(), env });
  expect(second.stderr).toMatch(/stevedore:cache hit/);
  expect(second.entryPoints).toEqual(first.entryPoints);

  // A new dependency: Yarn rewrites .pnp.cjs.
  const manifest = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8'));
  manifest.dependencies['plugin-late'] = 'file:../src/plugin-late';
  writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  yarn('install');
  const third = probe(opts, { cwd: app, nodeArgs: underPnp(), env });
  expect(third.stderr).toMatch(/stevedore:cache stale: /);
  expect(third.entryPoints.map((ep) => ep.name)).toEqual(['own', 'cjs', 'via-helper', 'esm', 'late', 'portal']);

  // A portal is a folder edited in place: only its package.json changes.
  const portalManifest = path.join(dir, 'src', 'plugin-portal', 'package.json');
  const portal = JSON.parse(readFileSync(portalManifest, 'utf8'));
  portal.entryPoints[GROUP].again = './index.js:run';
  writeFileSync(portalManifest, JSON.stringify(portal, null, 2));
  const fourth = probe(opts, { cwd: app, nodeArgs: underPnp(), env });
  expect(fourth.stderr).toMatch(/stevedore:cache stale: /);
  expect(fourth.entryPoints.map((ep) => ep.name)).toEqual([
    'own',
    'cjs',
    'via-helper',
    'esm',
    'late',
    'portal',
    'again',
  ]);
}, 120_000);

test('pnpPackages reads the real PnP API of the project', () => {
  // Requiring .pnp.cjs (not with -r) returns its API without patching this process.
  const api = createRequire(__filename)(path.join(app, '.pnp.cjs')) as PnpApi;
  const found = pnpPackages(app, api);
  // The app's dependencies in name order (plugin-late too once the cache test has added it).
  const declared = Object.keys(JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')).dependencies).sort();
  expect(found.packages.map((pkg) => pkg.installedAs)).toEqual(declared);
  expect(found.packages.find((pkg) => pkg.installedAs === 'plugin-portal')?.watch).toBe(true);
  expect(found.packages.find((pkg) => pkg.installedAs === 'plugin-cjs')?.watch).toBe(false);
  expect(found.watchFiles).toContain(path.join(app, '.pnp.cjs'));
  // A folder that is not a package of the project has no dependencies to offer.
  expect(pnpPackages(path.join(dir, 'src', 'helper'), api).packages).toEqual([]);
});
