/**
 * Global installs, for real: `npm install -g --prefix <tmp>` of packed
 * tarballs (real copies) and of a folder (a symbolic link, as `npm link`
 * makes), found with `global: true` through npm's prefix from the
 * environment or from an npmrc file; and an application installed globally
 * that sees the other global packages by walking up.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DIST } from './support/dist';
import { npm as runNpm, packFolder } from './support/installs';
import { probe } from './support/probe';
import type { EnvChanges } from './support/processes';
import { runOk } from './support/processes';
import type { TempDir } from './support/temp';
import { tempDir, writeFiles } from './support/temp';

const GROUP = 'app.plugins';
let temp: TempDir;
let dir: string;
let prefix: string;
let app: string;

const npmEnv = (): EnvChanges => ({
  npm_config_prefix: undefined,
  NPM_CONFIG_PREFIX: undefined,
  npm_config_userconfig: path.join(dir, 'empty-npmrc'),
  npm_config_globalconfig: path.join(dir, 'empty-global-npmrc'),
  npm_config_cache: path.join(dir, 'npm-cache'),
});

function npm(cwd: string, ...args: string[]): string {
  return runNpm(cwd, args, npmEnv()).stdout;
}

beforeAll(() => {
  temp = tempDir('global');
  dir = temp.dir;
  // A space in the path, as in many home folders.
  prefix = path.join(dir, 'global prefix');
  app = path.join(dir, 'local-app');
  writeFileSync(path.join(dir, 'empty-npmrc'), '');
  writeFileSync(path.join(dir, 'empty-global-npmrc'), '');
  writeFiles(dir, {
    'src/global-plugin/package.json': {
      name: 'global-plugin',
      version: '1.0.0',
      entryPoints: { [GROUP]: { packed: './index.js:run' } },
    },
    'src/global-plugin/index.js': 'exports.run = () => "packed";',
    'src/@tools/linked-plugin/package.json': {
      name: '@tools/linked-plugin',
      version: '1.0.0',
      entryPoints: { [GROUP]: { linked: './index.js:run' } },
    },
    'src/@tools/linked-plugin/index.js': 'exports.run = () => "linked";',
    'src/global-app/package.json': {
      name: 'global-app',
      version: '1.0.0',
      bin: { 'global-app': './bin/app.js' },
      entryPoints: { [GROUP]: { builtin: './bin/app.js:run' } },
    },
    // The globally installed application: a default Registry, rooted from its main script.
    'src/global-app/bin/app.js': [
      '#!/usr/bin/env node',
      "'use strict';",
      'exports.run = () => "builtin";',
      'if (require.main === module) {',
      '  const { Registry, ExtensionManager } = require(process.env.STEVEDORE_DIST);',
      '  const registry = new Registry({ cache: false });',
      `  const manager = new ExtensionManager(${JSON.stringify(GROUP)}, { registry, invokeOnLoad: true });`,
      '  console.log(JSON.stringify({ root: registry.root, loaded: manager.map((e) => [e.name, e.obj]) }));',
      '}',
    ].join('\n'),
    'local-app/package.json': { name: 'local-app', version: '1.0.0' },
    'local-app/node_modules/local-plugin/package.json': {
      name: 'local-plugin',
      version: '1.0.0',
      entryPoints: { [GROUP]: { local: './index.js:run' } },
    },
    'local-app/node_modules/local-plugin/index.js': 'exports.run = () => "local";',
  });
  // Tarballs as npm packs them, and one npm run for the installs (each npm run costs about a second).
  const packed = path.join(dir, 'packed');
  const tarballs = ['global-plugin', 'global-app'].map((name) => packFolder(path.join(dir, 'src', name), packed));
  const linked = path.join(dir, 'src', '@tools', 'linked-plugin');
  npm(dir, 'install', '-g', '--offline', '--prefix', prefix, ...tarballs, linked);
}, 120_000);

afterAll(() => temp.cleanup());

const GLOBAL_NAMES = ['linked', 'builtin', 'packed'];

test('global: true finds packages installed with npm install -g, from npm_config_prefix, after the local ones', () => {
  const env = { ...npmEnv(), npm_config_prefix: prefix };
  const report = probe({ root: app, group: GROUP, load: 'sync', global: true }, { cwd: app, env });
  expect(report.entryPoints.map((ep) => ep.name)).toEqual(['local', ...GLOBAL_NAMES]);
  expect(report.entryPoints[1].dist?.root).toBe(path.join(dir, 'src', '@tools', 'linked-plugin'));
  expect(report.entryPoints[3].dist?.root).toBe(path.join(prefix, 'lib', 'node_modules', 'global-plugin'));
  expect(Object.fromEntries(report.loaded ?? [])).toMatchObject({ local: 'local', linked: 'linked', packed: 'packed' });

  const withoutGlobal = probe({ root: app, group: GROUP, load: 'none' }, { cwd: app, env });
  expect(withoutGlobal.entryPoints.map((ep) => ep.name)).toEqual(['local']);
});

test('global: true reads the prefix from the npmrc files when the environment has none', () => {
  const userconfig = path.join(dir, 'user-npmrc');
  // A comment, another setting, spaces around '=' and a quoted value.
  writeFileSync(userconfig, `; the user's npm configuration\nfund=false\nprefix = "${prefix}"\n`);
  const env = { ...npmEnv(), npm_config_userconfig: userconfig };
  const report = probe({ root: app, group: GROUP, load: 'none', global: true }, { cwd: app, env });
  expect(report.entryPoints.map((ep) => ep.name)).toEqual(['local', ...GLOBAL_NAMES]);
  // npm agrees on where that is (offline: it answers from its configuration alone).
  expect(runNpm(app, ['root', '-g', '--offline'], env).stdout.trim()).toBe(path.join(prefix, 'lib', 'node_modules'));
});

test('an application installed globally sees the other global packages by walking up', () => {
  const bin = path.join(prefix, 'bin', 'global-app');
  const result = runOk(process.execPath, [bin], {
    cwd: dir,
    env: { ...npmEnv(), STEVEDORE_DIST: path.join(DIST, 'index.js'), JEST_WORKER_ID: undefined },
  });
  const output = JSON.parse(result.stdout) as { root: string; loaded: [string, string][] };
  expect(output.root).toBe(path.join(prefix, 'lib', 'node_modules', 'global-app'));
  expect(output.loaded).toEqual([
    ['builtin', 'builtin'],
    ['linked', 'linked'],
    ['packed', 'packed'],
  ]);
});
