/**
 * The on-disk scan cache: it is used when the tree did not change, never
 * serves entry points that are no longer true when it did, trusts only files
 * that are this user's and have the shape a scan writes, and never stops an
 * application from starting.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CACHE_FORMAT, cacheFileFor, cacheInfo, clearCache, isRacy } from '../lib/cache';
import { ExtensionManager } from '../lib/index';
import type { CacheStatus, RegistryOptions } from '../lib/registry';
import { Registry } from '../lib/registry';
import type { FixturePackage, PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { run, runNode, startZombie } from './support/processes';
import { recordWarnings } from './support/warnings';
import type { GroupSection } from './support/cache-file';
import { readCacheFile, rewriteCacheFile } from './support/cache-file';
import { DIST, copyDistInto, runRegistry } from './support/cache-child';

const GROUP = 'app.plugins';
const REPO = path.resolve(__dirname, '..');
const CLI = path.join(REPO, 'dist', 'cli', 'main.js');
const asRoot = process.getuid?.() === 0;

/**
 * A clock a minute ahead: the cache does not store a scan of paths changed
 * within the file system's timestamp tick, and these trees were just written.
 */
const AHEAD = (): number => Date.now() + 60_000;

function plugin(name: string, entries: Record<string, string> = { [name]: './index.js' }): FixturePackage {
  return { name, entryPoints: { [GROUP]: entries }, files: { 'index.js': 'module.exports = {};' } };
}

/** What a registry finds: [group, name, value, version] of every entry point. */
function found(registry: Registry): string[][] {
  return registry.entryPoints().map((ep) => [ep.group, ep.name, ep.value, ep.dist?.version ?? '']);
}

let tree: PackageTree;
let cacheDir: string;

/** A fresh registry over the tree with the cache on; it has scanned (or read the cache) once. */
function cachedRegistry(options: RegistryOptions = {}): Registry {
  const registry = new Registry({ root: tree.root, cacheDir, clock: AHEAD, ...options });
  registry.entryPoints();
  return registry;
}

/** What a scan without any cache finds now. */
function truth(options: RegistryOptions = {}): string[][] {
  return found(new Registry({ root: tree.root, ...options, cache: false }));
}

/** Stores a scan (or finds it stored) and returns the registry that did. */
function storeScan(options: RegistryOptions = {}): Registry {
  const registry = cachedRegistry(options);
  expect(['stored', 'hit']).toContain(registry.cacheStatus);
  return registry;
}

/** The cache file of the tree's registry. */
function fileOf(options: RegistryOptions = {}): string {
  return cacheFileFor(cacheDir, new Registry({ root: tree.root, cacheDir, ...options }).cacheKey);
}

/** Stores a scan, applies `change`, and checks that the next registry finds what is true now. */
function expectChangeSeen(change: () => void, options: RegistryOptions = {}): CacheStatus | null {
  storeScan(options);
  expect(cachedRegistry(options).cacheStatus).toBe('hit');
  const before = truth(options);
  change();
  const after = truth(options);
  expect(after).not.toEqual(before);
  const registry = cachedRegistry(options);
  expect(found(registry)).toEqual(after);
  return registry.cacheStatus;
}

/** Stores a scan, damages the file with `damage`, and checks the next registry ignores it and rebuilds it. */
function expectRebuilt(damage: (file: string) => void): void {
  storeScan();
  const file = fileOf();
  damage(file);
  const next = cachedRegistry();
  expect(found(next)).toEqual(truth());
  expect(next.cacheStatus).toBe('stored');
  expect(cachedRegistry().cacheStatus).toBe('hit');
}

beforeEach(() => {
  tree = createPackageTree({
    packages: [
      plugin('alpha'),
      plugin('@scope/beta'),
      { name: 'lodash-like', files: { 'index.js': '' } },
      { name: '@scope/plain', files: { 'index.js': '' } },
    ],
  });
  cacheDir = path.join(tree.dir, 'cache');
});

afterEach(() => {
  chmodSync(tree.dir, 0o700);
  tree.cleanup();
});

describe('a warm start', () => {
  it('is served from the cache with the same entry points', () => {
    const first = storeScan();
    const second = cachedRegistry();
    expect(second.cacheStatus).toBe('hit');
    expect(found(second)).toEqual(found(first));
    expect(found(second)).toEqual(truth());
    expect(second.entryPoints(GROUP)[0].dist).toEqual({
      name: '@scope/beta',
      version: '1.0.0',
      root: path.join(tree.root, 'node_modules', '@scope', 'beta'),
    });
    expect(second.scan().packages).toEqual(first.scan().packages);
  });

  it('checks the folders, the package managers’ files and the root’s package.json: never one path per package', () => {
    for (let i = 0; i < 30; i++) tree.install(i % 2 ? plugin(`filler-${i}`) : { name: `@many/filler-${i}` });
    writeFileSync(path.join(tree.root, 'node_modules', '.package-lock.json'), '{}');
    const watched = cachedRegistry()
      .scan()
      .watch.map(([file]) => path.relative(tree.dir, file));
    expect(watched.slice(0, 5)).toEqual([
      'app/package.json',
      'app/node_modules',
      'app/node_modules/.package-lock.json',
      'app/node_modules/@many',
      'app/node_modules/@scope',
    ]);
    // Then the node_modules folders further up, which do not exist: their creation must be seen.
    expect(watched.slice(5).every((file) => file.endsWith('node_modules'))).toBe(true);
    expect(watched.filter((file) => file.includes('filler') || file.includes('alpha'))).toEqual([]);
  });

  it('returns the same EntryPoint objects on every call, and builds only the groups asked for', () => {
    tree.install(plugin('gamma'));
    tree.install({ name: 'other', entryPoints: { 'other.group': { x: './x.js' } } });
    storeScan();
    const registry = new Registry({ root: tree.root, cacheDir });
    const plugins = registry.entryPoints(GROUP);
    expect(registry.cacheStatus).toBe('hit');
    expect(registry.entryPoints(GROUP)).toBe(plugins);
    expect(registry.entryPoints()).toEqual([...plugins, ...registry.entryPoints('other.group')]);
    expect(registry.groups()).toEqual([GROUP, 'other.group']);
  });

  it('decodes only the section of the group asked for', () => {
    tree.install({ name: 'other', entryPoints: { 'other.group': { x: './x.js' } } });
    storeScan();
    const file = fileOf();
    // A damaged section of another group is never read for GROUP...
    rewriteCacheFile(file, (parts) => parts.groups.set('other.group', 'not a section'));
    const registry = new Registry({ root: tree.root, cacheDir });
    expect(registry.entryPoints(GROUP).map((ep) => ep.name)).toEqual(['@scope/beta', 'alpha']);
    expect(registry.cacheStatus).toBe('hit');
    expect(existsSync(file)).toBe(true);
    // ...and once asked for, the damage is found: the answer comes from a fresh scan, and the file is dropped.
    expect(registry.entryPoints('other.group').map((ep) => ep.name)).toEqual(['x']);
    expect(registry.scan().packages.map((pkg) => pkg.installedAs)).toEqual(['@scope/beta', 'alpha', 'other']);
    expect(existsSync(file)).toBe(false);
  });

  it('builds entry points from the stored parsed parts, without parsing the values again', () => {
    tree.install(plugin('extras', { ex: './index.js:Thing.make [fast, small]' }));
    storeScan();
    const parts = readCacheFile(fileOf());
    const section = parts.groups.get(GROUP) as GroupSection;
    expect(section[1]).toEqual(
      expect.arrayContaining([['./index.js:Thing.make [fast, small]', './index.js', 'Thing.make', ['fast', 'small']]]),
    );
    // The parts in the file are what the entry points get: a module that differs from the value proves it.
    rewriteCacheFile(fileOf(), (data) => {
      for (const value of (data.groups.get(GROUP) as GroupSection)[1]) value[1] = './elsewhere.js';
    });
    const registry = cachedRegistry();
    expect(registry.cacheStatus).toBe('hit');
    const ex = registry.entryPoints(GROUP).find((ep) => ep.name === 'ex');
    expect(ex).toMatchObject({ value: './index.js:Thing.make [fast, small]', module: './elsewhere.js' });
    expect(ex?.extras).toEqual(['fast', 'small']);
  });
});

