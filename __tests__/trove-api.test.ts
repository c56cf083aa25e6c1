/**
 * examples/trove-api: the Trove-style API service whose extensions come from
 * the `trove.api.extensions` namespace. Every test starts the real server on
 * an ephemeral loopback port and calls it over HTTP; extension packages are
 * real package trees on disk; one test runs the service as `npm start` does.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Registry } from '../lib';
import type { FixturePackage, PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { ConfigError, loadConfig, parseIni } from '../examples/trove-api/src/config';
import { ExtensionDescriptor } from '../examples/trove-api/src/framework/descriptor';
import type { ServiceWarning } from '../examples/trove-api/src/framework/manager';
import { DuplicateExtensionError } from '../examples/trove-api/src/framework/manager';
import type { ServerOptions, TroveApiServer } from '../examples/trove-api/src/server';
import { createServer } from '../examples/trove-api/src/server';
import type { TempDir } from './support/temp';
import { tempDir as newTempDir } from './support/temp';

const EXAMPLE = path.resolve(__dirname, '../examples/trove-api');
const FRAMEWORK_DIST = path.join(EXAMPLE, 'dist/framework');
const ORDERS = '4a5c2a27-8c0e-4e4b-9f0b-6d7c1e3f2a10';
const REPORTS = '9e0d1c2b-3a4f-4b5c-8d6e-7f8091a2b3c4';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One HTTP request to the service; the body is sent as JSON (a string is sent as is). */
function call(base: string, method: string, route: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      `${base}${route}`,
      { method, agent: false, headers: payload ? { 'Content-Type': 'application/json' } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface Running {
  service: TroveApiServer;
  url: string;
  warnings: ServiceWarning[];
  get(route: string): Promise<Reply>;
  send(method: string, route: string, body?: unknown): Promise<Reply>;
}

const running: TroveApiServer[] = [];

/** Starts the service in-process on 127.0.0.1, port 0, collecting its warnings. */
async function start(options: ServerOptions = {}): Promise<Running> {
  const warnings: ServiceWarning[] = [];
  const service = createServer({
    registry: new Registry({ root: EXAMPLE, cache: false }),
    warn: (warning) => warnings.push(warning),
    ...options,
    config: { bindHost: '127.0.0.1', bindPort: 0, ...options.config },
  });
  running.push(service);
  const url = await service.listen();
  return {
    service,
    url,
    warnings,
    // Routes in the tests are absolute: `/v1.0/...`, or without the version prefix.
    get: (route) => call(new URL(url).origin, 'GET', route),
    send: (method, route, body) => call(new URL(url).origin, method, route, body),
  };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.close()));
});

/** A CommonJS module defining an extension class `Ext` that carries the protocol's brand. */
function extensionModule(alias: string, members = ''): string {
  return `'use strict';
class Ext {
  getName() { return '${alias} extension'; }
  getAlias() { return '${alias}'; }
  getDescription() { return 'The ${alias} test extension'; }
  getNamespace() { return 'https://example.org/${alias}'; }
  getUpdated() { return '2024-01-01T00:00:00Z'; }
  ${members}
}
Object.defineProperty(Ext.prototype, Symbol.for('trove-api.ExtensionDescriptor'), { value: true });
module.exports = { Ext };
`;
}

/** A package declaring `alias` in trove.api.extensions, its module given. */
function extensionPackage(name: string, source: string, entryPoint = 'ext'): FixturePackage {
  return {
    name,
    entryPoints: { 'trove.api.extensions': { [entryPoint]: './index.js:Ext' } },
    files: { 'index.js': source },
  };
}

const trees: PackageTree[] = [];
const tempDirs: TempDir[] = [];

function tempDir(): string {
  const made = newTempDir('trove-api');
  tempDirs.push(made);
  return made.dir;
}

function tree(packages: FixturePackage[], registryOptions = {}): PackageTree {
  const made = createPackageTree({ app: { name: 'trove-deployment' }, packages, registryOptions });
  trees.push(made);
  return made;
}

afterAll(() => {
  trees.forEach((made) => made.cleanup());
  tempDirs.forEach((made) => made.cleanup());
});

