/**
 * The peer dependency check (`checkPeers`, lib/peers.ts) on package trees
 * written to disk: a plugin whose package's `peerDependencies` the installed
 * packages do not satisfy is a load failure (`IncompatiblePlugin`,
 * `STEVEDORE_INCOMPATIBLE`), and its module is never required.
 * peers-layouts.test.ts runs the same checks on trees npm, pnpm and Yarn install.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DriverManager,
  ExtensionManager,
  IncompatiblePlugin,
  LoadError,
  NamedExtensionManager,
  Registry,
  registerBundled,
} from '../lib/index';
import type { EntryPoint, OnLoadFailureCallback, ScanResult } from '../lib/index';
import type { FixturePackage, PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { checkPeers, incompatiblePlugins, peerRequirements } from '../lib/peers';
import { main } from '../lib/cli/cli';
import type { CliIo } from '../lib/cli/output';
import { withWarnings } from './support/warnings';

const GROUP = 'peers.plugins';

/**
 * A plugin package whose module records, in `<its folder>/ran`, that it was
 * required; `peers` is its `peerDependencies`, `optional` the names marked optional.
 */
function plugin(
  name: string,
  peers: Record<string, unknown> | undefined,
  { optional = [], manifest = {}, linked = false }: { optional?: string[]; manifest?: object; linked?: boolean } = {},
): FixturePackage {
  const meta = optional.length
    ? { peerDependenciesMeta: Object.fromEntries(optional.map((peer) => [peer, { optional: true }])) }
    : {};
  return {
    name,
    linked,
    manifest: { ...(peers === undefined ? {} : { peerDependencies: peers }), ...meta, ...manifest },
    entryPoints: { [GROUP]: { [name.replace(/^@[^/]+\//, '')]: './index.js' } },
    files: {
      'index.js': `require('fs').writeFileSync(require('path').join(__dirname, 'ran'), '');\nmodule.exports = ${JSON.stringify(name)};\n`,
    },
  };
}

/** A package that only is installed (a host, a peer). */
function pkg(name: string, version: string): FixturePackage {
  return { name, version };
}

const trees: PackageTree[] = [];
afterAll(() => trees.forEach((t) => t.cleanup()));

function tree(
  packages: FixturePackage[],
  app: FixturePackage = { name: 'app' },
  registryOptions: { checkPeers?: boolean } = {},
): PackageTree {
  const t = createPackageTree({ app, packages, registryOptions });
  trees.push(t);
  return t;
}

function ran(t: PackageTree, name: string): boolean {
  const installed = path.join(t.root, 'node_modules', name, 'ran');
  return existsSync(installed) || existsSync(path.join(t.dir, 'linked', name, 'ran'));
}

interface Failure {
  name: string;
  error: unknown;
}

/** Loads the group with `checkPeers` (unless told otherwise), collecting failures through the callback. */
function load(
  t: PackageTree,
  options: { checkPeers?: boolean; registry?: Registry } = { checkPeers: true },
): { names: string[]; failures: Failure[] } {
  const failures: Failure[] = [];
  const onLoadFailureCallback: OnLoadFailureCallback = (_manager, entryPoint, error) =>
    failures.push({ name: entryPoint.name, error });
  const manager = new ExtensionManager(GROUP, { registry: t.registry, onLoadFailureCallback, ...options });
  return { names: manager.names(), failures };
}

function incompatible(failure: Failure): IncompatiblePlugin {
  expect(failure.error).toBeInstanceOf(IncompatiblePlugin);
  return failure.error as IncompatiblePlugin;
}

describe('a plugin whose peers are met loads; one whose peers are not is refused before it is required', () => {
  let t: PackageTree;
  beforeAll(() => {
    t = tree([
      pkg('host-api', '2.3.0'),
      plugin('met', { 'host-api': '^2.0.0' }),
      plugin('unmet', { 'host-api': '^1.0.0' }),
      plugin('no-peers', undefined),
    ]);
  });

  it('loads the met plugin and the one without peers; refuses the unmet one with IncompatiblePlugin', () => {
    const { names, failures } = load(t);
    expect(names).toEqual(['met', 'no-peers']);
    expect(failures.map((failure) => failure.name)).toEqual(['unmet']);
    const error = incompatible(failures[0]);
    expect(error).toBeInstanceOf(LoadError);
    expect(error).toMatchObject({
      name: 'IncompatiblePlugin',
      code: 'STEVEDORE_INCOMPATIBLE',
      plugin: 'unmet',
      file: path.join(t.root, 'node_modules', 'unmet', 'package.json'),
      peer: 'host-api',
      range: '^1.0.0',
      found: '2.3.0',
    });
    expect(error.mismatches).toEqual([
      expect.objectContaining({
        peer: 'host-api',
        range: '^1.0.0',
        found: '2.3.0',
        at: path.join(t.root, 'node_modules', 'host-api'),
      }),
    ]);
    expect(error.message).toBe(
      `plugin package "unmet" (${path.join(t.root, 'node_modules', 'unmet', 'package.json')}) needs host-api@^1.0.0, ` +
        `but host-api 2.3.0 is installed (${path.join(t.root, 'node_modules', 'host-api')})`,
    );
    expect(ran(t, 'unmet')).toBe(false);
    expect(ran(t, 'met')).toBe(true);
  });

  it('checks nothing when the option is off (the default)', () => {
    expect(load(t, {}).names).toEqual(['met', 'no-peers', 'unmet']);
    expect(load(t, { checkPeers: false }).failures).toEqual([]);
  });

  it('create() refuses the same plugin, without importing it', async () => {
    const u = tree([pkg('host-api', '2.3.0'), plugin('unmet', { 'host-api': '^1.0.0' })]);
    const failures: Failure[] = [];
    const manager = await ExtensionManager.create(GROUP, {
      registry: u.registry,
      checkPeers: true,
      onLoadFailureCallback: (_m, entryPoint, error) => failures.push({ name: entryPoint.name, error }),
    });
    expect(manager.names()).toEqual([]);
    expect(incompatible(failures[0])).toMatchObject({ peer: 'host-api', found: '2.3.0' });
    expect(ran(u, 'unmet')).toBe(false);
  });

  it('without a callback, is one STEVEDORE_INCOMPATIBLE warning however many managers meet it', () => {
    const u = tree([pkg('host-api', '2.3.0'), plugin('unmet-warned', { 'host-api': '~1.2' })]);
    const { warnings } = withWarnings(() => {
      new ExtensionManager(GROUP, { registry: u.registry, checkPeers: true });
      new ExtensionManager(GROUP, { registry: u.registry, checkPeers: true });
    });
    expect(warnings).toEqual([
      {
        code: 'STEVEDORE_INCOMPATIBLE',
        // The package.json is named once: the error's own description of the plugin is left out.
        message:
          `Could not load 'unmet-warned' (${GROUP}: ./index.js) from unmet-warned (${path.join(u.root, 'node_modules', 'unmet-warned')}/package.json): ` +
          `its package needs host-api@~1.2, but host-api 2.3.0 is installed (${path.join(u.root, 'node_modules', 'host-api')})`,
      },
    ]);
  });

  it('a driver that is incompatible is an error of DriverManager, as any load failure is', () => {
    expect(() => new DriverManager(GROUP, 'unmet', { registry: t.registry, checkPeers: true })).toThrow(
      IncompatiblePlugin,
    );
    expect(new DriverManager(GROUP, 'met', { registry: t.registry, checkPeers: true }).driver).toBe('met');
  });

  it('NamedExtensionManager checks only the plugins it was asked for', () => {
    const failures: string[] = [];
    const manager = new NamedExtensionManager(GROUP, ['met'], {
      registry: t.registry,
      checkPeers: true,
      onLoadFailureCallback: (_m, entryPoint) => failures.push(entryPoint.name),
    });
    expect(manager.names()).toEqual(['met']);
    expect(failures).toEqual([]);
  });
});

describe('the Registry option', () => {
  it('turns the check on for every manager of the registry; a manager can turn it off', () => {
    const t = tree(
      [pkg('host-api', '2.3.0'), plugin('met', { 'host-api': '2.x' }), plugin('unmet', { 'host-api': '3.x' })],
      undefined,
      { checkPeers: true },
    );
    expect(t.registry.checkPeers).toBe(true);
    expect(new Registry().checkPeers).toBe(false);
    const failures: string[] = [];
    const manager = new ExtensionManager(GROUP, {
      registry: t.registry,
      onLoadFailureCallback: (_m, entryPoint) => failures.push(entryPoint.name),
    });
    expect(manager.names()).toEqual(['met']);
    expect(failures).toEqual(['unmet']);
    expect(load(t, { checkPeers: false }).names).toEqual(['met', 'unmet']);
  });
});

describe('which peers count as installed', () => {
  it('an optional peer that is absent is fine; one that is present must match', () => {
    const t = tree([
      pkg('host-api', '2.3.0'),
      plugin('optional-absent', { 'host-api': '>=2', 'absent-peer': '^1.0.0' }, { optional: ['absent-peer'] }),
      plugin('optional-present', { 'host-api': '^1.0.0' }, { optional: ['host-api'] }),
    ]);
    const { names, failures } = load(t);
    expect(names).toEqual(['optional-absent']);
    expect(incompatible(failures[0])).toMatchObject({ plugin: 'optional-present', range: '^1.0.0', found: '2.3.0' });
  });

  it('a required peer that is not installed anywhere Node looks is a mismatch with found: null', () => {
    const t = tree([plugin('needs-absent', { 'absent-peer': '^1.0.0' })]);
    const error = incompatible(load(t).failures[0]);
    expect(error).toMatchObject({ peer: 'absent-peer', range: '^1.0.0', found: null });
    expect(error.mismatches[0].at).toBeNull();
    expect(error.message).toContain(
      `needs absent-peer@^1.0.0 (a peer dependency), which is not installed where Node resolves it from ${path.join(t.root, 'node_modules', 'needs-absent')}`,
    );
  });

  it('the root package counts as installed under its own name', () => {
    const t = tree([plugin('for-app-1', { 'the-app': '^1.2.0' }), plugin('for-app-2', { 'the-app': '^2.0.0' })], {
      name: 'app',
      manifest: { name: 'the-app', version: '1.4.0' },
    });
    const { names, failures } = load(t);
    expect(names).toEqual(['for-app-1']);
    expect(incompatible(failures[0])).toMatchObject({ plugin: 'for-app-2', peer: 'the-app', found: '1.4.0' });
    expect(incompatible(failures[0]).mismatches[0].at).toBe(t.root);
  });

  it('the root package also checks its own peers', () => {
    const t = tree([pkg('host-api', '2.3.0')], {
      name: 'app',
      manifest: { peerDependencies: { 'host-api': '^3' } },
      entryPoints: { [GROUP]: { own: './own.js' } },
      files: { 'own.js': 'module.exports = "own";' },
    });
    expect(incompatible(load(t).failures[0])).toMatchObject({ plugin: 'app', found: '2.3.0' });
  });

  it('the nearest copy wins, as in Node: a copy nested in the plugin shadows the top-level one', () => {
    const t = tree([pkg('host-api', '2.3.0'), plugin('nested', { 'host-api': '^2.0.0' })]);
    const nested = path.join(t.root, 'node_modules', 'nested', 'node_modules', 'host-api');
    mkdirSync(nested, { recursive: true });
    writeFileSync(path.join(nested, 'package.json'), JSON.stringify({ name: 'host-api', version: '1.9.0' }));
    expect(incompatible(load(t).failures[0])).toMatchObject({ found: '1.9.0' });
    expect(incompatible(load(t).failures[0]).mismatches[0].at).toBe(nested);
  });

  it('a linked plugin resolves its peers from its real folder, not from the application', () => {
    // npm link: the plugin's own checkout has an older host installed for its development.
    const t = tree([pkg('host-api', '2.3.0'), plugin('linked', { 'host-api': '^2.0.0' }, { linked: true })]);
    const devCopy = path.join(t.dir, 'linked', 'linked', 'node_modules', 'host-api');
    mkdirSync(devCopy, { recursive: true });
    writeFileSync(path.join(devCopy, 'package.json'), JSON.stringify({ name: 'host-api', version: '1.0.0' }));
    const error = incompatible(load(t).failures[0]);
    expect(error).toMatchObject({ found: '1.0.0', file: path.join(t.dir, 'linked', 'linked', 'package.json') });
    expect(error.mismatches[0].at).toBe(devCopy);
    expect(ran(t, 'linked')).toBe(false);
  });

  it('a linked plugin with no copy of its own sees nothing the application installed (Node would not either)', () => {
    const t = tree([pkg('host-api', '2.3.0'), plugin('linked-bare', { 'host-api': '^2.0.0' }, { linked: true })]);
    expect(incompatible(load(t).failures[0])).toMatchObject({ peer: 'host-api', found: null });
  });

  it('a linked peer is read through its link', () => {
    const t = tree([pkg('host-real', '2.3.0'), plugin('via-link', { 'host-api': '^2.0.0' })]);
    symlinkSync(path.join(t.root, 'node_modules', 'host-real'), path.join(t.root, 'node_modules', 'host-api'), 'dir');
    expect(load(t).names).toEqual(['via-link']);
  });

  it('scoped peers resolve like any other', () => {
    const t = tree([pkg('@acme/host', '5.1.0'), plugin('@acme/plugin', { '@acme/host': '^5.0.0 || ^6.0.0' })]);
    expect(load(t).names).toEqual(['plugin']);
  });
});

describe("ranges are npm's (semver, loose)", () => {
  const cases: [range: string, version: string, met: boolean][] = [
    ['^2.0.0', '2.9.1', true],
    ['^2.0.0', '3.0.0', false],
    ['~2.3.0', '2.3.9', true],
    ['~2.3.0', '2.4.0', false],
    ['1.x || >=2.5.0 || 5.0.0 - 7.2.3', '2.4.0', false],
    ['1.x || >=2.5.0 || 5.0.0 - 7.2.3', '6.0.0', true],
    ['2.0.0 - 2.5.0', '2.5.0', true],
    ['2.x', '2.0.1', true],
    ['*', '0.0.1-alpha', true],
    ['', '9.9.9', true],
    ['>=2.0.0', '2.1.0-beta.1', false],
    ['>=2.1.0-beta.0', '2.1.0-beta.1', true],
    ['=2.3.0', '2.3.0', true],
    ['v2', '2.0.0', true],
    ['npm:host-api@^2.0.0', '2.1.0', true],
    ['npm:host-api@^1.0.0', '2.1.0', false],
    ['workspace:^2.0.0', '2.1.0', true],
    ['workspace:^', '7.0.0', true],
    ['latest', '0.1.0', true],
    ['file:../host-api', '0.1.0', true],
    ['github:acme/host-api#semver:^2', '2.2.0', true],
    ['github:acme/host-api#semver:^3', '2.2.0', false],
  ];
  let t: PackageTree;
  beforeAll(() => {
    t = tree([
      pkg('host-api', '0.0.0'),
      ...cases.map(([range], index) => plugin(`case-${index}`, { 'host-api': range })),
    ]);
  });

  it.each(cases.map((c, index) => [...c, index] as const))('%j against %s: met %s', (range, version, met, index) => {
    writeFileSync(
      path.join(t.root, 'node_modules', 'host-api', 'package.json'),
      JSON.stringify({ name: 'host-api', version }),
    );
    t.registry.refresh();
    const entryPoint = t.registry.entryPoints(GROUP).find((ep) => ep.name === `case-${index}`) as EntryPoint;
    const error = checkPeers(entryPoint, t.registry);
    expect(error === null).toBe(met);
    if (error) expect(error).toMatchObject({ range, found: version });
  });
});

describe('bad input is reported with the file and the reason, and never hides other plugins', () => {
  const bad: [what: string, manifest: Record<string, unknown>, reason: string][] = [
    [
      'peerDependencies is an array',
      { peerDependencies: ['host-api'] },
      'has a "peerDependencies" field that is an array',
    ],
    ['peerDependencies is null', { peerDependencies: null }, 'has a "peerDependencies" field that is null'],
    [
      'a range is a number',
      { peerDependencies: { 'host-api': 2 } },
      'declares the peer dependency "host-api" with a number',
    ],
    [
      'peerDependenciesMeta is a string',
      { peerDependencies: { 'host-api': '2' }, peerDependenciesMeta: 'host-api' },
      'has a "peerDependenciesMeta" field that is a string',
    ],
    [
      'a range is not a range',
      { peerDependencies: { 'host-api': '>=two' } },
      'declares the peer dependency host-api@>=two, whose range is not one npm understands',
    ],
    [
      'a name is a path',
      { peerDependencies: { '../../etc': '*' } },
      'declares a peer dependency on "../../etc", which is not a package name',
    ],
  ];

  it.each(bad)('%s', (_what, manifest, reason) => {
    const t = tree([
      pkg('host-api', '2.0.0'),
      plugin('bad', undefined, { manifest }),
      plugin('good', { 'host-api': '2' }),
    ]);
    const { names, failures } = load(t);
    expect(names).toEqual(['good']);
    const error = incompatible(failures[0]);
    expect(error.message).toContain(
      `plugin package "bad" (${path.join(t.root, 'node_modules', 'bad', 'package.json')}) ${reason}`,
    );
  });

  it('an installed peer whose package.json is unreadable, has no version or a bad one', () => {
    const t = tree([
      plugin('a', { 'host-broken': '1' }),
      plugin('b', { 'host-noversion': '1' }),
      plugin('c', { 'host-oddversion': '1' }),
      plugin('d', { 'host-empty': '*' }),
      plugin('e', { 'host-fifo': '*' }),
      plugin('f', { 'host-folder': '2' }),
      plugin('g', { 'host-array': '2' }),
    ]);
    const modules = path.join(t.root, 'node_modules');
    for (const name of ['host-broken', 'host-noversion', 'host-oddversion', 'host-empty', 'host-fifo', 'host-array']) {
      mkdirSync(path.join(modules, name));
    }
    mkdirSync(path.join(modules, 'host-folder', 'package.json'), { recursive: true });
    writeFileSync(path.join(modules, 'host-array', 'package.json'), '[2]');
    // A FIFO in place of package.json must not hang the check.
    execFileSync('mkfifo', [path.join(modules, 'host-fifo', 'package.json')]);
    writeFileSync(path.join(modules, 'host-broken', 'package.json'), '{ "name": "host-broken", ');
    writeFileSync(path.join(modules, 'host-noversion', 'package.json'), '{ "name": "host-noversion" }');
    writeFileSync(path.join(modules, 'host-oddversion', 'package.json'), '{ "version": "one" }');
    const { result, warnings } = withWarnings(() => load(t));
    // The scan itself reports the FIFO (it may declare entry points); the check only needs it to be there.
    expect(warnings.map((warning) => warning.code)).toEqual([
      'STEVEDORE_UNREADABLE_PACKAGE',
      'STEVEDORE_UNREADABLE_PACKAGE',
    ]);
    const messages = result.failures.map((failure) => incompatible(failure).message);
    expect(messages[0]).toContain(
      `needs host-broken@1, but the package.json of the installed host-broken (${path.join(modules, 'host-broken', 'package.json')}) is not valid JSON`,
    );
    expect(messages[1]).toContain(
      `needs host-noversion@1, but the package.json of the installed host-noversion (${path.join(modules, 'host-noversion', 'package.json')}) has no "version"`,
    );
    expect(messages[2]).toContain('has the version "one", which is not a semver version');
    // `*` asks only for presence: a folder without a package.json is not a package.
    expect(messages[3]).toContain('needs host-empty@* (a peer dependency), which is not installed');
    // ... and a package.json that is not a file is present but unreadable: `*` does not need its version.
    expect(messages[4]).toContain(
      `needs host-folder@2, but the package.json of the installed host-folder (${path.join(modules, 'host-folder', 'package.json')}) is not a regular file`,
    );
    expect(messages[5]).toMatch(
      /needs host-array@2, but the package\.json of the installed host-array \(.*\) does not hold a JSON object$/,
    );
    expect(messages).toHaveLength(6);
  });

  it('several mismatches are all listed; the error names the first', () => {
    const t = tree([
      pkg('host-api', '2.0.0'),
      pkg('other', '1.0.0'),
      plugin('many', { 'host-api': '^3', fine: '*', other: '>=1.5' }),
      pkg('fine', '0.0.1'),
    ]);
    const error = incompatible(load(t).failures[0]);
    expect(error).toMatchObject({ peer: 'host-api', range: '^3', found: '2.0.0' });
    expect(error.mismatches.map((mismatch) => mismatch.peer)).toEqual(['host-api', 'other']);
    expect(error.message).toContain('; it also needs other@>=1.5, but other 1.0.0 is installed');
  });
});

describe('each package is checked once per scan', () => {
  it('keeps what it read until registry.refresh()', () => {
    const t = tree([pkg('host-api', '2.3.0'), plugin('changing', { 'host-api': '^2.0.0' })]);
    expect(load(t).names).toEqual(['changing']);
    // A hand edit of the installed host: not seen until the registry is refreshed, as the scan itself.
    const host = path.join(t.root, 'node_modules', 'host-api', 'package.json');
    writeFileSync(host, JSON.stringify({ name: 'host-api', version: '3.0.0' }));
    expect(load(t).names).toEqual(['changing']);
    t.registry.refresh();
    expect(load(t).failures.map((failure) => incompatible(failure).found)).toEqual(['3.0.0']);
  });

  it("uses the peers a scan records in a package's record instead of reading its package.json", () => {
    const t = tree([pkg('host-api', '2.3.0'), plugin('recorded', { 'host-api': '^2.0.0' })]);
    class RecordingRegistry extends Registry {
      private recorded: ScanResult | null = null;
      override scan(): ScanResult {
        const result = super.scan();
        if (this.recorded?.packages !== result.packages) {
          for (const record of result.packages) Object.assign(record, { peers: [['host-api', '^9.0.0', false]] });
          this.recorded = result;
        }
        return result;
      }
    }
    const registry = new RecordingRegistry({ root: t.root, cache: false });
    expect(incompatible(load(t, { checkPeers: true, registry }).failures[0])).toMatchObject({ range: '^9.0.0' });
  });
});

describe('peerRequirements', () => {
  it('lists name, range and optional in declaration order', () => {
    expect(
      peerRequirements({
        peerDependencies: { b: '^1', a: '2.x' },
        peerDependenciesMeta: { a: { optional: true }, b: { optional: 'yes' } },
      }),
    ).toEqual([
      ['b', '^1', false],
      ['a', '2.x', true],
    ]);
    expect(peerRequirements(JSON.parse('{"peerDependencies": {"__proto__": "1"}}'))).toEqual([
      ['__proto__', '1', false],
    ]);
    expect(peerRequirements({ name: 'x' })).toEqual([]);
  });
});

it('entry points without a package folder are never checked', () => {
  const t = tree([]);
  t.registry.register(GROUP, 'in-process', () => 'x');
  expect(load(t).names).toEqual(['in-process']);
  expect(checkPeers(t.registry.entryPoints(GROUP)[0], t.registry)).toBeNull();
  // A bundled plugin's package declared unmet peers on disk, but a bundle has no folder to check them in.
  registerBundled(t.registry, [
    {
      group: GROUP,
      name: 'bundled',
      value: 'unmet-bundled:plugin',
      dist: { name: 'unmet-bundled', version: '1.0.0' },
      module: { plugin: () => 'y' },
    },
  ]);
  expect(load(t).names).toEqual(['in-process', 'bundled']);
  expect(checkPeers(t.registry.entryPoints(GROUP)[1], t.registry)).toBeNull();
});

describe('stevedore doctor', () => {
  beforeAll(() => {
    process.env.STEVEDORE_CACHE = '0';
  });
  afterAll(() => {
    delete process.env.STEVEDORE_CACHE;
  });

  function memoryIo(cwd: string): CliIo & { out: () => string } {
    let out = '';
    return {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: () => undefined },
      cwd,
      isTTY: false,
      color: false,
      out: () => out,
    };
  }

  it('lists incompatible plugins, whatever the options, and exits 1', async () => {
    const t = tree([
      pkg('host-api', '2.3.0'),
      plugin('met', { 'host-api': '^2' }),
      plugin('unmet', { 'host-api': '^1' }),
    ]);
    const json = memoryIo(t.root);
    expect(await main(['doctor', '--json', '--timeout', '5000'], json)).toBe(1);
    const report = JSON.parse(json.out());
    expect(report.ok).toBe(false);
    expect(report.incompatible).toEqual([
      {
        group: GROUP,
        name: 'unmet',
        value: './index.js',
        package: { name: 'unmet', version: '1.0.0', root: path.join(t.root, 'node_modules', 'unmet') },
        code: 'STEVEDORE_INCOMPATIBLE',
        message: expect.stringContaining('needs host-api@^1, but host-api 2.3.0 is installed'),
        peer: 'host-api',
        range: '^1',
        found: '2.3.0',
        mismatches: [expect.objectContaining({ peer: 'host-api', at: path.join(t.root, 'node_modules', 'host-api') })],
      },
    ]);
    const text = memoryIo(t.root);
    expect(await main(['doctor', GROUP, '--timeout', '5000'], text)).toBe(1);
    expect(text.out()).toContain(
      `Plugins built for other versions of their peers (1):\n  ✗ ${GROUP}: unmet = ./index.js (unmet@1.0.0)\n`,
    );
    expect(text.out()).toContain('0 skipped declarations, 0 entry points failing to load, 1 incompatible plugin.');
  });

  it('a tree whose peers are met has no section and no problem', async () => {
    const t = tree([pkg('host-api', '2.3.0'), plugin('met', { 'host-api': '^2' })]);
    const text = memoryIo(t.root);
    expect(await main(['doctor', '--timeout', '5000'], text)).toBe(0);
    expect(text.out()).not.toContain('Plugins built for other versions');
    expect(text.out()).toContain('No problems found.');
  });
});

it('incompatiblePlugins() pairs each refused entry point with its error', () => {
  const t = tree([pkg('host-api', '1.0.0'), plugin('a', { 'host-api': '2' }), plugin('b', { 'host-api': '1' })]);
  const found = incompatiblePlugins(t.registry.entryPoints(GROUP), t.registry);
  expect(found.map(({ entryPoint, error }) => [entryPoint.name, error.found])).toEqual([['a', '1.0.0']]);
});
