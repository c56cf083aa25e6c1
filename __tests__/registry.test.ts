/**
 * Discovery: which entry points a Registry finds in real package
 * trees — the committed layouts under fixtures/layouts (copied to a temporary
 * folder so that walking up meets no other node_modules) and trees written
 * with createPackageTree — and in which order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Registry } from '../lib/registry';
import { globalFolder, nodeModulesPaths, findPackageRoot } from '../lib/locate';
import { ExtensionManager } from '../lib/extension';
import type { Extension } from '../lib/extension';
import type { EntryPoint } from '../lib/entry-point';
import { createPackageTree } from '../lib/testing';
import type { FixturePackage, PackageTree } from '../lib/testing';
import type { TempDir } from './support/temp';
import { copyLayout, tempDir } from './support/temp';
import { recordWarnings } from './support/warnings';

const names = (registry: Registry, group = 'layout.test'): string[] =>
  registry.entryPoints(group).map((entryPoint) => entryPoint.name);
const distOf = (registry: Registry, name: string, group = 'layout.test'): EntryPoint['dist'] =>
  registry.entryPoints(group).find((entryPoint) => entryPoint.name === name)?.dist ?? null;

/** Sets environment variables for the duration of `run` (undefined removes one). */
function withEnv<T>(vars: Record<string, string | undefined>, run: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(vars);
  try {
    return run();
  } finally {
    apply(saved);
  }
}

// Temporary folders removed after all tests of this file.
const scratch: TempDir[] = [];
function keep(temp: TempDir): string {
  scratch.push(temp);
  return temp.dir;
}
afterAll(() => scratch.forEach((temp) => temp.cleanup()));

let layout: TempDir | null = null;
let tree: PackageTree | null = null;
afterEach(() => {
  layout?.cleanup();
  tree?.cleanup();
  layout = null;
  tree = null;
});

describe('npm flat layout with scoped packages', () => {
  let registry: Registry;
  let dir: string;
  let copy: TempDir;
  beforeAll(() => {
    copy = copyLayout('npm-flat');
    dir = copy.dir;
  });
  afterAll(() => copy.cleanup());
  beforeEach(() => {
    registry = new Registry({ root: dir, cache: false });
  });

  test('the root first, then the packages of node_modules in name order, each in declaration order', () => {
    expect(names(registry)).toEqual(['app-own', 'delta', 'gamma', 'alpha', 'z-first', 'a-second']);
  });

  test('every group, in the same discovery order (not grouped by group)', () => {
    expect(registry.entryPoints().map((entryPoint) => `${entryPoint.group}/${entryPoint.name}`)).toEqual([
      'layout.test/app-own',
      'layout.test/delta',
      'layout.test/gamma',
      'layout.test/alpha',
      'layout.other/beta-other',
      'layout.test/z-first',
      'layout.test/a-second',
    ]);
    expect(registry.groups()).toEqual(['layout.other', 'layout.test']);
    expect(registry.entryPoints('no.such.group')).toEqual([]);
  });

  test('dot entries, nested node_modules and packages without entryPoints are not sources', () => {
    const all = registry.entryPoints().map((entryPoint) => entryPoint.name);
    expect(all).not.toContain('nested');
    expect(all).not.toContain('hidden');
    expect(all).not.toContain('hidden-scoped');
    expect(registry.scan().packages.map((pkg) => pkg.dist.name)).toEqual([
      'flat-app',
      '@scope/delta',
      '@scope/gamma',
      'alpha',
      'beta',
    ]);
  });

  test('dist describes the declaring package; the plugins load', () => {
    expect(distOf(registry, 'app-own')).toEqual({ name: 'flat-app', version: '1.0.0', root: dir });
    expect(distOf(registry, 'delta')).toEqual({
      name: '@scope/delta',
      version: '1.0.0',
      root: path.join(dir, 'node_modules', '@scope', 'delta'),
    });
    expect(registry.entryPoints('layout.test').map((entryPoint) => entryPoint.load())).toEqual([
      'own',
      'delta',
      'gamma',
      'alpha',
      'z',
      'a',
    ]);
  });

  test('the sources: root, then node_modules up to the filesystem root', () => {
    expect(registry.root).toBe(dir);
    expect(registry.folders).toEqual(nodeModulesPaths(dir));
    expect(registry.folders[0]).toBe(path.join(dir, 'node_modules'));
    expect(registry.folders[registry.folders.length - 1]).toBe(path.join(path.parse(dir).root, 'node_modules'));
    expect(registry.scan().packages.map((pkg) => pkg.source)).toEqual([
      'root',
      ...Array(4).fill(path.join(dir, 'node_modules')),
    ]);
  });

  test('the same EntryPoint objects on every call until refresh()', () => {
    const first = registry.entryPoints('layout.test');
    expect(registry.entryPoints('layout.test')).toBe(first);
    expect(registry.entryPoints()).toEqual(expect.arrayContaining([...first]));
    expect(registry.entryPoints()[0]).toBe(first[0]);
    expect(Object.isFrozen(first)).toBe(true);
    const scan = registry.scan();
    expect(registry.scan()).toBe(scan);

    registry.refresh();
    const second = registry.entryPoints('layout.test');
    expect(second).not.toBe(first);
    expect(second[0]).not.toBe(first[0]);
    expect(second.map(String)).toEqual(first.map(String));
    expect(registry.entryPoints('layout.test')[0]).toBe(second[0]);
  });

  test('refresh() sees packages installed meanwhile; without it the scan is kept', () => {
    layout = copyLayout('npm-flat');
    dir = layout.dir;
    registry = new Registry({ root: dir, cache: false });
    expect(names(registry)).not.toContain('late');
    const late = path.join(dir, 'node_modules', 'late');
    fs.mkdirSync(late);
    fs.writeFileSync(
      path.join(late, 'package.json'),
      JSON.stringify({ name: 'late', entryPoints: { 'layout.test': { late: './index.js' } } }),
    );
    expect(names(registry)).not.toContain('late');
    registry.refresh();
    expect(names(registry)).toEqual(['app-own', 'delta', 'gamma', 'alpha', 'z-first', 'a-second', 'late']);
  });
});