describe('a tree with broken packages', () => {
  it('reports the same problems from a cached scan as from a fresh one, and finds the good packages', () => {
    const nodeModules = path.join(tree.root, 'node_modules');
    mkdirSync(path.join(nodeModules, 'json-folder', 'package.json'), { recursive: true });
    tree.install({ name: 'bad-json', files: {} });
    writeFileSync(path.join(nodeModules, 'bad-json', 'package.json'), '{ "entryPoints": ');
    tree.install({ name: 'not-object', files: {} });
    writeFileSync(path.join(nodeModules, 'not-object', 'package.json'), '["entryPoints"]');
    mkdirSync(path.join(nodeModules, 'no-manifest'));
    writeFileSync(path.join(nodeModules, 'stray-file.js'), '');
    symlinkSync(path.join(tree.dir, 'nowhere'), path.join(nodeModules, 'broken-link'));
    // A linked scope folder, as some tools make.
    mkdirSync(path.join(tree.dir, 'scope-elsewhere', 'linked-scoped'), { recursive: true });
    writeFileSync(
      path.join(tree.dir, 'scope-elsewhere', 'linked-scoped', 'package.json'),
      JSON.stringify({ name: '@lnk/linked-scoped', entryPoints: { [GROUP]: { lnk: './i.js' } } }),
    );
    symlinkSync(path.join(tree.dir, 'scope-elsewhere'), path.join(nodeModules, '@lnk'));
    const recorded = recordWarnings(['code', 'message']);
    const registry = new Registry({ root: tree.root, cache: false });
    const fresh = registry.scan();
    // Reading the scan reports nothing; asking for a group reports the whole-file problems.
    expect(recorded.warnings).toEqual([]);
    registry.entryPoints(GROUP);
    recorded.restore();
    // Each problem is a process warning that names the file and the reason.
    expect(recorded.warnings).toEqual(
      fresh.problems.map((problem) => ({
        code: 'STEVEDORE_UNREADABLE_PACKAGE',
        message: `${problem.file}: ${problem.reason}`,
      })),
    );
    const reasons = fresh.problems.map((problem) => `${path.relative(nodeModules, problem.file)}: ${problem.reason}`);
    expect(reasons).toEqual([
      expect.stringMatching(/^bad-json\/package.json: not valid JSON/),
      expect.stringMatching(/^broken-link: broken symbolic link/),
      'json-folder/package.json: package.json is a folder',
      'not-object/package.json: does not hold a JSON object',
    ]);
    expect(fresh.packages.map((pkg) => pkg.installedAs)).toEqual(['@lnk/linked-scoped', '@scope/beta', 'alpha']);
    expect(fresh.packages[0].dist.root).toBe(path.join(tree.dir, 'scope-elsewhere', 'linked-scoped'));
    storeScan();
    const cached = cachedRegistry();
    expect(cached.cacheStatus).toBe('hit');
    expect(cached.scan().problems).toEqual(fresh.problems);
    expect(cached.scan().packages).toEqual(fresh.packages);
    expect(cached.scan().shadowed).toEqual(fresh.shadowed);
  });
});

