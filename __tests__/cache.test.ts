/**
 * The on-disk scan cache (SPEC §8): it is used when the tree did not change,
 * and never serves entry points that are no longer true when it did.
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { CACHE_FORMAT, cacheFileFor, cacheInfo, clearCache, readCache, writeCache } from '../lib/cache';
import type { CacheStatus, RegistryOptions } from '../lib/registry';
import { Registry } from '../lib/registry';
import type { FixturePackage, PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { ensureBuilt } from './support/dist';
import { runNode, runOk, startNode } from './support/processes';
import { recordWarnings } from './support/warnings';

const GROUP = 'app.plugins';
const dist = path.resolve(__dirname, '..', 'dist', 'index.js');

function plugin(name: string, entries: Record<string, string> = { [name]: './index.js' }): FixturePackage {
  return { name, entryPoints: { [GROUP]: entries }, files: { 'index.js': 'module.exports = {};' } };
}

/** What a registry finds: [group, name, value, version] of every entry point. */
function found(registry: Registry): string[][] {
  return registry.entryPoints().map((ep) => [ep.group, ep.name, ep.value, ep.dist?.version ?? '']);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let tree: PackageTree;
let cacheDir: string;

/** A fresh registry over the tree with the cache on; it has scanned (or read the cache) once. */
function cachedRegistry(options: RegistryOptions = {}): Registry {
  const registry = new Registry({ root: tree.root, cacheDir, ...options });
  registry.entryPoints();
  return registry;
}

/** What a scan without any cache finds now. */
function truth(): string[][] {
  return found(new Registry({ root: tree.root, cache: false }));
}

/**
 * Scans until the scan is stored: the cache refuses scans of paths changed
 * within the last moments (two writes in one clock tick share a timestamp).
 */
async function storeScan(): Promise<Registry> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const registry = cachedRegistry();
    if (registry.cacheStatus === 'stored' || registry.cacheStatus === 'hit') return registry;
    await sleep(100);
  }
  throw new Error('the scan was never stored');
}