describe('monorepo with workspaces', () => {
  let registry: Registry;
  let dir: string;
  let copy: TempDir;
  beforeAll(() => {
    copy = copyLayout('monorepo');
    dir = copy.dir;
  });
  afterAll(() => copy.cleanup());
  beforeEach(() => {
    registry = new Registry({ root: path.join(dir, 'packages', 'app'), cache: false });
  });

  test("the workspace package is the root; the monorepo's hoisted node_modules is reached by walking up", () => {
    expect(names(registry)).toEqual(['ws-app', 'lib-a', 'shared', 'hoisted']);
    expect(registry.folders.slice(0, 3)).toEqual([
      path.join(dir, 'packages', 'app', 'node_modules'),
      path.join(dir, 'packages', 'node_modules'),
      path.join(dir, 'node_modules'),
    ]);
  });

  test("the monorepo's own package is not a dependency: its entry points are not visible", () => {
    expect(registry.entryPoints().map((entryPoint) => entryPoint.name)).not.toContain('mono-root');
  });

  test('workspace links count once, under their real path', () => {
    // ws-app is the root and node_modules/ws-app; @mono/lib-a is linked from two node_modules folders.
    expect(registry.entryPoints().filter((entryPoint) => entryPoint.name === 'ws-app')).toHaveLength(1);
    expect(registry.entryPoints().filter((entryPoint) => entryPoint.name === 'lib-a')).toHaveLength(1);
    expect(distOf(registry, 'lib-a')).toEqual({
      name: '@mono/lib-a',
      version: '1.0.0',
      root: path.join(dir, 'packages', 'lib-a'),
    });
    expect(
      registry
        .entryPoints('layout.test')
        .find((entryPoint) => entryPoint.name === 'lib-a')
        ?.load(),
    ).toBe('lib-a');
  });

  test('the nearest copy of a package shadows the hoisted one', () => {
    const shared = registry.entryPoints('layout.test').find((entryPoint) => entryPoint.name === 'shared');
    expect(shared?.dist?.version).toBe('2.0.0');
    expect(shared?.load()).toBe('2.0.0');
    expect(registry.scan().shadowed).toEqual([
      {
        installedAs: 'shared-dep',
        path: path.join(dir, 'node_modules', 'shared-dep'),
        source: path.join(dir, 'node_modules'),
      },
    ]);
  });
});