describe('a change between two runs is seen', () => {
  const nodeModules = (): string => path.join(tree.root, 'node_modules');

  it('a package installed', () => {
    expectChangeSeen(() => tree.install(plugin('gamma')));
  });

  it('a scoped package installed into an existing scope (only the @scope folder changes)', () => {
    const before = statSync(nodeModules(), { bigint: true }).mtimeNs;
    expectChangeSeen(() => tree.install(plugin('@scope/gamma')));
    expect(statSync(nodeModules(), { bigint: true }).mtimeNs).toBe(before);
  });

  it('a package removed', () => {
    expectChangeSeen(() => rmSync(path.join(nodeModules(), 'alpha'), { recursive: true }));
  });

  it('a scoped package removed', () => {
    expectChangeSeen(() => rmSync(path.join(nodeModules(), '@scope', 'beta'), { recursive: true }));
  });

  it('a package upgraded the npm way (a new folder moved into place)', () => {
    expectChangeSeen(() => {
      const target = path.join(nodeModules(), 'alpha');
      const staged = path.join(nodeModules(), '.alpha-staged');
      mkdirSync(staged);
      writeFileSync(
        path.join(staged, 'package.json'),
        JSON.stringify({ name: 'alpha', version: '2.0.0', entryPoints: { [GROUP]: { alpha2: './index.js' } } }),
      );
      rmSync(target, { recursive: true });
      renameSync(staged, target);
    });
  });

  it("a package upgraded in place, the Yarn way: its package.json and Yarn's state file are rewritten", () => {
    const state = path.join(nodeModules(), '.yarn-state.yml');
    writeFileSync(state, '# yarn state\n"@scope/beta@npm:1.0.0":\n');
    expectChangeSeen(() => {
      const file = path.join(nodeModules(), '@scope', 'beta', 'package.json');
      writeFileSync(file, JSON.stringify({ name: '@scope/beta', version: '1.1.0', entryPoints: { [GROUP]: {} } }));
      writeFileSync(state, '# yarn state\n"@scope/beta@npm:1.1.0":\n');
    });
  });

  it('a package that declared nothing starts declaring entry points in an upgrade', () => {
    expectChangeSeen(() => {
      rmSync(path.join(nodeModules(), 'lodash-like'), { recursive: true });
      tree.install(plugin('lodash-like'));
    });
  });

  // An install caught half done by a scan: the folder made but its package.json not written yet, or created and
  // not filled. Nothing else changes afterwards (no package manager's file): the package itself is watched.
  describe('a package the scan found half written, completed afterwards', () => {
    const half = (): string => path.join(nodeModules(), 'gamma');
    const manifest = JSON.stringify({ name: 'gamma', version: '1.0.0', entryPoints: { [GROUP]: { gamma: './i.js' } } });
    const complete = (): void => writeFileSync(path.join(half(), 'package.json'), manifest);

    it('its folder made, no package.json in it yet', () => {
      mkdirSync(half());
      expectChangeSeen(complete);
    });

    it('its package.json created, still empty', () => {
      mkdirSync(half());
      writeFileSync(path.join(half(), 'package.json'), '');
      expectChangeSeen(complete);
    });

    it('its package.json partly written (one that does not mention entryPoints yet, and one that does)', () => {
      mkdirSync(half());
      writeFileSync(path.join(half(), 'package.json'), manifest.slice(0, 20));
      expectChangeSeen(complete);
      rmSync(half(), { recursive: true });
      mkdirSync(half());
      const partial = manifest.slice(0, manifest.length - 3);
      writeFileSync(path.join(half(), 'package.json'), partial);
      const recorded = recordWarnings(['code', 'message']);
      expectChangeSeen(complete);
      recorded.restore();
      expect(recorded.warnings.map((warning) => warning.code)).toContain('STEVEDORE_UNREADABLE_PACKAGE');
    });

    it('costs nothing for complete packages: they are not watched one by one', () => {
      mkdirSync(half());
      const watched = (): string[] =>
        (readCacheFile(fileOf()).header.watch as [string, string][]).map(([file]) => file);
      storeScan();
      expect(watched()).toContain(half());
      complete();
      storeScan();
      expect(watched().filter((file) => file.startsWith(`${nodeModules()}${path.sep}`))).toEqual([
        path.join(nodeModules(), '@scope'),
      ]);
    });
  });

  it('a linked package added (npm link), edited, re-pointed and unlinked', () => {
    expectChangeSeen(() => tree.install({ ...plugin('linked-one'), linked: true }));
    const linkedJson = path.join(tree.dir, 'linked', 'linked-one', 'package.json');
    expectChangeSeen(() =>
      writeFileSync(
        linkedJson,
        JSON.stringify({ name: 'linked-one', entryPoints: { [GROUP]: { renamed: './i.js' } } }),
      ),
    );
    expectChangeSeen(() => {
      const elsewhere = path.join(tree.dir, 'linked', 'linked-two');
      mkdirSync(elsewhere);
      writeFileSync(
        path.join(elsewhere, 'package.json'),
        JSON.stringify({ name: 'linked-two', entryPoints: { [GROUP]: { two: './i.js' } } }),
      );
      const link = path.join(nodeModules(), 'linked-one');
      rmSync(link);
      symlinkSync(elsewhere, link, 'dir');
    });
    expectChangeSeen(() => rmSync(path.join(nodeModules(), 'linked-one')));
  });

  it('a workspace package edited (a link to a folder outside node_modules)', () => {
    const workspace = path.join(tree.root, 'packages', 'ws');
    mkdirSync(workspace, { recursive: true });
    writeFileSync(path.join(workspace, 'package.json'), JSON.stringify({ name: 'ws', version: '1.0.0' }));
    symlinkSync('../packages/ws', path.join(nodeModules(), 'ws'));
    expectChangeSeen(() =>
      writeFileSync(
        path.join(workspace, 'package.json'),
        JSON.stringify({ name: 'ws', version: '1.0.1', entryPoints: { [GROUP]: { ws: './i.js' } } }),
      ),
    );
  });

  it("the root's own declarations", () => {
    expectChangeSeen(() =>
      writeFileSync(
        path.join(tree.root, 'package.json'),
        JSON.stringify({ name: 'app', entryPoints: { [GROUP]: { own: './own.js' } } }),
      ),
    );
  });

  it('a node_modules folder created further up the tree', () => {
    const upper = path.join(tree.dir, 'node_modules', 'upper');
    expectChangeSeen(() => {
      mkdirSync(upper, { recursive: true });
      writeFileSync(
        path.join(upper, 'package.json'),
        JSON.stringify({ name: 'upper', entryPoints: { [GROUP]: { up: './u.js' } } }),
      );
    });
  });

  it('a package.json rewritten with the same size and the same whole-second mtime', () => {
    const file = path.join(tree.root, 'package.json');
    const write = (name: string): void =>
      writeFileSync(file, JSON.stringify({ name: 'app', entryPoints: { [GROUP]: { [name]: './index.js' } } }));
    // What a file system with one-second timestamps shows for two writes in the same second.
    const second = new Date(Math.floor(Date.now() / 1000) * 1000);
    write('one');
    utimesSync(file, second, second);
    const { mtimeNs, size } = statSync(file, { bigint: true });
    expectChangeSeen(() => {
      write('two');
      utimesSync(file, second, second);
    });
    expect(statSync(file, { bigint: true })).toMatchObject({ mtimeNs, size });
  });

  it('a linked package.json replaced by a hard link to an older file of the same size (as pnpm links its store)', () => {
    const linked = tree.install({ ...plugin('stored', { one: './i.js' }), linked: true });
    const real = lstatSync(linked).isSymbolicLink() ? path.join(tree.dir, 'linked', 'stored') : linked;
    const store = path.join(tree.dir, 'store-file.json');
    writeFileSync(
      store,
      JSON.stringify({ name: 'stored', version: '1.0.0', entryPoints: { [GROUP]: { two: './i.js' } } }),
    );
    const past = new Date('2001-01-01T00:00:00Z');
    utimesSync(store, past, past);
    expectChangeSeen(() => {
      rmSync(path.join(real, 'package.json'));
      linkSync(store, path.join(real, 'package.json'));
    });
    expect(statSync(path.join(real, 'package.json')).mtimeMs).toBe(past.getTime());
  });
});