/** Stores a scan, applies `change`, and checks that the next registry finds what is true now. */
async function expectChangeSeen(change: () => void): Promise<CacheStatus | null> {
  await storeScan();
  expect(cachedRegistry().cacheStatus).toBe('hit');
  const before = truth();
  change();
  const after = truth();
  expect(after).not.toEqual(before);
  const registry = cachedRegistry();
  expect(found(registry)).toEqual(after);
  return registry.cacheStatus;
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

afterEach(() => tree.cleanup());

describe('a warm start', () => {
  it('is served from the cache with the same entry points', async () => {
    const first = await storeScan();
    const second = cachedRegistry();
    expect(second.cacheStatus).toBe('hit');
    expect(found(second)).toEqual(found(first));
    expect(found(second)).toEqual(truth());
    expect(second.entryPoints(GROUP)[0].dist).toEqual({
      name: '@scope/beta',
      version: '1.0.0',
      root: path.join(tree.root, 'node_modules', '@scope', 'beta'),
    });
  });

  it('validates with the folders and the declaring packages only, not every package', async () => {
    for (let i = 0; i < 30; i++) tree.install({ name: `filler-${i}` });
    const result = cachedRegistry().scan();
    const watched = result.watch.map(([file]) => path.relative(tree.dir, file));
    expect(watched.filter((file) => file.includes('filler'))).toEqual([]);
    expect(watched).toEqual(
      expect.arrayContaining([
        'app/package.json',
        'app/node_modules',
        'app/node_modules/@scope',
        'app/node_modules/alpha/package.json',
        'app/node_modules/@scope/beta/package.json',
      ]),
    );
  });

  it('returns the same EntryPoint objects on every call, and builds only the groups asked for', async () => {
    tree.install(plugin('gamma'));
    tree.install({ name: 'other', entryPoints: { 'other.group': { x: './x.js' } } });
    await storeScan();
    const registry = new Registry({ root: tree.root, cacheDir });
    const plugins = registry.entryPoints(GROUP);
    expect(registry.cacheStatus).toBe('hit');
    expect(registry.entryPoints(GROUP)).toBe(plugins);
    expect(registry.entryPoints()).toEqual([...plugins, ...registry.entryPoints('other.group')]);
    expect(registry.groups()).toEqual([GROUP, 'other.group']);
  });
});

describe('a tree with broken packages', () => {
  it('reports the same problems from a cached scan as from a fresh one, and finds the good packages', async () => {
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
    await storeScan();
    const cached = cachedRegistry();
    expect(cached.cacheStatus).toBe('hit');
    expect(cached.scan().problems).toEqual(fresh.problems);
    expect(cached.scan().packages).toEqual(fresh.packages);
  });
});

describe('a change between two runs is seen', () => {
  it('a package installed', async () => {
    await expectChangeSeen(() => tree.install(plugin('gamma')));
  });

  it('a scoped package installed into an existing scope (only the @scope folder changes)', async () => {
    const nodeModules = path.join(tree.root, 'node_modules');
    const before = statSync(nodeModules, { bigint: true }).mtimeNs;
    await expectChangeSeen(() => tree.install(plugin('@scope/gamma')));
    expect(statSync(nodeModules, { bigint: true }).mtimeNs).toBe(before);
  });

  it('a package removed', async () => {
    await expectChangeSeen(() => rmSync(path.join(tree.root, 'node_modules', 'alpha'), { recursive: true }));
  });

  it('a scoped package removed', async () => {
    await expectChangeSeen(() => rmSync(path.join(tree.root, 'node_modules', '@scope', 'beta'), { recursive: true }));
  });

  it('a package upgraded the npm way (a new folder moved into place)', async () => {
    await expectChangeSeen(() => {
      const target = path.join(tree.root, 'node_modules', 'alpha');
      const staged = path.join(tree.root, 'node_modules', '.alpha-staged');
      mkdirSync(staged);
      writeFileSync(
        path.join(staged, 'package.json'),
        JSON.stringify({ name: 'alpha', version: '2.0.0', entryPoints: { [GROUP]: { alpha2: './index.js' } } }),
      );
      rmSync(target, { recursive: true });
      renameSync(staged, target);
    });
  });

  it('a package upgraded in place (Yarn: only its folder and package.json change)', async () => {
    await expectChangeSeen(() => {
      const file = path.join(tree.root, 'node_modules', '@scope', 'beta', 'package.json');
      writeFileSync(file, JSON.stringify({ name: '@scope/beta', version: '1.1.0', entryPoints: { [GROUP]: {} } }));
    });
  });

  it('a package that declared nothing starts declaring entry points in an upgrade', async () => {
    await expectChangeSeen(() => {
      rmSync(path.join(tree.root, 'node_modules', 'lodash-like'), { recursive: true });
      tree.install(plugin('lodash-like'));
    });
  });

  it('a linked package added (npm link), edited, re-pointed and unlinked', async () => {
    await expectChangeSeen(() => tree.install({ ...plugin('linked-one'), linked: true }));
    const linkedJson = path.join(tree.dir, 'linked', 'linked-one', 'package.json');
    await expectChangeSeen(() =>
      writeFileSync(
        linkedJson,
        JSON.stringify({ name: 'linked-one', entryPoints: { [GROUP]: { renamed: './i.js' } } }),
      ),
    );
    await expectChangeSeen(() => {
      const elsewhere = path.join(tree.dir, 'linked', 'linked-two');
      mkdirSync(elsewhere);
      writeFileSync(
        path.join(elsewhere, 'package.json'),
        JSON.stringify({ name: 'linked-two', entryPoints: { [GROUP]: { two: './i.js' } } }),
      );
      const link = path.join(tree.root, 'node_modules', 'linked-one');
      rmSync(link);
      symlinkSync(elsewhere, link, 'dir');
    });
    await expectChangeSeen(() => rmSync(path.join(tree.root, 'node_modules', 'linked-one')));
  });

  it("the root's own declarations", async () => {
    await expectChangeSeen(() =>
      writeFileSync(
        path.join(tree.root, 'package.json'),
        JSON.stringify({ name: 'app', entryPoints: { [GROUP]: { own: './own.js' } } }),
      ),
    );
  });

  it('a node_modules folder created further up the tree', async () => {
    const upper = path.join(tree.dir, 'node_modules', 'upper');
    await expectChangeSeen(() => {
      mkdirSync(upper, { recursive: true });
      writeFileSync(
        path.join(upper, 'package.json'),
        JSON.stringify({ name: 'upper', entryPoints: { [GROUP]: { up: './u.js' } } }),
      );
    });
  });

  it('a package.json rewritten with the same size and the same (coarse) mtime', async () => {
    const file = path.join(tree.root, 'node_modules', 'alpha', 'package.json');
    const write = (name: string): void =>
      writeFileSync(file, JSON.stringify({ name: 'alpha', entryPoints: { [GROUP]: { [name]: './index.js' } } }));
    // What a file system with one-second timestamps shows for two writes in the same second.
    const second = new Date(Math.floor(Date.now() / 1000) * 1000);
    write('one');
    utimesSync(file, second, second);
    const { mtimeNs, size } = statSync(file, { bigint: true });
    await expectChangeSeen(() => {
      write('two');
      utimesSync(file, second, second);
    });
    expect(statSync(file, { bigint: true })).toMatchObject({ mtimeNs, size });
  });
});

describe('the cache refuses to store a scan it cannot trust', () => {
  it('when a watched path changed within the same clock tick as the scan', async () => {
    const file = path.join(tree.root, 'node_modules', 'alpha', 'package.json');
    const registry = new Registry({ root: tree.root, cache: false });
    const result = registry.scan();
    const ctimeNs = statSync(file, { bigint: true }).ctimeNs;
    expect(writeCache(cacheDir, registry.cacheKey, result, ctimeNs + 1_000_000n)).toBe(false);
    expect(existsSync(cacheFileFor(cacheDir, registry.cacheKey))).toBe(false);
    expect(writeCache(cacheDir, registry.cacheKey, result, ctimeNs + 1_000_000_000n)).toBe(true);
  });

  it('waiting longer on file systems with whole-second timestamps', () => {
    const watch: [string, string][] = [['/x/package.json', '5000000000/5000000000/10/1']];
    const result = { packages: [], shadowed: [], problems: [], watch };
    expect(writeCache(cacheDir, 'k', result, 6_000_000_000n)).toBe(false);
    expect(writeCache(cacheDir, 'k', result, 7_200_000_000n)).toBe(true);
  });
});

describe('a bad cache file is ignored and rebuilt', () => {
  async function expectRebuilt(damage: (file: string) => void): Promise<void> {
    const registry = await storeScan();
    const file = cacheFileFor(cacheDir, registry.cacheKey);
    damage(file);
    const next = cachedRegistry();
    expect(found(next)).toEqual(truth());
    expect(next.cacheStatus).toBe('stored');
    expect(cachedRegistry().cacheStatus).toBe('hit');
  }

  it('truncated', async () => {
    await expectRebuilt((file) => writeFileSync(file, readFileSync(file).subarray(0, 100), { mode: 0o600 }));
  });

  it('empty', async () => {
    await expectRebuilt((file) => writeFileSync(file, ''));
  });

  it('of another format version', async () => {
    await expectRebuilt((file) => {
      const data = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...data, format: CACHE_FORMAT - 1 }));
    });
  });

  it('valid JSON of the wrong shape', async () => {
    const shapes: ((data: Record<string, unknown>) => unknown)[] = [
      () => null,
      () => [],
      (data) => ({ ...data, packages: 'nope' }),
      (data) => ({ ...data, watch: [['only-a-path']] }),
      (data) => ({ ...data, packages: [[0, 'alpha', null, null, '1.0.0', null, [[GROUP, 'a', 42]]]] }),
      (data) => ({ ...data, problems: [{ code: 1 }] }),
      (data) => ({ ...data, sources: [7] }),
    ];
    for (const reshape of shapes) {
      await expectRebuilt((file) =>
        writeFileSync(file, JSON.stringify(reshape(JSON.parse(readFileSync(file, 'utf8'))))),
      );
    }
  });

  it('written for another key (a hash collision)', async () => {
    await expectRebuilt((file) => {
      const data = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...data, key: 'another' }));
    });
  });

  it('writable by others, or owned by another user', async () => {
    await expectRebuilt((file) => chmodSync(file, 0o666));
    if (process.getuid?.() === 0) await expectRebuilt((file) => chownSync(file, 12345, 12345));
  });

  it('a folder where the file should be', async () => {
    const registry = await storeScan();
    const file = cacheFileFor(cacheDir, registry.cacheKey);
    rmSync(file);
    mkdirSync(file);
    const next = cachedRegistry();
    expect(found(next)).toEqual(truth());
    expect(next.cacheStatus).toBe('not-stored');
  });
});