beforeAll(() => {
  // The built-in extensions are declared as ./dist/... in the example's
  // package.json, and the sample extension is its file: dependency: install
  // and compile the example as `npm start` does (its types come from the
  // library's dist/, which `npm test` builds first).
  const options = { cwd: EXAMPLE, stdio: 'pipe', shell: process.platform === 'win32' } as const;
  if (!existsSync(path.join(EXAMPLE, '../../dist/index.d.ts'))) {
    execFileSync(npm, ['run', 'build'], { ...options, cwd: path.join(EXAMPLE, '../..') });
  }
  execFileSync(npm, ['run', 'deps'], options);
  execFileSync(npm, ['run', 'build'], options);
}, 180_000);

describe('the service with its built-in and installed extensions', () => {
  test('lists every extension, Trove-shaped, and knows which package each came from', async () => {
    const api = await start();
    const reply = await api.get('/v1.0/extensions');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.body.extensions.map((extension: { alias: string }) => extension.alias)).toEqual([
      'Mgmt',
      'MYSQL',
      'TAGS',
    ]);
    expect(reply.body.extensions[1]).toEqual({
      name: 'Mysql',
      alias: 'MYSQL',
      description: 'Non essential MySQL services such as users and schemas',
      namespace: 'http://TBD',
      updated: '2011-01-22T13:25:27-06:00',
      links: [],
    });
    const sources = api.service.loaded.map(({ alias, source }) => [
      alias,
      source.kind === 'entry-point' && source.package,
    ]);
    expect(sources).toEqual([
      ['Mgmt', 'trove-api'],
      ['MYSQL', 'trove-api'],
      ['TAGS', 'trove-ext-sample'],
    ]);
    expect(api.warnings).toEqual([]);
  });

  test('shows one extension by alias, with or without the version prefix; an unknown alias is a 404 fault', async () => {
    const api = await start();
    expect((await api.get('/extensions/TAGS')).body.extension.name).toBe('Instance Tags');
    expect((await api.get('/v1.0/extensions/Mgmt')).body.extension.description).toBe(
      'MGMT services such as details diagnostics',
    );
    const missing = await api.get('/v1.0/extensions/NOPE');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ itemNotFound: { code: 404, message: 'Extension with alias NOPE does not exist' } });
    expect((await api.send('DELETE', '/v1.0/extensions/MYSQL')).status).toBe(404);
  });

  test('mgmt lists and shows every instance and runs management actions', async () => {
    const api = await start();
    const list = await api.get('/v1.0/admin/mgmt/instances');
    expect(list.status).toBe(200);
    expect(list.body.instances.map((instance: { name: string }) => instance.name)).toEqual(['reports-db', 'orders-db']);
    expect(list.body.instances[1]).toMatchObject({ id: ORDERS, tenant_id: 'demo', server: { host: 'compute-1' } });

    const shown = await api.get(`/v1.0/admin/mgmt/instances/${ORDERS}`);
    expect(shown.body.instance).toMatchObject({
      id: ORDERS,
      volume: { size: 5 },
      guest_status: { state_description: 'healthy' },
    });
    expect((await api.get(`/v1.0/admin/mgmt/instances/${ORDERS}/root`)).body).toEqual({
      root_history: { id: ORDERS, enabled: 'Never', user: 'Nobody' },
    });
    expect((await api.get(`/v1.0/admin/mgmt/instances/${ORDERS}/diagnostics`)).body.diagnostics.version).toBe('8.0.36');

    const reboot = await api.send('POST', `/v1.0/admin/mgmt/instances/${ORDERS}/action`, { reboot: {} });
    expect(reboot.status).toBe(202);
    expect(reboot.body).toBeUndefined();
    expect((await api.get(`/v1.0/admin/mgmt/instances/${ORDERS}`)).body.instance.status).toBe('REBOOT');

    const bad = await api.send('POST', `/v1.0/admin/mgmt/instances/${ORDERS}/action`, { explode: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.badRequest.message).toMatch(/reset-task-status/);
    expect((await api.get('/v1.0/admin/mgmt/instances/no-such-id')).body).toEqual({
      itemNotFound: { code: 404, message: 'Instance no-such-id could not be found.' },
    });
  });

  test('mysql lists, creates and deletes the databases and users of an instance', async () => {
    const api = await start();
    const databases = `/v1.0/demo/instances/${ORDERS}/databases`;
    expect((await api.get(databases)).body).toEqual({ databases: [{ name: 'audit' }, { name: 'orders' }] });
    expect((await api.send('POST', databases, { databases: [{ name: 'shop', character_set: 'utf8' }] })).status).toBe(
      202,
    );
    expect((await api.get(databases)).body.databases).toContainEqual({ name: 'shop' });
    const again = await api.send('POST', databases, { databases: [{ name: 'shop' }] });
    expect(again.status).toBe(400);
    expect(again.body.badRequest.message).toBe('A database with the name "shop" already exists.');
    expect((await api.send('POST', databases, { wrong: [] })).status).toBe(400);
    expect((await api.send('DELETE', `${databases}/shop`)).status).toBe(202);
    expect((await api.get(databases)).body.databases).not.toContainEqual({ name: 'shop' });
    expect((await api.send('DELETE', `${databases}/shop`)).status).toBe(404);

    const users = `/v1.0/demo/instances/${ORDERS}/users`;
    expect((await api.get(users)).body).toEqual({
      users: [{ name: 'app', host: '%', databases: [{ name: 'audit' }, { name: 'orders' }] }],
    });
    const created = await api.send('POST', users, {
      users: [{ name: 'bob', password: 'pw', databases: [{ name: 'orders' }] }],
    });
    expect(created.status).toBe(202);
    expect((await api.get(`${users}/bob`)).body).toEqual({
      user: { name: 'bob', host: '%', databases: [{ name: 'orders' }] },
    });
    expect((await api.send('PUT', `${users}/bob/databases`, { databases: [{ name: 'audit' }] })).status).toBe(202);
    expect((await api.get(`${users}/bob@%25/databases`)).body).toEqual({
      databases: [{ name: 'audit' }, { name: 'orders' }],
    });
    expect((await api.send('PUT', users, { users: [{ name: 'bob', password: 'new' }] })).status).toBe(202);
    expect((await api.send('DELETE', `${users}/bob`)).status).toBe(202);
    expect((await api.get(`${users}/bob`)).status).toBe(404);

    const root = `/v1.0/demo/instances/${REPORTS}/root`;
    expect((await api.get(root)).body).toEqual({ rootEnabled: false });
    const enabled = await api.send('POST', root);
    expect(enabled.body.user).toEqual({ name: 'root', password: expect.any(String) });
    expect((await api.get(root)).body).toEqual({ rootEnabled: true });
    // Another tenant cannot see the instance.
    expect((await api.get(`/v1.0/other/instances/${ORDERS}/databases`)).status).toBe(404);
  });

  test("the installed package's action runs on POST /{collection}/{id}/action, and the core's actions still do", async () => {
    const api = await start();
    const action = `/v1.0/demo/instances/${ORDERS}/action`;
    const tagged = await api.send('POST', action, { addTags: { tags: ['prod', 'eu'] } });
    expect(tagged.status).toBe(202);
    expect((await api.get(`/v1.0/demo/instances/${ORDERS}/tags`)).body).toEqual({ tags: ['eu', 'prod'] });
    expect((await api.send('POST', action, { removeTags: { tags: ['eu'] } })).status).toBe(202);
    expect((await api.get(`/v1.0/demo/instances/${ORDERS}/tags`)).body).toEqual({ tags: ['prod'] });
    const invalid = await api.send('POST', action, { addTags: { tags: 'prod' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.badRequest.message).toMatch(/Invalid tags/);

    // A body the extension's actions do not name falls through to the core.
    expect((await api.send('POST', action, { restart: {} })).status).toBe(202);
    expect((await api.get(`/v1.0/demo/instances/${ORDERS}`)).body.instance.status).toBe('REBOOT');
    expect((await api.send('POST', action, { fly: {} })).body).toEqual({
      badRequest: { code: 400, message: 'Invalid instance action: fly.' },
    });
  });

  test("the installed package's request extension adds to the core's response", async () => {
    const api = await start();
    await api.send('POST', `/v1.0/demo/instances/${REPORTS}/action`, { addTags: { tags: ['nightly'] } });
    const shown = await api.get(`/v1.0/demo/instances/${REPORTS}`);
    expect(shown.status).toBe(200);
    expect(shown.body.instance).toMatchObject({ id: REPORTS, name: 'reports-db', tags: ['nightly'] });
    // Only the route it names: the list is untouched.
    const listed = await api.get('/v1.0/demo/instances');
    expect(listed.body.instances.every((instance: object) => !('tags' in instance))).toBe(true);
    // A 404 passes through it unchanged.
    expect((await api.get('/v1.0/demo/instances/nope')).status).toBe(404);
  });

  test('answers unknown routes, wrong methods and malformed bodies with JSON faults', async () => {
    const api = await start();
    expect((await api.get('/')).body.versions[0]).toMatchObject({ id: 'v1.0', status: 'CURRENT' });
    expect((await api.get('/v1.0/nothing/here/at/all')).body).toEqual({
      itemNotFound: { code: 404, message: 'The resource could not be found.' },
    });
    const wrongMethod = await api.send('DELETE', '/v1.0/demo/instances');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
    const malformed = await api.send('POST', `/v1.0/demo/instances/${ORDERS}/databases`, '{"databases": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.badRequest.message).toMatch(/^Malformed request body/);
    expect((await api.get('/v1.0/demo/instances/%E0%A4%A')).status).toBe(400);
  });
});

describe('bad extensions', () => {
  test('are skipped with a warning naming them; the service starts with the others', async () => {
    const fixture = tree([
      extensionPackage(
        'ext-good',
        extensionModule(
          'GOOD',
          'getResources() { return [{ collection: "good", controller: { index: () => ({ good: true }) } }]; }',
        ),
      ),
      extensionPackage('ext-unbranded', extensionModule('UNBRANDED').replace(/Object\.defineProperty.*\n/, '')),
      extensionPackage('ext-incomplete', extensionModule('INCOMPLETE').replace(/getUpdated\(\) \{[^}]*\}/, '')),
      extensionPackage('ext-throws-on-load', "throw new Error('no database driver');\n"),
      extensionPackage(
        'ext-throws-in-constructor',
        extensionModule('CTOR', "constructor() { throw new Error('bad settings'); }"),
      ),
      extensionPackage(
        'ext-bad-resources',
        extensionModule('BADRES', "getResources() { throw new Error('cannot build routes'); }"),
      ),
      extensionPackage(
        'ext-bad-route',
        extensionModule('BADROUTE', 'getResources() { return [{ collection: "x", controller: {} }]; }'),
      ),
      extensionPackage(
        'ext-broken-handler',
        extensionModule(
          'BROKEN',
          `getResources() { return [{ collection: "broken", controller: { index() { throw new TypeError("oops"); }, show: async () => { throw new Error("later"); } } }]; }
  getRequestExtensions() { return [{ method: 'GET', urlRoute: '/good', handler() { throw new Error('hook failed'); } }]; }`,
        ),
      ),
    ]);
    const api = await start({ registry: fixture.registry });
    expect(api.service.loaded.map(({ alias }) => alias)).toEqual(['BROKEN', 'GOOD']);
    const skipped = Object.fromEntries(api.service.skipped.map(({ label, reason }) => [label.split('@')[0], reason]));
    expect(skipped).toEqual({
      'ext-unbranded': expect.stringContaining(
        "Ext is not an ExtensionDescriptor (extend ExtensionDescriptor from trove-api/extensions, or set Symbol.for('trove-api.ExtensionDescriptor')",
      ),
      'ext-incomplete': 'missing method getUpdated',
      'ext-throws-on-load': 'failed to load: no database driver',
      'ext-throws-in-constructor': 'failed to load: bad settings',
      'ext-bad-resources': 'failed to register its resources: cannot build routes',
      'ext-bad-route':
        'failed to register its resources: resource x: the controller has none of index, create, show, update, edit, delete',
    });
    expect(api.warnings).toHaveLength(6);
    for (const warning of api.warnings) {
      expect(warning.code).toBe('TROVE_EXTENSION_SKIPPED');
      expect(warning.message).toMatch(
        /^Skipping API extension ext-[a-z-]+@1\.0\.0 \(entry point ext = \.\/index\.js:Ext\): /,
      );
    }

    expect((await api.get('/v1.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias)).toEqual([
      'BROKEN',
      'GOOD',
    ]);
    expect((await api.get('/extensions/BADRES')).status).toBe(404);
    // A handler that throws is a 500 fault naming its extension; the server keeps serving.
    expect((await api.get('/broken')).body).toEqual({
      instanceFault: { code: 500, message: 'the BROKEN extension failed: oops' },
    });
    expect((await api.get('/broken/1')).body.instanceFault.message).toBe('the BROKEN extension failed: later');
    expect((await api.get('/good')).body).toEqual({
      instanceFault: { code: 500, message: 'the BROKEN extension failed: hook failed' },
    });
    expect((await api.get('/v1.0/demo/instances')).status).toBe(200);
  });

  test('an extension built on its own copy of the framework passes the check (instanceof would not)', async () => {
    const fixture = tree([
      {
        name: 'ext-own-copy',
        entryPoints: { 'trove.api.extensions': { copy: './index.js:Copied' } },
        files: {
          'node_modules/trove-api/package.json': '{ "name": "trove-api", "version": "0.0.9" }',
          'index.js': `'use strict';
const { ExtensionDescriptor } = require('trove-api/dist/framework/descriptor.js');
const { ResourceExtension, Result } = require('trove-api/dist/framework/resources.js');
class Copied extends ExtensionDescriptor {
  getName() { return 'Copied'; } getAlias() { return 'COPY'; } getDescription() { return 'built on a second copy'; }
  getNamespace() { return 'https://example.org/copy'; } getUpdated() { return '2024-01-01T00:00:00Z'; }
  getResources() { return [new ResourceExtension('copies', { create: () => new Result({ made: true }, 201) })]; }
}
module.exports = { Copied };
`,
        },
      },
    ]);
    // The second copy: the example's compiled framework, physically copied into the package.
    const copyDir = path.join(fixture.root, 'node_modules/ext-own-copy/node_modules/trove-api/dist/framework');
    mkdirSync(copyDir, { recursive: true });
    cpSync(FRAMEWORK_DIST, copyDir, { recursive: true });
    const api = await start({ registry: fixture.registry });
    expect(api.warnings).toEqual([]);
    const [copied] = api.service.loaded;
    expect(copied.alias).toBe('COPY');
    expect(copied.descriptor instanceof ExtensionDescriptor).toBe(false);
    const made = await api.send('POST', '/copies', {});
    expect(made.status).toBe(201);
    expect(made.body).toEqual({ made: true });
  });

  test('two extensions with the same alias stop the service at start-up, naming both', () => {
    const fixture = tree([
      extensionPackage('ext-one', extensionModule('SAME')),
      extensionPackage('ext-two', extensionModule('SAME'), 'again'),
    ]);
    expect(() => createServer({ registry: fixture.registry, warn: () => {} })).toThrow(DuplicateExtensionError);
    expect(() => createServer({ registry: fixture.registry, warn: () => {} })).toThrow(
      'Found duplicate extension: SAME (from ext-one@1.0.0 (entry point ext = ./index.js:Ext) and from ext-two@1.0.0 (entry point again = ./index.js:Ext))',
    );
  });
});

describe('the deprecated api_extensions_path', () => {
  /** A trove.conf plus a legacy extensions folder holding `files`. */
  function legacySetup(files: Record<string, string>, extensionsPath = 'extensions'): string {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'extensions'));
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, 'extensions', name), content);
    const conf = path.join(dir, 'trove.conf');
    writeFileSync(
      conf,
      `[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = 0\napi_extensions_path = ${extensionsPath}\n\n[database]\nconnection = sqlite://\n`,
    );
    return conf;
  }

  const descriptorPath = JSON.stringify(path.join(FRAMEWORK_DIST, 'descriptor.js'));

  test('still loads each module of the folder, next to the entry points, with a deprecation warning that says how to migrate', async () => {
    const conf = legacySetup({
      // Trove's rule: widgets.js defines the class Widgets.
      'widgets.js': `const { ExtensionDescriptor } = require(${descriptorPath});
class Widgets extends ExtensionDescriptor {
  getName() { return 'Widgets'; } getAlias() { return 'WIDGETS'; } getDescription() { return 'legacy'; }
  getNamespace() { return 'http://TBD'; } getUpdated() { return '2013-01-01T00:00:00Z'; }
  getResources() { return [{ collection: '{tenant_id}/widgets', controller: { index: (req) => ({ widgets: [req.params.tenant_id] }) } }]; }
}
module.exports = { Widgets, helper() { return 1; } };
`,
      'gadgets.cjs': extensionModule('GADGETS').replace('module.exports = { Ext }', 'module.exports = Ext'),
      '_private.js': "throw new Error('never loaded');",
      'README.txt': 'not a module',
      'notes.js': 'module.exports = { answer: 42 };',
      'crash.js': "throw new Error('syntax of the past');",
    });
    const config = loadConfig(conf);
    expect(config).toMatchObject({
      bindPort: 0,
      apiExtensionsPath: path.join(path.dirname(conf), 'extensions'),
      file: conf,
    });
    const api = await start({ config });
    expect(api.service.loaded.map(({ alias }) => alias)).toEqual(['Mgmt', 'MYSQL', 'TAGS', 'GADGETS', 'WIDGETS']);
    expect((await api.get('/v1.0/demo/widgets')).body).toEqual({ widgets: ['demo'] });

    const [deprecation, ...skips] = api.warnings;
    expect(deprecation.code).toBe('TROVE_API_EXTENSIONS_PATH_DEPRECATED');
    expect(deprecation.message).toContain(`(set in ${conf}) is deprecated`);
    expect(deprecation.message).toContain(
      '"entryPoints": { "trove.api.extensions": { "<name>": "./<file>.js:<ExportedClass>" } }',
    );
    expect(deprecation.message).toContain('npm install <package>');
    expect(skips.map((warning) => warning.message)).toEqual([
      `Skipping API extension ${path.join(path.dirname(conf), 'extensions', 'crash.js')} (api_extensions_path): failed to load: syntax of the past`,
      `Skipping API extension ${path.join(path.dirname(conf), 'extensions', 'notes.js')} (api_extensions_path): exports no ExtensionDescriptor (expected a class named Notes, a default export, or an exported ExtensionDescriptor)`,
    ]);
  });

  test('an alias present in both a package and the folder is the duplicate error', () => {
    const conf = legacySetup({ 'mysql.js': extensionModule('MYSQL').replace('{ Ext }', '{ Mysql: Ext }') });
    expect(() =>
      createServer({
        config: loadConfig(conf),
        registry: new Registry({ root: EXAMPLE, cache: false }),
        warn: () => {},
      }),
    ).toThrow(
      /^Found duplicate extension: MYSQL \(from trove-api@0\.1\.0 \(entry point mysql = \.\/dist\/extensions\/mysql\.js:Mysql\) and from .*mysql\.js \(api_extensions_path\)\)/,
    );
  });

  test('a missing folder is a start-up error naming the configuration file', () => {
    const conf = legacySetup({}, 'gone');
    const attempt = (): unknown =>
      createServer({
        config: loadConfig(conf),
        registry: new Registry({ root: EXAMPLE, cache: false }),
        warn: () => {},
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`${conf}: api_extensions_path = ${path.join(path.dirname(conf), 'gone')}: no such folder`);
  });
});

