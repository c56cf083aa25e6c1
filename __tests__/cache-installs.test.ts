/**
 * The on-disk cache against real package managers: npm 11, pnpm 10 and Yarn 4
 * (node-modules linker) install, upgrade, link and remove local packages
 * (no network), and a fresh process after each step finds what is true. The
 * cache watches folders and the package managers' own files, not every
 * package: these are the installs that must still be seen.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheFileFor } from '../lib/cache';
import { Registry } from '../lib/registry';
import { DIST, runRegistry } from './support/cache-child';
import { npm as runNpm, packFolder, pnpm as runPnpm, yarn as runYarn } from './support/installs';
import { tempDir } from './support/temp';

const GROUP = 'app.plugins';
let dir: string;
let app: string;
let cacheDir: string;

beforeAll(() => {
  if (!statSync(DIST, { throwIfNoEntry: false })) {
    execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build.mjs')]);
  }
});

beforeEach(() => {
  dir = tempDir('cache-installs').dir;
  app = path.join(dir, 'app');
  cacheDir = path.join(dir, 'cache');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a package into src/ (its folder name from its name and version) and returns the folder. */
function source(name: string, version: string, entries: Record<string, string>, folder = name): string {
  const target = path.join(dir, 'src', folder);
  mkdirSync(target, { recursive: true });
  writeFileSync(
    path.join(target, 'package.json'),
    `${JSON.stringify({ name, version, entryPoints: { [GROUP]: entries } }, null, 2)}\n`,
  );
  writeFileSync(path.join(target, 'index.js'), 'module.exports = {};\n');
  return target;
}

/** What a registry without any cache finds: [group, name, value, version]. */
function truth(): string[][] {
  return new Registry({ root: app, cache: false })
    .entryPoints()
    .map((ep) => [ep.group, ep.name, ep.value, ep.dist?.version ?? '']);
}

/**
 * After a change: a fresh process sees it (rebuilding the stale cache file), and a second registry after it (in that
 * process: the cache lives on disk) is served from the cache. Returns `name@version` of what was found.
 */
function seenAfterChange(expectChanged = true): string[] {
  const first = runRegistry({ root: app, cacheDir, again: true });
  expect(first.found).toEqual(truth());
  if (expectChanged) expect(first.cache).toBe('stored');
  expect(first.again).toEqual({ cache: 'hit', found: first.found });
  return first.found.map((row) => `${row[1]}@${row[3]}`);
}

test('npm: install, a scoped package into an existing scope, upgrade, a folder link, its edit, uninstall', () => {
  const npm = (...args: string[]): void => {
    runNpm(app, [...args, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      npm_config_cache: path.join(dir, 'npm-cache'),
    });
  };
  // Tarballs as npm packs them, so that npm installs copies (a folder it links).
  const pack = (folder: string): string => packFolder(folder, dir);
  seenAfterChange();
  npm('install', pack(source('@acme/fmt', '1.0.0', { json: './index.js' }, 'fmt-1')));
  expect(seenAfterChange()).toEqual(['json@1.0.0']);
  const scope = statSync(path.join(app, 'node_modules', '@acme'), { bigint: true });
  npm('install', pack(source('@acme/xml', '1.0.0', { xml: './index.js' }, 'xml-1')));
  expect(statSync(path.join(app, 'node_modules', '@acme'), { bigint: true }).mtimeNs).not.toBe(scope.mtimeNs);
  expect(seenAfterChange()).toEqual(['json@1.0.0', 'xml@1.0.0']);
  npm('install', pack(source('@acme/fmt', '2.0.0', { json: './index.js', yaml: './index.js' }, 'fmt-2')));
  expect(seenAfterChange()).toEqual(['json@2.0.0', 'yaml@2.0.0', 'xml@1.0.0']);
  // A folder install is a link into the folder, as `npm link` makes; editing it touches nothing in node_modules.
  const linked = source('linked-fmt', '0.1.0', { csv: './index.js' });
  npm('install', linked);
  expect(seenAfterChange()).toContain('csv@0.1.0');
  source('linked-fmt', '0.2.0', { tsv: './index.js' });
  expect(seenAfterChange()).toEqual(['json@2.0.0', 'yaml@2.0.0', 'xml@1.0.0', 'tsv@0.2.0']);
  npm('uninstall', '@acme/fmt', 'linked-fmt');
  expect(seenAfterChange()).toEqual(['xml@1.0.0']);
}, 180_000);