describe('what is not seen, as in stevedore', () => {
  it('a hand edit of a package.json inside node_modules: until something watched changes, or `cache clear`', () => {
    storeScan();
    const file = path.join(tree.root, 'node_modules', 'alpha', 'package.json');
    writeFileSync(file, JSON.stringify({ name: 'alpha', entryPoints: { [GROUP]: { edited: './index.js' } } }));
    const stale = cachedRegistry();
    expect(stale.cacheStatus).toBe('hit');
    expect(stale.entryPoints(GROUP).map((ep) => ep.name)).toEqual(['@scope/beta', 'alpha']);
    // `stevedore cache clear`, as a user would type it.
    execFileSync(process.execPath, [CLI, 'cache', 'clear'], {
      env: { ...process.env, STEVEDORE_CACHE_DIR: cacheDir },
    });
    expect(
      cachedRegistry()
        .entryPoints(GROUP)
        .map((ep) => ep.name),
    ).toEqual(['@scope/beta', 'edited']);
    // Any install changes a watched path, and the edit is seen then too.
    writeFileSync(file, JSON.stringify({ name: 'alpha', entryPoints: { [GROUP]: { again: './index.js' } } }));
    tree.install({ name: 'unrelated' });
    expect(
      cachedRegistry()
        .entryPoints(GROUP)
        .map((ep) => ep.name),
    ).toEqual(['@scope/beta', 'again']);
  });
});

describe('symbolic links: what resolution goes through is watched', () => {
  /**
   * releases/<name> holding an application that declares one entry point,
   * named after the release (and nothing else: the switch is all that changes).
   */
  function release(name: string): string {
    const dir = path.join(tree.dir, 'releases', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', entryPoints: { [GROUP]: { [name]: './index.js' } } }),
    );
    return dir;
  }

  /** Points `link` at `target` the way deployments do: a new link renamed over the old one. */
  function repoint(link: string, target: string): void {
    const next = `${link}.next`;
    symlinkSync(target, next);
    renameSync(next, link);
  }

  it('a root reached through `current` never serves the release it pointed at before', () => {
    release('v1');
    release('v2');
    const current = path.join(tree.dir, 'current');
    symlinkSync('releases/v1', current);
    const options = { root: current };
    const names = (): string[] =>
      cachedRegistry(options)
        .entryPoints(GROUP)
        .map((ep) => ep.name);
    expect(names()).toEqual(['v1']);
    expect(cachedRegistry(options).cacheStatus).toBe('hit');
    repoint(current, 'releases/v2');
    expect(names()).toEqual(['v2']);
    repoint(current, 'releases/v1');
    expect(names()).toEqual(['v1']);
    // The two releases have their own cache files: switching back is still a warm start.
    expect(cachedRegistry(options).cacheStatus).toBe('hit');
  });

  it('the same, through the command line (`stevedore list --root current`)', () => {
    release('v1');
    release('v2');
    const current = path.join(tree.dir, 'current');
    symlinkSync('releases/v1', current);
    const list = (): string =>
      execFileSync(process.execPath, [CLI, 'list', GROUP, '--root', current, '--json'], {
        encoding: 'utf8',
        env: { ...process.env, STEVEDORE_CACHE_DIR: cacheDir, STEVEDORE_CACHE: '1' },
      });
    expect(JSON.parse(list()).entryPoints.map((ep: { name: string }) => ep.name)).toEqual(['v1']);
    list();
    repoint(current, 'releases/v2');
    expect(JSON.parse(list()).entryPoints.map((ep: { name: string }) => ep.name)).toEqual(['v2']);
  });

  it('a packages folder reached through a link that is re-pointed', () => {
    const a = path.join(tree.dir, 'modules-a');
    const b = path.join(tree.dir, 'modules-b');
    for (const [dir, name] of [
      [a, 'from-a'],
      [b, 'from-b'],
    ]) {
      mkdirSync(path.join(dir, 'pkg'), { recursive: true });
      writeFileSync(
        path.join(dir, 'pkg', 'package.json'),
        JSON.stringify({ name: 'pkg', entryPoints: { [GROUP]: { [name]: './i.js' } } }),
      );
    }
    const link = path.join(tree.dir, 'modules');
    symlinkSync(a, link);
    const options = { paths: [link] };
    expectChangeSeen(() => repoint(link, b), options);
    expect(cachedRegistry(options).entryPoints(GROUP)[0].dist?.root).toBe(path.join(b, 'pkg'));
  });

  it('an `npm link` chain (app → global link → checkout) whose global link is re-pointed', () => {
    const checkout = (name: string): string => {
      const dir = path.join(tree.dir, 'src', name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({ name: 'tool', version: '1.0.0', entryPoints: { [GROUP]: { [name]: './index.js' } } }),
      );
      writeFileSync(path.join(dir, 'index.js'), `module.exports = ${JSON.stringify(name)};`);
      return dir;
    };
    const one = checkout('checkout-one');
    const two = checkout('checkout-two');
    const globalLink = path.join(tree.dir, 'prefix', 'lib', 'node_modules', 'tool');
    mkdirSync(path.dirname(globalLink), { recursive: true });
    symlinkSync(one, globalLink);
    symlinkSync(globalLink, path.join(tree.root, 'node_modules', 'tool'));
    const modules = statSync(path.join(tree.root, 'node_modules'), { bigint: true });
    expect(
      cachedRegistry()
        .entryPoints(GROUP)
        .map((ep) => ep.name),
    ).toContain('checkout-one');
    expect(cachedRegistry().cacheStatus).toBe('hit');
    repoint(globalLink, two);
    const registry = cachedRegistry();
    const tool = registry.entryPoints(GROUP).find((ep) => ep.dist?.name === 'tool');
    expect(tool?.name).toBe('checkout-two');
    expect(tool?.dist?.root).toBe(two);
    expect(tool?.load()).toBe('checkout-two');
    // Nothing in the application's node_modules changed: only the link further down the chain.
    expect(statSync(path.join(tree.root, 'node_modules'), { bigint: true })).toMatchObject({
      mtimeNs: modules.mtimeNs,
      ctimeNs: modules.ctimeNs,
    });
  });
});