describe('trove.conf', () => {
  function confWith(text: string): string {
    const file = path.join(tempDir(), 'trove.conf');
    writeFileSync(file, text);
    return file;
  }

  test('defaults to 127.0.0.1:8779 and reads Trove-style INI', () => {
    expect(loadConfig(confWith('# nothing set\n[DEFAULT]\n; comment\nverbose = true\n'))).toMatchObject({
      bindHost: '127.0.0.1',
      bindPort: 8779,
      apiExtensionsPath: null,
    });
    const sections = parseIni('[DEFAULT]\nname = first\n  continued\n[other]\nkey: value\n', 'x.conf');
    expect(sections.get('DEFAULT')?.get('name')).toBe('first\ncontinued');
    expect(sections.get('other')?.get('key')).toBe('value');
  });

  test('a malformed or unreadable file is an error naming the file', () => {
    const malformed = confWith('[DEFAULT]\nbind_host = 127.0.0.1\nthis is not an option\n');
    expect(() => loadConfig(malformed)).toThrow(
      `${malformed}: line 3: expected "[section]" or "name = value", got "this is not an option"`,
    );
    const noSection = confWith('bind_port = 1\n');
    expect(() => loadConfig(noSection)).toThrow(
      `${noSection}: line 1: option bind_port comes before any [section] header`,
    );
    const badPort = confWith('[DEFAULT]\nbind_port = eighty\n');
    expect(() => loadConfig(badPort)).toThrow(
      `${badPort}: bind_port must be a port number from 0 to 65535, got "eighty"`,
    );
    const missing = path.join(tempDir(), 'absent.conf');
    expect(() => loadConfig(missing)).toThrow(`${missing}: cannot read the configuration file: no such file`);
  });
});