describe('shadowing and aliases', () => {
  let registry: Registry;
  let dir: string;
  let copy: TempDir;
  beforeAll(() => {
    copy = copyLayout('shadow');
    dir = copy.dir;
  });
  afterAll(() => copy.cleanup());
  beforeEach(() => {
    registry = new Registry({ root: path.join(dir, 'app'), cache: false });
  });

  test('the nearest folder name wins; an alias shadows by the name it is installed under', () => {
    expect(names(registry)).toEqual(['linked', 'aliased-inner', 'shared', 'aliased-outer']);
    expect(registry.entryPoints('layout.test').map((entryPoint) => entryPoint.load())).toEqual([
      'linked',
      'inner',
      2,
      'outer',
    ]);
    expect(registry.scan().shadowed).toEqual([
      {
        installedAs: 'my-alias',
        path: path.join(dir, 'node_modules', 'my-alias'),
        source: path.join(dir, 'node_modules'),
      },
      { installedAs: 'shared', path: path.join(dir, 'node_modules', 'shared'), source: path.join(dir, 'node_modules') },
    ]);
  });

  test("dist.name is the manifest's name and dist.root the real path", () => {
    expect(distOf(registry, 'aliased-inner')).toEqual({
      name: 'aliased-pkg',
      version: '3.0.0',
      root: path.join(dir, 'app', 'node_modules', 'my-alias'),
    });
    expect(
      registry.scan().packages.find((pkg) => pkg.dist.name === 'aliased-pkg' && pkg.installedAs === 'my-alias'),
    ).toBeDefined();
    expect(distOf(registry, 'linked')?.root).toBe(path.join(dir, 'linked-src'));
  });

  test('a valid tree with shadowed copies and links raises no warning', () => {
    const recorded = recordWarnings();
    try {
      new Registry({ root: path.join(dir, 'app'), cache: false }).entryPoints();
      new Registry({ root: path.join(keep(copyLayout('monorepo')), 'packages', 'app'), cache: false }).entryPoints();
      new Registry({ root: path.join(keep(copyLayout('pnpm')), 'app'), cache: false }).entryPoints();
    } finally {
      recorded.restore();
    }
    expect(recorded.warnings).toEqual([]);
  });
});

describe('NODE_PATH, paths and the global folder', () => {
  const plugin = (name: string, ep: string): FixturePackage => ({
    name,
    entryPoints: { 'layout.test': { [ep]: './index.js:value' } },
    files: { 'index.js': `exports.value = ${JSON.stringify(ep)};` },
  });

  test('NODE_PATH folders come after node_modules; a name found earlier shadows them', () => {
    tree = createPackageTree({ packages: [plugin('local', 'local')] });
    const extraA = path.join(tree.dir, 'extra-a');
    const extraB = path.join(tree.dir, 'extra-b');
    tree.install(plugin('from-node-path', 'np-a'), extraA);
    tree.install(plugin('local', 'np-shadowed'), extraA);
    tree.install(plugin('from-node-path-b', 'np-b'), extraB);
    const registry = withEnv({ NODE_PATH: [extraA, '', extraB].join(path.delimiter) }, () => {
      return new Registry({ root: tree!.root, cache: false });
    });
    expect(registry.folders.slice(-2)).toEqual([extraA, extraB]);
    expect(names(registry)).toEqual(['local', 'np-a', 'np-b']);
    expect(registry.scan().shadowed).toEqual([
      { installedAs: 'local', path: path.join(extraA, 'local'), source: extraA },
    ]);
  });

  test('paths replaces the node_modules folders (relative paths from the root); the root stays first', () => {
    tree = createPackageTree({
      app: { name: 'app', entryPoints: { 'layout.test': { own: './own.js' } } },
      packages: [plugin('in-node-modules', 'nm')],
    });
    tree.install(plugin('vendored', 'vendored'), path.join(tree.root, 'vendor'));
    const registry = withEnv({ NODE_PATH: undefined }, () => {
      return new Registry({ root: tree!.root, paths: ['vendor'], cache: false });
    });
    expect(registry.folders).toEqual([path.join(tree.root, 'vendor')]);
    expect(names(registry)).toEqual(['own', 'vendored']);
  });

  // Registry({ global: true }) over real global installs: layout-global.test.ts.
  test('globalFolder() reads the prefix as npm does: from the config files, relative to them, ${VAR} expanded', () => {
    tree = createPackageTree();
    const prefix = path.join(tree.dir, 'npmrc prefix');
    const npmrc = path.join(tree.dir, 'npmrc');
    fs.writeFileSync(npmrc, `; a comment\nregistry=https://registry.npmjs.org/\nprefix = "${prefix}"\n`);
    expect(globalFolder({ npm_config_userconfig: npmrc })).toBe(path.join(prefix, 'lib', 'node_modules'));

    // Relative to the config file, with ${VAR} expanded, as npm does.
    fs.writeFileSync(npmrc, 'prefix=./${PREFIX_NAME}\n');
    expect(globalFolder({ npm_config_userconfig: npmrc, PREFIX_NAME: 'npmrc prefix' })).toBe(
      path.join(prefix, 'lib', 'node_modules'),
    );
    // No prefix in the user config: the global config file, then Node's own prefix.
    fs.writeFileSync(npmrc, 'registry=https://example.invalid/\n');
    const globalrc = path.join(tree.dir, 'globalrc');
    fs.writeFileSync(globalrc, `prefix=${prefix}\n`);
    expect(globalFolder({ npm_config_userconfig: npmrc, npm_config_globalconfig: globalrc })).toBe(
      path.join(prefix, 'lib', 'node_modules'),
    );
    expect(globalFolder({ npm_config_userconfig: npmrc, npm_config_globalconfig: path.join(tree.dir, 'none') })).toBe(
      path.join(path.dirname(path.dirname(process.execPath)), 'lib', 'node_modules'),
    );
  });
});

