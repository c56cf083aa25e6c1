/**
 * The peer dependency check on trees that npm, pnpm and Yarn (Plug'n'Play)
 * install for real, offline, from local folders: one shared install per
 * package manager, with plugins whose peers are met, unmet, optional,
 * missing, the application itself, and a linked plugin (symlinked, as `npm
 * link` makes it). Each tree is loaded by the built library in a real Node
 * process with `checkPeers: true`, and checked by `stevedore doctor`.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DIST, ensureBuilt } from './support/dist';
import { npm, packFolder, pnpm, yarn } from './support/installs';
import { run, runOk } from './support/processes';
import { tempDir, writeFiles } from './support/temp';

const GROUP = 'peers.plugins';

/** A plugin package: its module records that it ran, and its plugin returns what `body` computes. */
function plugin(name: string, manifest: object, body = 'require("host-api").version'): Record<string, string | object> {
  return {
    [`src/${name}/package.json`]: {
      name,
      version: '1.0.0',
      ...manifest,
      entryPoints: { [GROUP]: { [name.replace(/^plugin-/, '')]: './index.js' } },
    },
    [`src/${name}/index.js`]: `globalThis.__ran = [...(globalThis.__ran || []), ${JSON.stringify(name)}];\nmodule.exports = () => ${body};\n`,
  };
}

/** The packages every tree installs, from `<dir>/src`. */
const SOURCES: Record<string, string | object> = {
  'src/host-api/package.json': { name: 'host-api', version: '2.3.0' },
  'src/host-api/index.js': 'exports.version = require("./package.json").version;',
  ...plugin('plugin-met', { peerDependencies: { 'host-api': '^2.0.0' } }),
  ...plugin('plugin-unmet', { peerDependencies: { 'host-api': '^1.0.0' } }),
  ...plugin('plugin-optional', {
    peerDependencies: { 'host-api': '>=2', 'absent-peer': '^1.0.0' },
    peerDependenciesMeta: { 'absent-peer': { optional: true } },
  }),
  ...plugin('plugin-missing', { peerDependencies: { 'absent-peer': '^1.0.0' } }),
  // Its host is the application itself: the root package counts as installed under its own name.
  ...plugin('plugin-root', { peerDependencies: { 'peer-app': '^1.2.0' } }, '"root"'),
  // Linked from its own checkout, which has an older host installed for the plugin's development.
  ...plugin('plugin-linked', {
    peerDependencies: { 'host-api': '^2.0.0' },
    devDependencies: { 'host-api': '^1.0.0' },
  }),
  'src/plugin-linked/node_modules/host-api/package.json': { name: 'host-api', version: '1.0.0' },
  'src/plugin-linked/node_modules/host-api/index.js': 'exports.version = "1.0.0";',
};

const APP = { name: 'peer-app', version: '1.4.0', private: true };
/** The packages installed as copies; plugin-linked is installed through a link. */
const COPIES = ['host-api', 'plugin-met', 'plugin-unmet', 'plugin-optional', 'plugin-missing', 'plugin-root'];

/** The application's dependencies: the copies from their folders, plugin-linked with `linkProtocol`. */
function dependencies(linkProtocol: string): Record<string, string> {
  const found: Record<string, string> = Object.fromEntries(COPIES.map((name) => [name, `file:../src/${name}`]));
  found['plugin-linked'] = `${linkProtocol}../src/plugin-linked`;
  return found;
}

interface Report {
  loaded: [name: string, obj: unknown][];
  failures: { name: string; code: string; peer: string; range: string; found: string | null; at: string | null }[];
  ran: string[];
  warnings: string[];
}