describe('a scan of paths changed too recently is not stored (judged by the registry’s clock)', () => {
  it('stores it once the clock is past the file system’s tick, and never needs a sleep in a test', () => {
    const file = path.join(tree.root, 'package.json');
    const changedMs = statSync(file).ctimeMs;
    const just = cachedRegistry({ clock: () => changedMs + 5 });
    expect(just.cacheStatus).toBe('not-stored');
    expect(existsSync(fileOf())).toBe(false);
    expect(cachedRegistry({ clock: () => changedMs + 1000 }).cacheStatus).toBe('stored');
    expect(cachedRegistry({ clock: () => changedMs + 5 }).cacheStatus).toBe('hit');
  });

  it('with whole-second timestamps, waits for the coarser tick', () => {
    // Signatures are mtime/ctime/size/inode, times in milliseconds.
    const settled: [string, string][] = [['/x/package.json', '5000000/5000000/10/1']];
    expect(isRacy(settled, 5_001_000)).toBe(true);
    expect(isRacy(settled, 5_002_200)).toBe(false);
    const fine: [string, string][] = [['/x/package.json', '5000000/5000000.123456/10/1']];
    expect(isRacy(fine, 5_000_040)).toBe(true);
    expect(isRacy(fine, 5_000_060)).toBe(false);
    // A link's own signature counts the same way; a missing path never is racy; a clock gone wrong always is.
    expect(isRacy([['/x/current', 'l5000000/5000000.123/10/1']], 5_000_040)).toBe(true);
    expect(isRacy([['/x/gone', '-']], 0)).toBe(false);
    expect(isRacy(fine, Number.NaN)).toBe(true);
  });

  it('works on a tree whose every timestamp is a whole second', () => {
    const second = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000);
    for (const [file] of new Registry({ root: tree.root, cache: false }).scan().watch) {
      if (existsSync(file)) utimesSync(file, second, second);
    }
    expect(cachedRegistry().cacheStatus).toBe('stored');
    expect(cachedRegistry().cacheStatus).toBe('hit');
    expectChangeSeen(() => {
      tree.install(plugin('@scope/late'));
      utimesSync(path.join(tree.root, 'node_modules', '@scope'), second, second);
    });
  });
});

describe('a bad cache file is ignored and rebuilt', () => {
  it('truncated', () => {
    expectRebuilt((file) => writeFileSync(file, readFileSync(file).subarray(0, 100), { mode: 0o600 }));
  });

  it('cut short after the header', () => {
    expectRebuilt((file) => {
      const bytes = readFileSync(file);
      writeFileSync(file, bytes.subarray(0, bytes.indexOf(0x0a) + 10));
    });
  });

  it('empty', () => {
    expectRebuilt((file) => writeFileSync(file, ''));
  });

  it('of another format version', () => {
    expectRebuilt((file) => rewriteCacheFile(file, (parts) => (parts.header.format = CACHE_FORMAT - 1)));
  });

  it('written for another key (a hash collision)', () => {
    expectRebuilt((file) => rewriteCacheFile(file, (parts) => (parts.header.key = 'another')));
  });

  it('valid JSON of the wrong shape, field by field', () => {
    const damages: ((parts: ReturnType<typeof readCacheFile>) => void)[] = [
      (parts) => (parts.header.watch = 'nope'),
      (parts) => (parts.header.watch = [['only-a-path']]),
      (parts) => (parts.header.watch = [['/x', 'not a signature']]),
      (parts) => (parts.header.sources = [7]),
      (parts) => (parts.header.packages = -1),
      (parts) => (parts.problems = [{ code: 1 }]),
      (parts) => (parts.problems = [['NOT_A_CODE', '/x', 'why', null, null]]),
    ];
    for (const damage of damages) expectRebuilt((file) => rewriteCacheFile(file, damage));
    // Sections whose ranges no longer match the file.
    expectRebuilt((file) =>
      writeFileSync(file, readFileSync(file, 'utf8').replace('"problems":[', '"problems":[9999999,')),
    );
  });

  it('a section read only when needed (a group, the layout, the shadowed copies): answered by a fresh scan', () => {
    const inGroup = (damage: (section: GroupSection) => void) => (parts: ReturnType<typeof readCacheFile>) =>
      damage(parts.groups.get(GROUP) as GroupSection);
    const damages: ((parts: ReturnType<typeof readCacheFile>) => void)[] = [
      inGroup((section) => (section[1][0][3] = 'no extras array' as unknown as string[])),
      inGroup((section) => (section[2][2][0] = 99)),
      inGroup((section) => (section[2][1][0] = 5 as unknown as string)),
      inGroup((section) => (section[0][2][0] = 'a/b/c')),
      inGroup((section) => section[2][0].push(0)),
      (parts) => (parts.layout = 'nope'),
      (parts) => (parts.layout = [[0], []]),
      (parts) => (parts.shadowed = [['..', '/x', 0]]),
    ];
    const fresh = new Registry({ root: tree.root, cache: false }).scan();
    for (const damage of damages) {
      storeScan();
      rewriteCacheFile(fileOf(), damage);
      const registry = cachedRegistry();
      expect(registry.cacheStatus).toBe('hit');
      expect(found(registry)).toEqual(truth());
      expect(registry.scan().shadowed).toEqual(fresh.shadowed);
      expect(registry.scan().packages).toEqual(fresh.packages);
      expect(existsSync(fileOf())).toBe(false);
    }
  });

  it('writable by others, or owned by another user', () => {
    expectRebuilt((file) => chmodSync(file, 0o666));
    expectRebuilt((file) => chmodSync(file, 0o620));
    if (asRoot) expectRebuilt((file) => chownSync(file, 12345, 12345));
  });

  it('a folder where the file should be', () => {
    storeScan();
    const file = fileOf();
    rmSync(file);
    mkdirSync(file);
    const next = cachedRegistry();
    expect(found(next)).toEqual(truth());
    expect(next.cacheStatus).toBe('not-stored');
  });

  it('a symbolic link planted at its name is refused, even one to a valid cache file of ours', () => {
    storeScan();
    const file = fileOf();
    const valid = path.join(tree.dir, 'valid-copy.json');
    renameSync(file, valid);
    symlinkSync(valid, file);
    const next = cachedRegistry();
    expect(next.cacheStatus).toBe('stored');
    // The link was replaced by a file of its own; what it pointed at was neither read nor written.
    expect(lstatSync(file).isFile()).toBe(true);
    expect(readFileSync(valid, 'utf8')).not.toBe('');
  });

  it('a FIFO at its name does not hang the start (a real process, killed if it hangs)', () => {
    storeScan();
    const file = fileOf();
    rmSync(file);
    execFileSync('mkfifo', [file]);
    const child = runRegistry({ root: tree.root, cacheDir }, { DEBUG: 'stevedore:cache' });
    expect(child.found).toEqual(truth());
    expect(child.stderr).toMatch(/not a regular file/);
    expect(child.cache).toBe('stored');
    expect(lstatSync(file).isFile()).toBe(true);
  });
});