describe('group and entry point names are data', () => {
  test('__proto__, constructor and prototype are ordinary names and never touch prototypes', () => {
    tree = createPackageTree({
      app: {
        name: 'app',
        files: {
          // Written as JSON text: an object literal with a __proto__ key would set the prototype instead.
          'package.json':
            '{ "name": "app", "entryPoints": { "__proto__": { "constructor": "./v.js:a", "prototype": "./v.js:b" },' +
            ' "constructor": { "__proto__": "./v.js:c" }, "prototype": { "toString": "./v.js:a" } } }',
          'v.js': "exports.a = 'a'; exports.b = 'b'; exports.c = 'c';",
        },
      },
    });
    const registry = tree.registry;
    expect(registry.groups()).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(names(registry, '__proto__')).toEqual(['constructor', 'prototype']);
    expect(names(registry, 'constructor')).toEqual(['__proto__']);
    expect(names(registry, 'prototype')).toEqual(['toString']);
    expect(registry.entryPoints('__proto__').map((entryPoint) => entryPoint.load())).toEqual(['a', 'b']);
    expect(registry.entryPoints('constructor')[0].load()).toBe('c');
    expect(registry.entryPoints('toString')).toEqual([]);
    expect(registry.entryPoints('hasOwnProperty')).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('prototype');
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
    const manager = new ExtensionManager('__proto__', { registry });
    expect(manager.names()).toEqual(['constructor', 'prototype']);
    expect(manager.get('constructor').plugin).toBe('a');
  });
});

describe('register()', () => {
  test('adds an in-process entry point after the discovered ones, and returns its remover', async () => {
    tree = createPackageTree({
      packages: [{ name: 'disk', entryPoints: { 'layout.test': { disk: './i.js' } }, files: { 'i.js': '' } }],
    });
    const registry = tree.registry;
    const discovered = registry.entryPoints('layout.test')[0];
    const plugin = { bundled: true };
    const remove = registry.register('layout.test', 'bundled', plugin);
    const removeOther = registry.register('layout.registered-only', 'solo', () => 'solo');
    expect(names(registry)).toEqual(['disk', 'bundled']);
    expect(registry.entryPoints('layout.test')[0]).toBe(discovered);
    expect(registry.groups()).toEqual(['layout.registered-only', 'layout.test']);
    const registered = registry.entryPoints('layout.test')[1];
    expect(registered).toMatchObject({ name: 'bundled', group: 'layout.test', dist: null, attr: null });
    expect(registered.load()).toBe(plugin);
    await expect(registered.loadAsync()).resolves.toBe(plugin);
    expect(new ExtensionManager('layout.test', { registry }).get('bundled').plugin).toBe(plugin);

    remove();
    remove();
    expect(names(registry)).toEqual(['disk']);
    expect(registry.entryPoints().map((entryPoint) => entryPoint.name)).toEqual(['disk', 'solo']);
    removeOther();
    expect(registry.groups()).toEqual(['layout.test']);
  });

  test('registered entry points survive refresh()', () => {
    tree = createPackageTree();
    tree.registry.register('g', 'kept', 1);
    tree.registry.refresh();
    expect(names(tree.registry, 'g')).toEqual(['kept']);
  });
});