// A CommonJS script, so that it runs the same under `node -r .pnp.cjs`.
const PROBE = `'use strict';
const stevedore = require(process.env.STEVEDORE_DIST);
const warnings = [];
process.on('warning', (w) => warnings.push(w.code));
const registry = new stevedore.Registry({ root: process.argv[2], cache: false, checkPeers: true });
const failures = [];
const manager = new stevedore.ExtensionManager(${JSON.stringify(GROUP)}, {
  registry,
  invokeOnLoad: true,
  onLoadFailureCallback: (_m, ep, err) =>
    failures.push({ name: ep.name, code: err.code, peer: err.peer, range: err.range, found: err.found,
      at: err.mismatches ? err.mismatches[0].at : null, message: err.message }),
});
setImmediate(() => process.stdout.write('@@probe ' + JSON.stringify({
  loaded: manager.extensions.map((e) => [e.name, e.obj]), failures, ran: globalThis.__ran || [], warnings,
}) + '\\n'));
`;

function probe(dir: string, app: string, nodeArgs: string[] = []): Report {
  ensureBuilt();
  const script = path.join(dir, 'probe.cjs');
  writeFileSync(script, PROBE);
  const result = runOk(process.execPath, [...nodeArgs, script, app], {
    cwd: app,
    env: { STEVEDORE_DIST: path.join(DIST, 'index.js'), STEVEDORE_CACHE: '0', NODE_PATH: undefined },
  });
  const line = result.stdout.split('\n').find((text) => text.startsWith('@@probe '));
  if (!line) throw new Error(`no report:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(line.slice('@@probe '.length)) as Report;
}

/** What every layout must show: the met, optional and root plugins load; the unmet and missing ones never run. */
function expectCommon(report: Report): void {
  expect(Object.fromEntries(report.loaded)).toMatchObject({ met: '2.3.0', optional: '2.3.0', root: 'root' });
  const byName = Object.fromEntries(report.failures.map((failure) => [failure.name, failure]));
  expect(byName.unmet).toMatchObject({
    code: 'STEVEDORE_INCOMPATIBLE',
    peer: 'host-api',
    range: '^1.0.0',
    found: '2.3.0',
  });
  expect(byName.missing).toMatchObject({ code: 'STEVEDORE_INCOMPATIBLE', peer: 'absent-peer', found: null });
  expect(report.ran).not.toContain('plugin-unmet');
  expect(report.ran).not.toContain('plugin-missing');
  // Failures went to the callback: no warning at all.
  expect(report.warnings).toEqual([]);
}

describe('npm (--legacy-peer-deps, which skips its own peer check)', () => {
  let dir: string;
  let app: string;
  const npmEnv = (): NodeJS.ProcessEnv => ({ npm_config_cache: path.join(dir, 'npm-cache'), NODE_PATH: undefined });

  beforeAll(() => {
    dir = tempDir('peers-npm').dir;
    app = path.join(dir, 'app');
    writeFiles(dir, SOURCES);
    // Tarballs, so that npm installs copies; it installs a file: folder as a link, as npm link would.
    const tarballs = Object.fromEntries(
      COPIES.map((name) => [name, `file:../${path.basename(packFolder(path.join(dir, 'src', name), dir))}`]),
    );
    writeFiles(dir, { 'app/package.json': { ...APP, dependencies: { ...dependencies('file:'), ...tarballs } } });
    npm(app, ['install', '--offline', '--legacy-peer-deps', '--no-audit', '--no-fund', '--loglevel=error'], npmEnv());
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses the unmet, the missing and the linked plugin whose own checkout has an older host', () => {
    const report = probe(dir, app);
    expectCommon(report);
    expect(report.loaded.map(([name]) => name)).toEqual(['met', 'optional', 'root']);
    // Node resolves the linked plugin's peers from its real folder: its own node_modules, not the app's.
    expect(report.failures.find((failure) => failure.name === 'linked')).toMatchObject({
      found: '1.0.0',
      at: path.join(dir, 'src', 'plugin-linked', 'node_modules', 'host-api'),
    });
    expect(report.ran).not.toContain('plugin-linked');
  });

  it('stevedore doctor lists the incompatible plugins and exits 1', () => {
    const cli = path.join(DIST, 'cli', 'main.js');
    const doctor = (...args: string[]) =>
      run(process.execPath, [cli, 'doctor', '--root', app, '--timeout', '5000', ...args], {
        cwd: app,
        env: { STEVEDORE_CACHE: '0', NODE_PATH: undefined },
      });
    const json = doctor('--json');
    const data = JSON.parse(json.stdout);
    expect(json.status).toBe(1);
    expect(data.ok).toBe(false);
    expect(data.loadFailures).toEqual([]);
    expect(
      data.incompatible.map((entry: { name: string; peer: string; found: string | null }) => [
        entry.name,
        entry.peer,
        entry.found,
      ]),
    ).toEqual([
      ['linked', 'host-api', '1.0.0'],
      ['missing', 'absent-peer', null],
      ['unmet', 'host-api', '2.3.0'],
    ]);
    expect(data.incompatible[2]).toMatchObject({
      group: GROUP,
      value: './index.js',
      code: 'STEVEDORE_INCOMPATIBLE',
      package: { name: 'plugin-unmet', version: '1.0.0' },
      range: '^1.0.0',
    });
    const text = doctor(GROUP);
    expect(text.stdout).toContain('Plugins built for other versions of their peers (3):');
    expect(text.stdout).toContain(`${GROUP}: unmet = ./index.js (plugin-unmet@1.0.0)`);
    expect(text.stdout).toContain(
      `needs host-api@^1.0.0, but host-api 2.3.0 is installed (${path.join(app, 'node_modules', 'host-api')})`,
    );
    expect(text.stdout).toContain('0 skipped declarations, 0 entry points failing to load, 3 incompatible plugins.');
  }, 60_000);
});

describe('pnpm (peers linked into its virtual store; a link: dependency installed as is)', () => {
  let dir: string;
  let app: string;

  beforeAll(() => {
    dir = tempDir('peers-pnpm').dir;
    app = path.join(dir, 'app');
    writeFiles(dir, SOURCES);
    writeFiles(dir, { 'app/package.json': { ...APP, dependencies: dependencies('link:') } });
    // pnpm would fetch the missing peer from the registry; it only warns about the unmet one. Local folders only.
    pnpm(app, ['install', '--config.auto-install-peers=false', '--offline']);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds each peer where pnpm linked it for that plugin, and refuses the same plugins as under npm', () => {
    const report = probe(dir, app);
    expectCommon(report);
    expect(report.loaded.map(([name]) => name)).toEqual(['met', 'optional', 'root']);
    const unmet = report.failures.find((failure) => failure.name === 'unmet');
    expect(unmet?.at).toContain(`${path.sep}.pnpm${path.sep}`);
    expect(report.failures.find((failure) => failure.name === 'linked')).toMatchObject({
      found: '1.0.0',
      at: path.join(dir, 'src', 'plugin-linked', 'node_modules', 'host-api'),
    });
  });
});

describe("Yarn Plug'n'Play (peers provided by the parent; a portal: dependency resolved by Yarn)", () => {
  let dir: string;
  let app: string;
  beforeAll(() => {
    dir = tempDir('peers-yarn').dir;
    app = path.join(dir, 'app');
    writeFiles(dir, SOURCES);
    writeFiles(dir, {
      'app/package.json': { ...APP, dependencies: dependencies('portal:') },
      'app/yarn.lock': '',
      'app/.yarnrc.yml': 'nodeLinker: pnp\nenableGlobalCache: false\nenableTelemetry: false\n',
    });
    yarn(app, ['install']);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('asks the PnP API for each peer: the portal gets the host the application provides, and loads', () => {
    const report = probe(dir, app, ['-r', path.join(app, '.pnp.cjs')]);
    expectCommon(report);
    expect(Object.fromEntries(report.loaded)).toEqual({
      met: '2.3.0',
      optional: '2.3.0',
      root: 'root',
      linked: '2.3.0',
    });
    // Found inside Yarn's zip archive, read through the PnP runtime.
    expect(report.failures.find((failure) => failure.name === 'unmet')?.at).toMatch(
      /\.zip[\\/]node_modules[\\/]host-api/,
    );
  });
});