describe('a cache file never makes code outside the scanned tree load', () => {
  /** Stores a scan, lets `tamper` change the file, and checks that nothing of the tampering is served. */
  function expectRefused(tamper: (parts: ReturnType<typeof readCacheFile>) => void): void {
    storeScan();
    rewriteCacheFile(fileOf(), tamper);
    const registry = cachedRegistry();
    expect(found(registry)).toEqual(truth());
    for (const ep of registry.entryPoints()) {
      expect(ep.dist?.root.startsWith(tree.dir + path.sep)).toBe(true);
      expect(ep.module).toBe('./index.js');
    }
    // Refused and dropped (or replaced): the next start stores a good one, or finds it stored.
    expect(['stored', 'hit']).toContain(cachedRegistry().cacheStatus);
    expect(cachedRegistry().cacheStatus).toBe('hit');
  }

  const alphaIn = (parts: ReturnType<typeof readCacheFile>): [GroupSection, number] => {
    const section = parts.groups.get(GROUP) as GroupSection;
    return [section, section[0][2].indexOf('alpha')];
  };

  it.each([
    ['an installed name with ".." segments', (s: GroupSection, i: number) => (s[0][2][i] = '../../evil/x')],
    ['an installed name with another separator', (s: GroupSection, i: number) => (s[0][2][i] = 'x/../../evil')],
    ['a scoped name leading up', (s: GroupSection, i: number) => (s[0][2][i] = '@../evil')],
    ['a folder outside its source', (s: GroupSection, i: number) => (s[0][3][i] = '/tmp/evil')],
    ['a folder with ".." in it', (s: GroupSection, i: number) => (s[0][3][i] = `${tree.root}/node_modules/../../x`)],
    ['the root package elsewhere', (s: GroupSection, i: number) => (s[0][1][i] = -1)],
  ])('%s', (_title, tamper) => {
    expectRefused((parts) => tamper(...alphaIn(parts)));
  });

  it.each([
    ['a path out of the package', '../../../outside.js'],
    ['a hidden way out', './a/../../outside.js'],
    ['an absolute path', '/etc/evil.js'],
    ['a URL', 'file:///etc/evil.js'],
    ['a data URL', 'data:text/javascript,1'],
    ['a Windows path', 'C:\\evil.js'],
    ['a built-in that is not one', 'node:evil'],
    ['nothing', ''],
  ])('a module that is %s', (_title, module) => {
    expectRefused((parts) => {
      for (const value of (parts.groups.get(GROUP) as GroupSection)[1]) value[1] = module;
    });
  });

  it('a source that is not one of the registry’s folders', () => {
    expectRefused((parts) => (parts.header.sources = ['/tmp/evil/node_modules']));
  });

  it('a linked package whose link now leads elsewhere', () => {
    tree.install({ ...plugin('linked-one'), linked: true });
    storeScan();
    rewriteCacheFile(fileOf(), (parts) => {
      const links = parts.header.links as [number, string, string][];
      expect(links).toEqual([[0, 'linked-one', path.join(tree.dir, 'linked', 'linked-one')]]);
      links[0][2] = path.join(tree.dir, 'elsewhere');
      const section = parts.groups.get(GROUP) as GroupSection;
      section[0][3][section[0][2].indexOf('linked-one')] = path.join(tree.dir, 'elsewhere');
    });
    const registry = cachedRegistry();
    expect(found(registry)).toEqual(truth());
    expect(registry.entryPoints(GROUP).find((ep) => ep.name === 'linked-one')?.dist?.root).toBe(
      path.join(tree.dir, 'linked', 'linked-one'),
    );
  });
});

describe('the cache folder must be this user’s, as OpenSSH wants ~/.ssh', () => {
  /** Stores a scan, then plants a tampered copy of the file (whose entry points are not in the tree). */
  function plantTampered(): void {
    storeScan();
    rewriteCacheFile(fileOf(), (parts) => {
      const section = parts.groups.get(GROUP) as GroupSection;
      section[2][1] = section[2][1].map((name) => `planted-${name}`);
    });
    expect(cachedRegistry().entryPoints(GROUP)[0].name).toMatch(/^planted-/);
  }

  it('not when the folder is writable by others (and `cache info` says so)', () => {
    plantTampered();
    chmodSync(cacheDir, 0o777);
    const registry = cachedRegistry();
    expect(registry.cacheStatus).toBe('not-stored');
    expect(found(registry)).toEqual(truth());
    expect(cacheInfo(cacheDir).disabled).toBe(`${cacheDir} is writable by others (mode 0777)`);
    chmodSync(cacheDir, 0o700);
    expect(cacheInfo(cacheDir).disabled).toBeNull();
  });

  it('not when a folder above it is writable by others, unless it is sticky (as /tmp)', () => {
    const above = path.join(tree.dir, 'shared');
    cacheDir = path.join(above, 'cache');
    mkdirSync(above);
    plantTampered();
    chmodSync(above, 0o777);
    expect(cachedRegistry().cacheStatus).toBe('not-stored');
    chmodSync(above, 0o1777);
    expect(cachedRegistry().entryPoints(GROUP)[0].name).toMatch(/^planted-/);
  });

  (asRoot ? it : it.skip)(
    `not when the folder belongs to another user${asRoot ? '' : ' (skipped: not running as root, which chown needs)'}`,
    () => {
      plantTampered();
      chownSync(cacheDir, 12345, 12345);
      const registry = cachedRegistry();
      expect(registry.cacheStatus).toBe('not-stored');
      expect(found(registry)).toEqual(truth());
    },
  );
});