describe('registry.hooks, called by managers', () => {
  function hookTree(marker: string): PackageTree {
    return createPackageTree({
      packages: [
        {
          name: 'hooked',
          entryPoints: { 'layout.hooks': { vetoed: './vetoed.js', ok: './ok.js:ok', broken: './broken.js' } },
          files: {
            'vetoed.js': `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'loaded');`,
            'ok.js': "exports.ok = 'ok';",
            'broken.js': "throw new Error('broken plugin: ' + __filename);",
          },
        },
      ],
    });
  }

  test('beforeLoad vetoes (the module is never required), afterLoad and loadFailure see the rest', () => {
    const marker = path.join(keep(tempDir()), 'vetoed-was-loaded');
    tree = hookTree(marker);
    const registry = tree.registry;
    const before: string[] = [];
    const after: Extension<unknown>[] = [];
    const failed: [string, unknown][] = [];
    registry.hooks.beforeLoad.tap('test', (entryPoint) => {
      before.push(entryPoint.name);
      return entryPoint.name === 'vetoed' ? false : undefined;
    });
    registry.hooks.afterLoad.tap('test', (extension) => void after.push(extension));
    registry.hooks.loadFailure.tap('test', (entryPoint, error) => void failed.push([entryPoint.name, error]));
    const callback: [string, unknown][] = [];
    const manager = new ExtensionManager('layout.hooks', {
      registry,
      onLoadFailureCallback: (mgr, entryPoint, error) => {
        expect(mgr).toBeInstanceOf(ExtensionManager);
        callback.push([entryPoint.name, error]);
      },
    });
    expect(before).toEqual(['vetoed', 'ok', 'broken']);
    expect(fs.existsSync(marker)).toBe(false);
    expect(manager.names()).toEqual(['ok']);
    expect(after).toEqual([manager.get('ok')]);
    expect(failed.map(([name]) => name)).toEqual(['broken']);
    expect(callback).toEqual(failed);
    // The original error, with the plugin's own stack.
    const error = callback[0][1] as Error;
    const brokenFile = path.join(tree.root, 'node_modules', 'hooked', 'broken.js');
    expect(error.message).toBe(`broken plugin: ${brokenFile}`);
    expect(error.stack).toContain(brokenFile);

    // Without the veto the module is loaded: the marker shows the test can tell.
    const plain = hookTree(marker);
    try {
      new ExtensionManager('layout.hooks', { registry: plain.registry, onLoadFailureCallback: () => undefined });
      expect(fs.readFileSync(marker, 'utf8')).toBe('loaded');
    } finally {
      plain.cleanup();
    }
  });

  test('without a callback, a load failure is one STEVEDORE_LOAD_FAILED warning, on one line', () => {
    tree = hookTree(path.join(keep(tempDir()), 'marker'));
    const recorded = recordWarnings();
    try {
      new ExtensionManager('layout.hooks', { registry: tree.registry });
      new ExtensionManager('layout.hooks', { registry: tree.registry });
    } finally {
      recorded.restore();
    }
    const brokenFile = path.join(tree.root, 'node_modules', 'hooked', 'broken.js');
    expect(recorded.warnings).toEqual([
      {
        type: 'StevedoreWarning',
        code: 'STEVEDORE_LOAD_FAILED',
        message: expect.stringContaining(
          `Could not load 'broken' (layout.hooks: ./broken.js) from hooked (${path.dirname(brokenFile)}/package.json)`,
        ),
        detail: undefined,
      },
    ]);
    // The error's first line only: the stack goes to DEBUG=stevedore:manager, the error itself to a callback.
    expect(recorded.warnings[0].message).toMatch(/: broken plugin: \S+broken\.js$/);
  });
});