test('pnpm: links into its store, upgrades, a scoped package, a link: package, and old store files put back', () => {
  // Local folders only: never the network.
  const pnpm = (...args: string[]): void => void runPnpm(app, [...args, '--offline']);
  const depend = (dependencies: Record<string, string>): void =>
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies }));
  source('plug', '1.0.0', { one: './index.js' });
  source('@sc/first', '1.0.0', { first: './index.js' }, 'sc-first');
  source('kept', '1.0.0', { kept: './index.js' });
  const deps: Record<string, string> = {
    plug: 'file:../src/plug',
    '@sc/first': 'file:../src/sc-first',
    kept: 'file:../src/kept',
  };
  depend(deps);
  pnpm('install');
  expect(seenAfterChange()).toEqual(['first@1.0.0', 'kept@1.0.0', 'one@1.0.0']);
  // Only the folders and pnpm's own files are watched, never a package in its store.
  const watched = new Registry({ root: app, cache: false }).scan().watch.map(([file]) => path.relative(app, file));
  expect(watched.filter((file) => file.includes('.pnpm'))).toEqual([]);
  expect(watched).toContain(path.join('node_modules', '.modules.yaml'));

  // An upgrade rewrites the package in its store folder: nothing in node_modules but pnpm's files changes.
  source('plug', '1.1.0', { two: './index.js' });
  pnpm('install');
  expect(seenAfterChange()).toEqual(['first@1.0.0', 'kept@1.0.0', 'two@1.1.0']);
  source('@sc/second', '1.0.0', { second: './index.js' }, 'sc-second');
  depend({ ...deps, '@sc/second': 'file:../src/sc-second' });
  pnpm('install');
  expect(seenAfterChange()).toEqual(['first@1.0.0', 'second@1.0.0', 'kept@1.0.0', 'two@1.1.0']);
  const linked = source('linked', '1.0.0', { linked: './index.js' });
  depend({ ...deps, linked: 'link:../src/linked' });
  pnpm('install');
  expect(seenAfterChange()).toContain('linked@1.0.0');
  source('linked', '1.0.1', { relinked: './index.js' });
  expect(seenAfterChange()).toContain('relinked@1.0.1');
  expect(readFileSync(path.join(linked, 'package.json'), 'utf8')).toContain('relinked');

  // A package removed, then put back: pnpm links its old store files, whose times are older than the cache file.
  depend({ plug: 'file:../src/plug', '@sc/first': 'file:../src/sc-first' });
  pnpm('install');
  expect(seenAfterChange()).toEqual(['first@1.0.0', 'two@1.1.0']);
  const cacheFile = cacheFileFor(cacheDir, new Registry({ root: app, cacheDir }).cacheKey);
  depend(deps);
  pnpm('install');
  const kept = statSync(path.join(app, 'node_modules', 'kept', 'package.json'));
  expect(kept.mtimeMs).toBeLessThan(statSync(cacheFile).mtimeMs);
  expect(seenAfterChange()).toEqual(['first@1.0.0', 'kept@1.0.0', 'two@1.1.0']);
}, 180_000);

test('Yarn 4 node-modules linker: an upgrade rewrites the package in place, and is seen', () => {
  const yarn = (...args: string[]): void => void runYarn(app, args);
  writeFileSync(path.join(app, '.yarnrc.yml'), 'nodeLinker: node-modules\nenableTelemetry: false\n');
  writeFileSync(path.join(app, 'yarn.lock'), '');
  source('plug', '1.0.0', { one: './index.js' });
  source('@sc/first', '1.0.0', { first: './index.js' }, 'sc-first');
  const dependencies = { plug: 'file:../src/plug', '@sc/first': 'file:../src/sc-first' };
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies }));
  yarn('install');
  expect(seenAfterChange()).toEqual(['first@1.0.0', 'one@1.0.0']);
  const modules = path.join(app, 'node_modules');
  const before = { modules: statSync(modules, { bigint: true }), plug: statSync(path.join(modules, 'plug')) };
  source('plug', '1.1.0', { two: './index.js' });
  yarn('install');
  // In place: the same folder, and node_modules itself untouched; Yarn's state file is what changed.
  expect(statSync(path.join(modules, 'plug')).ino).toBe(before.plug.ino);
  expect(statSync(modules, { bigint: true }).mtimeNs).toBe(before.modules.mtimeNs);
  expect(seenAfterChange()).toEqual(['first@1.0.0', 'two@1.1.0']);
  source('@sc/second', '1.0.0', { second: './index.js' }, 'sc-second');
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({
      name: 'app',
      private: true,
      dependencies: { ...dependencies, '@sc/second': 'file:../src/sc-second' },
    }),
  );
  yarn('install');
  expect(seenAfterChange()).toEqual(['first@1.0.0', 'second@1.0.0', 'two@1.1.0']);
}, 180_000);