describe('turning the cache off', () => {
  afterEach(() => {
    delete process.env.STEVEDORE_CACHE;
  });

  it('with cache: false', async () => {
    expect(cachedRegistry({ cache: false }).cacheStatus).toBe('off');
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('with STEVEDORE_CACHE=0', async () => {
    process.env.STEVEDORE_CACHE = '0';
    expect(cachedRegistry().cacheStatus).toBe('off');
    expect(cacheInfo(cacheDir).disabled).toMatch(/STEVEDORE_CACHE/);
    process.env.STEVEDORE_CACHE = '1';
    expect(cachedRegistry().cacheStatus).not.toBe('off');
  });

  it('with a .disable file in the cache folder, even over a stored scan', async () => {
    await storeScan();
    writeFileSync(path.join(cacheDir, '.disable'), '');
    const registry = cachedRegistry();
    expect(registry.cacheStatus).toBe('off');
    expect(found(registry)).toEqual(truth());
    expect(cacheInfo(cacheDir).disabled).toBe(`${path.join(cacheDir, '.disable')} exists`);
  });

  it('silently when the cache folder cannot be created', () => {
    const blocker = path.join(tree.dir, 'a-file');
    writeFileSync(blocker, '');
    const registry = new Registry({ root: tree.root, cacheDir: path.join(blocker, 'cache') });
    expect(found(registry)).toEqual(truth());
    expect(registry.cacheStatus).toBe('not-stored');
  });
});

describe('clearCache and cacheInfo', () => {
  it('remove and count the cache files only', async () => {
    await storeScan();
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

  it('a cleared cache is rebuilt on the next run', async () => {
    const registry = await storeScan();
    clearCache(cacheDir);
    expect(readCache(cacheDir, registry.cacheKey)).toBeNull();
    expect(cachedRegistry().cacheStatus).toBe('stored');
  });
});

describe('real processes', () => {
  /** Runs the built library in a fresh node process; resolves with what it found and its cache status. */
  function runChild(root: string, dir: string): Promise<{ found: string[][]; cache: string }> {
    const script = `
      const { Registry } = require(${JSON.stringify(dist)});
      const registry = new Registry({ root: ${JSON.stringify(root)}, cacheDir: ${JSON.stringify(dir)} });
      const found = registry.entryPoints().map((ep) => [ep.group, ep.name, ep.value, ep.dist ? ep.dist.version : '']);
      process.stdout.write(JSON.stringify({ found, cache: registry.cacheStatus }));`;
    return startNode(['-e', script], { env: { STEVEDORE_CACHE: undefined } }).then(({ status, stdout, stderr }) => {
      if (status !== 0) throw new Error(stderr);
      return JSON.parse(stdout) as { found: string[][]; cache: string };
    });
  }

  beforeAll(ensureBuilt);

  /** Runs a script in a fresh node process; returns its stdout and stderr. */
  function runScript(script: string, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string } {
    const child = runNode(['-e', script], { env: { STEVEDORE_CACHE: undefined, ...env } });
    if (child.status !== 0) throw new Error(child.stderr);
    return { stdout: child.stdout, stderr: child.stderr };
  }

  it('importing the library loads neither debug nor tapable until they are needed', () => {
    const script = `
      const lib = require(${JSON.stringify(dist)});
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
    const scan = `new (require(${JSON.stringify(dist)}).Registry)({ root: ${JSON.stringify(tree.root)}, cacheDir: ${JSON.stringify(cacheDir)} }).entryPoints();`;
    expect(runScript(scan, { DEBUG: 'stevedore:*' }).stderr).toMatch(/stevedore:registry scanning/);
    expect(runScript(scan).stderr).toBe('');
    const enabled = `require('debug').enable('stevedore:cache'); ${scan}`;
    expect(runScript(enabled).stderr).toMatch(/stevedore:cache (stored|hit|not stored)/);
  });

  it('8 processes starting at once on a cold cache all find the right entry points and leave one good file', async () => {
    for (let i = 0; i < 40; i++) tree.install(i % 4 ? { name: `filler-${i}` } : plugin(`@many/p${i}`));
    await sleep(100); // let the tree settle, so that the scans may be stored
    const expected = truth();
    const results = await Promise.all(Array.from({ length: 8 }, () => runChild(tree.root, cacheDir)));
    for (const result of results) expect(result.found).toEqual(expected);
    expect(results.map((r) => r.cache)).toContain('stored');
    expect(readdirSync(cacheDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const registry = cachedRegistry();
    expect(registry.cacheStatus).toBe('hit');
    expect(found(registry)).toEqual(expected);
  });

  it('npm install, upgrade, link and uninstall between runs', async () => {
    const work = tree.dir;
    const npm = (...args: string[]): void => {
      runOk('npm', [...args, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: tree.root,
        env: { npm_config_cache: path.join(work, 'npm-cache') },
      });
    };
    const makePackage = (name: string, version: string, entries: Record<string, string>): string => {
      const dir = path.join(work, 'src', `${name.replace('/', '-')}-${version}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({ name, version, entryPoints: { [GROUP]: entries } }, null, 2),
      );
      writeFileSync(path.join(dir, 'index.js'), 'module.exports = {};');
      return dir;
    };
    const pack = (dir: string): string => {
      const out = runOk('npm', ['pack', '--silent', '--pack-destination', work], { cwd: dir }).stdout;
      return path.join(work, out.trim().split('\n').pop() as string);
    };
    rmSync(path.join(tree.root, 'node_modules'), { recursive: true });
    writeFileSync(path.join(tree.root, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0' }));
    const check = async (): Promise<string[][]> => {
      await runChild(tree.root, cacheDir); // may store the scan
      await sleep(100);
      await runChild(tree.root, cacheDir);
      const after = await runChild(tree.root, cacheDir);
      expect(after.found).toEqual(truth());
      return after.found;
    };
    await check();
    npm('install', pack(makePackage('@acme/fmt', '1.0.0', { json: './index.js' })));
    expect(await check()).toEqual([[GROUP, 'json', './index.js', '1.0.0']]);
    expect((await runChild(tree.root, cacheDir)).cache).toBe('hit');
    npm('install', pack(makePackage('@acme/xml', '1.0.0', { xml: './index.js' })));
    expect((await check()).map((row) => row[1])).toEqual(['json', 'xml']);
    npm('install', pack(makePackage('@acme/fmt', '2.0.0', { json: './index.js', yaml: './index.js' })));
    expect((await check()).map((row) => `${row[1]}@${row[3]}`)).toEqual(['json@2.0.0', 'yaml@2.0.0', 'xml@1.0.0']);
    // A folder install is a link into the folder, as `npm link` makes.
    const linked = makePackage('linked-fmt', '0.1.0', { csv: './index.js' });
    npm('install', linked);
    expect((await check()).map((row) => row[1])).toContain('csv');
    writeFileSync(
      path.join(linked, 'package.json'),
      JSON.stringify({ name: 'linked-fmt', version: '0.2.0', entryPoints: { [GROUP]: { tsv: './index.js' } } }),
    );
    expect((await check()).map((row) => row[1])).toEqual(['json', 'yaml', 'xml', 'tsv']);
    npm('uninstall', '@acme/fmt', 'linked-fmt');
    expect(await check()).toEqual([[GROUP, 'xml', './index.js', '1.0.0']]);
  }, 180_000);
});