describe('the on-disk cache, basics', () => {
  // A clock ahead of time: a scan of the tree just written is stored (see isRacy in lib/cache.ts).
  const clock = (): number => Date.now() + 60_000;

  test('a second registry reads the stored scan; an install makes it scan again', () => {
    const cacheDir = keep(tempDir());
    tree = createPackageTree({
      packages: [{ name: 'first', entryPoints: { 'layout.test': { first: './i.js' } } }],
    });
    const options = { root: tree.root, cache: true, cacheDir, clock, paths: [path.join(tree.root, 'node_modules')] };
    const first = withEnv({ STEVEDORE_CACHE: undefined, NODE_PATH: undefined }, () => new Registry(options));
    expect(names(first)).toEqual(['first']);
    expect(fs.readdirSync(cacheDir).filter((file) => file.endsWith('.json'))).toHaveLength(1);

    const second = withEnv({ STEVEDORE_CACHE: undefined, NODE_PATH: undefined }, () => new Registry(options));
    // What the second one finds comes from the file: rename the entry point there (the last "first" in the file; the
    // same length, so the sections stay where they were).
    const cacheFile = path.join(cacheDir, fs.readdirSync(cacheDir)[0]);
    const text = fs.readFileSync(cacheFile, 'utf8');
    const at = text.lastIndexOf('"first"');
    fs.writeFileSync(cacheFile, `${text.slice(0, at)}"cache"${text.slice(at + '"first"'.length)}`);
    expect(names(second)).toEqual(['cache']);

    tree.install({ name: 'second', entryPoints: { 'layout.test': { second: './i.js' } } });
    second.refresh();
    expect(names(second)).toEqual(['first', 'second']);
  });

  test('cache: false never writes', () => {
    const cacheDir = keep(tempDir());
    tree = createPackageTree({ registryOptions: { cacheDir } });
    tree.registry.entryPoints();
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });
});

test('discovery reads JSON only: listing entry points never runs package code', () => {
  const marker = path.join(keep(tempDir()), 'ran');
  const sideEffect = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); exports.x = 1;`;
  tree = createPackageTree({
    packages: [
      {
        name: 'eager',
        entryPoints: { g: { eager: './index.js:x' } },
        manifest: { main: './index.js', scripts: { postinstall: 'node index.js' } },
        files: { 'index.js': sideEffect },
      },
    ],
  });
  const registry = tree.registry;
  expect(registry.groups()).toEqual(['g']);
  expect(registry.entryPoints('g').map(String)).toEqual(['eager = ./index.js:x']);
  expect(registry.scan().packages).toHaveLength(1);
  expect(fs.existsSync(marker)).toBe(false);
  // Loading is what runs it.
  expect(registry.entryPoints('g')[0].load()).toBe(1);
  expect(fs.existsSync(marker)).toBe(true);
});

test('a root without a package.json is no error: its node_modules are still scanned', () => {
  tree = createPackageTree({ packages: [{ name: 'dep', entryPoints: { g: { dep: './i.js' } } }] });
  fs.rmSync(path.join(tree.root, 'package.json'));
  const recorded = recordWarnings();
  try {
    expect(names(new Registry({ root: tree.root, cache: false }), 'g')).toEqual(['dep']);
  } finally {
    recorded.restore();
  }
  expect(recorded.warnings).toEqual([]);
});

describe('findPackageRoot and nodeModulesPaths', () => {
  test("walk up as Node's resolution does", () => {
    layout = copyLayout('monorepo');
    const app = path.join(layout.dir, 'packages', 'app');
    expect(findPackageRoot(path.join(app, 'node_modules', 'shared-dep'))).toBe(
      path.join(app, 'node_modules', 'shared-dep'),
    );
    expect(findPackageRoot(path.join(layout.dir, 'packages'))).toBe(layout.dir);
    expect(findPackageRoot(path.parse(layout.dir).root)).toBeNull();
    // A node_modules folder never gets a node_modules of its own.
    expect(nodeModulesPaths(path.join(app, 'node_modules', 'shared-dep'))).toEqual([
      path.join(app, 'node_modules', 'shared-dep', 'node_modules'),
      ...nodeModulesPaths(app),
    ]);
  });
});