describe('an unusable cache folder only turns caching off, silently but for DEBUG=stevedore:cache', () => {
  /** Runs the built CLI's `list` as a user would, with `env`. */
  function list(env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [CLI, 'list', GROUP, '--root', tree.root], {
      encoding: 'utf8',
      env: { ...process.env, STEVEDORE_CACHE_DIR: undefined, STEVEDORE_CACHE: '1', DEBUG: '', ...env },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('XDG_CACHE_HOME=/dev/null: managers and `stevedore list` work, the cache is off', () => {
    const saved = { xdg: process.env.XDG_CACHE_HOME, dir: process.env.STEVEDORE_CACHE_DIR };
    process.env.XDG_CACHE_HOME = '/dev/null';
    delete process.env.STEVEDORE_CACHE_DIR;
    try {
      const registry = new Registry({ root: tree.root, clock: AHEAD });
      const manager = new ExtensionManager(GROUP, { registry });
      expect(manager.names()).toEqual(['@scope/beta', 'alpha']);
      expect(registry.cacheStatus).toBe('not-stored');
    } finally {
      if (saved.xdg === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved.xdg;
      if (saved.dir !== undefined) process.env.STEVEDORE_CACHE_DIR = saved.dir;
    }
    const quiet = list({ XDG_CACHE_HOME: '/dev/null' });
    expect(quiet).toMatchObject({ status: 0, stderr: '' });
    expect(quiet.stdout).toContain('alpha');
    const told = list({ XDG_CACHE_HOME: '/dev/null', DEBUG: 'stevedore:cache' });
    expect(told.status).toBe(0);
    expect(told.stderr).toMatch(/stevedore:cache cannot store .*\/dev\/null\/stevedore-ts.*ENOTDIR/);
  });

  it('a cache folder that is a regular file', () => {
    const file = path.join(tree.dir, 'a-file');
    writeFileSync(file, 'mine');
    const registry = cachedRegistry({ cacheDir: file });
    expect(found(registry)).toEqual(truth());
    expect(registry.cacheStatus).toBe('not-stored');
    expect(cachedRegistry({ cacheDir: path.join(file, 'below') }).cacheStatus).toBe('not-stored');
    expect(readFileSync(file, 'utf8')).toBe('mine');
    expect(list({ STEVEDORE_CACHE_DIR: file })).toMatchObject({ status: 0, stderr: '' });
  });

  (asRoot ? describe : describe.skip)(
    `as another user (a child running as nobody)${asRoot ? '' : ' (skipped: not running as root, which a child as nobody needs)'}`,
    () => {
      /** Runs a registry as uid 65534 over the tree, with the cache in `dir`. */
      function asNobody(dir: string): ReturnType<typeof runRegistry> {
        chmodSync(tree.dir, 0o755);
        const dist = copyDistInto(tree.dir);
        return runRegistry(
          { root: tree.root, dist },
          { STEVEDORE_CACHE_DIR: dir, DEBUG: 'stevedore:cache' },
          {
            uid: 65534,
            gid: 65534,
          },
        );
      }

      it('a cache folder root made (one `sudo` run) is neither read nor written', () => {
        storeScan();
        chmodSync(cacheDir, 0o755);
        const child = asNobody(cacheDir);
        expect(child.found).toEqual(truth());
        expect(child.cache).toBe('not-stored');
        expect(child.stderr).toMatch(/belongs to another user \(uid 0\)/);
        expect(child.stderr).not.toMatch(/Error|at /);
      });

      it('a cache folder nobody may even look into (EACCES)', () => {
        const locked = path.join(tree.dir, 'locked');
        mkdirSync(locked, { mode: 0o700 });
        const child = asNobody(path.join(locked, 'cache'));
        expect(child.found).toEqual(truth());
        expect(child.cache).toBe('not-stored');
        expect(child.stderr).toMatch(/EACCES/);
      });
    },
  );

  /** A 16 KiB tmpfs, or why there cannot be one here. */
  /** Mounts a 16 KiB tmpfs at `dir` (made here); returns why it cannot, or null. */
  function mountTiny(dir: string): string | null {
    mkdirSync(dir);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir], { encoding: 'utf8' });
    if (mounted.status === 0) return null;
    return (mounted.stderr || mounted.error?.message || 'mount failed').trim();
  }

  /** Whether this machine lets the tests mount a tmpfs (root, not in a container that forbids it): why not, or null. */
  function tmpfsUnavailable(): string | null {
    const probe = path.join(mkdtempSync(path.join(os.tmpdir(), 'stevedore-mount-')), 'tiny');
    try {
      const cannot = mountTiny(probe);
      if (cannot === null) spawnSync('umount', [probe]);
      return cannot;
    } finally {
      rmSync(path.dirname(probe), { recursive: true, force: true });
    }
  }

  const cannotMount = tmpfsUnavailable();
  (cannotMount ? it.skip : it)(
    `a full disk (a 16 KiB tmpfs)${cannotMount ? ` (skipped: cannot mount a tmpfs here: ${cannotMount})` : ''}`,
    () => {
      const disk = path.join(tree.dir, 'tiny');
      const cannot = mountTiny(disk);
      if (cannot) throw new Error(`cannot mount a tmpfs at ${disk}: ${cannot}`);
      try {
        // Fill it up, leaving less than a cache file needs.
        const filler = path.join(disk, 'filler');
        try {
          writeFileSync(filler, Buffer.alloc(64 * 1024));
        } catch (err) {
          expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
        }
        cacheDir = path.join(disk, 'cache');
        const registry = cachedRegistry();
        expect(found(registry)).toEqual(truth());
        expect(registry.cacheStatus).toBe('not-stored');
        expect(readdirSync(cacheDir)).toEqual([]); // no half-written temporary file left behind
        rmSync(filler);
        expect(cachedRegistry().cacheStatus).toBe('stored');
        expect(cachedRegistry().cacheStatus).toBe('hit');
      } finally {
        spawnSync('umount', [disk]);
      }
    },
  );
});

describe('turning the cache off', () => {
  afterEach(() => {
    delete process.env.STEVEDORE_CACHE;
  });

  it('with cache: false', () => {
    expect(cachedRegistry({ cache: false }).cacheStatus).toBe('off');
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('with STEVEDORE_CACHE=0', () => {
    process.env.STEVEDORE_CACHE = '0';
    expect(cachedRegistry().cacheStatus).toBe('off');
    expect(cacheInfo(cacheDir).disabled).toMatch(/STEVEDORE_CACHE/);
    process.env.STEVEDORE_CACHE = '1';
    expect(cachedRegistry().cacheStatus).not.toBe('off');
  });

  it('with a .disable file in the cache folder, even over a stored scan', () => {
    storeScan();
    writeFileSync(path.join(cacheDir, '.disable'), '');
    const registry = cachedRegistry();
    expect(registry.cacheStatus).toBe('off');
    expect(found(registry)).toEqual(truth());
    expect(cacheInfo(cacheDir).disabled).toBe(`${path.join(cacheDir, '.disable')} exists`);
  });
});

describe('clearCache and cacheInfo', () => {
  it('remove and count the cache files only', () => {
    storeScan();
    writeFileSync(path.join(cacheDir, '.disable'), '');
    writeFileSync(path.join(cacheDir, 'notes.txt'), 'mine');
    writeFileSync(path.join(cacheDir, '0123456789abcdef.json.77.x1.tmp'), '{');
    writeFileSync(path.join(cacheDir, `${'ab'.repeat(16)}.json`), '{"format":1}'); // an older version's file
    const info = cacheInfo(cacheDir);
    expect(info).toMatchObject({ dir: cacheDir, files: 3 });
    expect(info.bytes).toBeGreaterThan(0);
    expect(clearCache(cacheDir)).toBe(3);
    expect(readdirSync(cacheDir).sort()).toEqual(['.disable', 'notes.txt']);
    expect(cacheInfo(cacheDir)).toMatchObject({ files: 0, bytes: 0 });
    expect(clearCache(path.join(tree.dir, 'missing'))).toBe(0);
  });

  it('a cleared cache is rebuilt on the next run', () => {
    storeScan();
    clearCache(cacheDir);
    expect(cachedRegistry().cacheStatus).toBe('stored');
  });

  it('storing removes what writers killed mid-write left, and nothing of running writers', async () => {
    storeScan();
    const name = path.basename(fileOf());
    // The id of a process that has ended (`node --version` exits before starting JavaScript: no CPU to speak of).
    const dead = spawnSync(process.execPath, ['--version']).pid as number;
    // A writer that has died but is not reaped (a zombie) writes no more either.
    const { zombie, parent } = await startZombie();
    try {
      const leftovers = [
        `${name}.${dead}.abc.tmp`,
        `${name}.${zombie}.ghi.tmp`,
        `${name}.${process.pid}.def.tmp`,
        `0123456789abcdef.json.${dead}.x.tmp`,
      ];
      for (const leftover of leftovers) writeFileSync(path.join(cacheDir, leftover), '{"half');
      rmSync(fileOf());
      expect(cachedRegistry().cacheStatus).toBe('stored');
      // Only the dead writers' files of this key went: this process is alive, and another key's files are its own.
      expect(readdirSync(cacheDir).sort()).toEqual([leftovers[3], name, leftovers[2]].sort());
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('real processes', () => {
  beforeAll(() => {
    if (!existsSync(DIST)) execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build.mjs')]);
  });

  /** Runs a script in a fresh node process; returns its stdout and stderr. */
  function runScript(script: string, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string } {
    const child = runNode(['-e', script], { env: { STEVEDORE_CACHE: undefined, ...env } });
    if (child.status !== 0) throw new Error(child.stderr);
    return { stdout: child.stdout, stderr: child.stderr };
  }

  it('importing the library loads neither debug nor tapable until they are needed', () => {
    const script = `
      const lib = require(${JSON.stringify(DIST)});
      const loaded = (name) => Object.keys(require.cache).some((file) => file.includes('/node_modules/' + name + '/'));
      const registry = new lib.Registry({ root: ${JSON.stringify(tree.root)}, cache: false });
      const before = [loaded('debug'), loaded('tapable')];
      registry.entryPoints();
      const afterScan = [loaded('debug'), loaded('tapable')];
      registry.hooks.beforeLoad.tap('veto', () => false);
      const manager = new lib.ExtensionManager(${JSON.stringify(GROUP)}, { registry });
      console.log(JSON.stringify({ before, afterScan, tapable: loaded('tapable'), loadedNames: manager.names() }));`;
    expect(JSON.parse(runScript(script).stdout)).toEqual({
      before: [false, false],
      afterScan: [false, false],
      tapable: true,
      loadedNames: [],
    });
  });

  it('debug output appears with DEBUG set, or after debug.enable()', () => {
    const scan = `new (require(${JSON.stringify(DIST)}).Registry)({ root: ${JSON.stringify(tree.root)}, cacheDir: ${JSON.stringify(cacheDir)} }).entryPoints();`;
    expect(runScript(scan, { DEBUG: 'stevedore:*' }).stderr).toMatch(/stevedore:registry scanning/);
    expect(runScript(scan).stderr).toBe('');
    const enabled = `require('debug').enable('stevedore:cache'); ${scan}`;
    expect(runScript(enabled).stderr).toMatch(/stevedore:cache (stored|hit|not stored)/);
  });

  it('a scan that met a descriptor limit (EMFILE) is not stored, so nothing stays hidden once it has passed', () => {
    // As a busy server that refreshes its registry while at its limit: the scan cannot open a file, then the
    // descriptors are let go before the scan is stored. A real limit, in a child of its own.
    const script = path.join(cacheDir, '..', 'exhausted.ts');
    writeFileSync(
      script,
      `import { closeSync, openSync } from 'node:fs';
      import { writeCache } from ${JSON.stringify(path.join(REPO, 'lib', 'cache'))};
      import { scan } from ${JSON.stringify(path.join(REPO, 'lib', 'scan'))};
      const [root, folder, cacheDir] = process.argv.slice(2);
      const context = { realRoot: root, folders: [folder], rescan: () => scan(root, [folder]) };
      const held: number[] = [];
      try {
        for (;;) held.push(openSync('/dev/null', 'r'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EMFILE') throw err;
      }
      const starved = scan(root, [folder]);
      for (const fd of held) closeSync(fd);
      const ahead = Date.now() + 60_000;
      const whole = scan(root, [folder]);
      console.log(JSON.stringify({
        reasons: starved.problems.map((problem) => problem.reason),
        starvedStored: writeCache(cacheDir, 'starved', starved, ahead, context),
        wholeStored: writeCache(cacheDir, 'whole', whole, ahead, context),
        found: whole.packages.map((pkg) => pkg.installedAs),
      }));`,
    );
    const folder = path.join(tree.root, 'node_modules');
    // Compiled with what it imports into one file by esbuild (as tsx would at every start, in a loader thread
    // of its own, for several times the CPU).
    const bundled = path.join(cacheDir, '..', 'exhausted.cjs');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    esbuild.buildSync({ entryPoints: [script], outfile: bundled, bundle: true, platform: 'node' });
    const underLimit = ['-c', 'ulimit -n 256 && exec "$@"', 'sh'];
    const result = run('/bin/sh', [...underLimit, process.execPath, bundled, tree.root, folder, cacheDir]);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    expect(report.reasons.length).toBeGreaterThan(0);
    for (const reason of report.reasons) expect(reason).toMatch(/EMFILE: too many open files/);
    expect(report).toMatchObject({ starvedStored: false, wholeStored: true });
    expect(report.found.sort()).toEqual(['@scope/beta', 'alpha'].sort());
  });

  it('a second process is served by the first one’s scan, and sees an install', () => {
    const first = runRegistry({ root: tree.root, cacheDir });
    expect(first).toMatchObject({ cache: 'stored', found: truth() });
    expect(runRegistry({ root: tree.root, cacheDir })).toMatchObject({ cache: 'hit', found: truth() });
    tree.install(plugin('@scope/gamma'));
    expect(runRegistry({ root: tree.root, cacheDir })).toMatchObject({ cache: 'stored', found: truth() });
  });
});