test('installing an extension package into the tree makes it appear after a restart', async () => {
  const cacheDir = tempDir();
  const fixture = tree([extensionPackage('ext-first', extensionModule('FIRST'))], { cache: true, cacheDir });
  const before = await start({ registry: new Registry({ root: fixture.root, cacheDir }) });
  expect((await before.get('/extensions')).body.extensions.map((e: { alias: string }) => e.alias)).toEqual(['FIRST']);
  await before.service.close();

  fixture.install(extensionPackage('@acme/trove-ext-second', extensionModule('SECOND'), 'second'));
  const after = await start({ registry: new Registry({ root: fixture.root, cacheDir }) });
  expect((await after.get('/extensions')).body.extensions.map((e: { alias: string }) => e.alias)).toEqual([
    'SECOND',
    'FIRST',
  ]);
  expect(after.service.loaded[0].source).toMatchObject({ package: '@acme/trove-ext-second', entryPoint: 'second' });
});

describe('the real process', () => {
  const children: { child: ChildProcess; exited: Promise<unknown> }[] = [];
  afterEach(async () => {
    // A failed assertion must not leave a server running.
    for (const { child, exited } of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  });

  /** Runs a command in the example folder; resolves when `ready` matches its output (or it exits). */
  function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.JEST_WORKER_ID;
    const child = spawn(command, args, {
      cwd: EXAMPLE,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32' && command === npm,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    children.push({ child, exited });
    const output = () => ({ stdout, stderr });
    const waitFor = (pattern: RegExp): Promise<RegExpMatchArray> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(stdout);
          if (match) {
            child.stdout.off('data', check);
            resolve(match);
          }
        };
        child.stdout.on('data', check);
        exited.then(() => reject(new Error(`exited before printing ${pattern}:\n${stdout}\n${stderr}`)));
        check();
      });
    return { child, exited, output, waitFor };
  }

  test('`npm start` serves the extensions, says where they came from, and stops cleanly on SIGTERM', async () => {
    const conf = path.join(tempDir(), 'trove.conf');
    writeFileSync(conf, '[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = 0\n');
    const service = run(npm, ['start'], { TROVE_CONFIG_FILE: conf, STEVEDORE_CACHE: '0' });
    await service.waitFor(/Press Ctrl-C to stop/);
    const { stdout } = service.output();
    const [, url] = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1\.0)/.exec(stdout) ?? [];
    expect(stdout).toContain(`trove-api: configuration ${conf}`);
    expect(stdout).toMatch(
      /TAGS +Instance Tags - from trove-ext-sample@1\.0\.0 \(entry point tags = \.\/lib\/tags\.js:InstanceTags\)/,
    );
    expect(stdout).toMatch(/MYSQL +Mysql - from trove-api@0\.1\.0/);
    expect(stdout).toContain(`curl ${url}/extensions`);

    const reply = await call(url, 'GET', '/extensions');
    expect(reply.body.extensions.map((e: { alias: string }) => e.alias)).toEqual(['Mgmt', 'MYSQL', 'TAGS']);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.output().stdout).toMatch(/SIGTERM received, shutting down\ntrove-api: stopped\n$/);
  }, 180_000);

  test('a malformed configuration stops the process with exit code 1 and the file named', async () => {
    const conf = path.join(tempDir(), 'trove.conf');
    writeFileSync(conf, '[DEFAULT\n');
    const service = run(process.execPath, ['dist/main.js', '--config-file', conf]);
    expect(await service.exited).toBe(1);
    expect(service.output().stderr).toBe(
      `trove-api: error: ${conf}: line 1: expected "[section]" or "name = value", got "[DEFAULT"\n`,
    );
  });
});
