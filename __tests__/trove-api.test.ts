/**
 * examples/trove-api: the Trove-style API service whose extensions come from
 * the `trove.api.extensions` namespace, held to Trove's api-ref and unit
 * tests. Every test starts the real server on an ephemeral loopback port and
 * calls it over HTTP; extension packages are real package trees on disk; the
 * example itself is compiled into a temporary copy (the checkout is never
 * written), whose code the tests run in-process, and one test runs that copy
 * as `npm start` does.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { Registry } from '../lib';
import type { FixturePackage, PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import type * as Config from '../examples/trove-api/src/config';
import type * as Descriptor from '../examples/trove-api/src/framework/descriptor';
import type * as Faults from '../examples/trove-api/src/framework/faults';
import type { ServiceWarning } from '../examples/trove-api/src/framework/manager';
import type * as Validation from '../examples/trove-api/src/framework/validation';
import type * as Server from '../examples/trove-api/src/server';
import type { ServerOptions, TroveApiServer } from '../examples/trove-api/src/server';
import type { TempDir } from './support/temp';
import { tempDir as newTempDir } from './support/temp';

const REPO = path.resolve(__dirname, '..');
const EXAMPLE = path.join(REPO, 'examples/trove-api');
const ORDERS = '4a5c2a27-8c0e-4e4b-9f0b-6d7c1e3f2a10';
const REPORTS = '9e0d1c2b-3a4f-4b5c-8d6e-7f8091a2b3c4';
const BILLING = '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9';
const LEGACY = '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910';
const IMAGE = '3e50414a-8532-4646-982c-a66fe8f0411b';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const tempDirs: TempDir[] = [];

function tempDir(): string {
  const made = newTempDir('trove-api');
  tempDirs.push(made);
  return made.dir;
}

/** Every .ts file under `dir`, listed without recursion. */
function sourcesIn(dir: string): string[] {
  const files: string[] = [];
  const pending = [dir];
  while (pending.length) {
    const current = pending.pop()!;
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      if (statSync(full).isDirectory()) pending.push(full);
      else if (name.endsWith('.ts')) files.push(full);
    }
  }
  return files;
}

/**
 * A copy of the example, built as its `npm start` would leave it: src/
 * compiled to dist/ (by esbuild: the types are checked by `npm run lint`),
 * and node_modules linking the library (whose dist/ `npm test` builds) and
 * the sample extension package.
 */
function buildExampleCopy(): string {
  const copy = path.join(tempDir(), 'trove-api');
  for (const entry of ['package.json', 'tsconfig.json', 'etc', 'scripts', 'src']) {
    cpSync(path.join(EXAMPLE, entry), path.join(copy, entry), { recursive: true });
  }
  buildSync({
    entryPoints: sourcesIn(path.join(copy, 'src')),
    outdir: path.join(copy, 'dist'),
    outbase: path.join(copy, 'src'),
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  mkdirSync(path.join(copy, 'node_modules'));
  symlinkSync(REPO, path.join(copy, 'node_modules/stevedore-ts'), 'junction');
  symlinkSync(
    path.join(REPO, 'examples/trove-ext-sample'),
    path.join(copy, 'node_modules/trove-ext-sample'),
    'junction',
  );
  return copy;
}

const COPY = buildExampleCopy();
const FRAMEWORK_DIST = path.join(COPY, 'dist/framework');

/**
 * A module of the example as the copy's dist/ holds it: the code `npm start` runs, compiled once by esbuild
 * above rather than file by file by the test runner's TypeScript transform.
 */
function compiled<T>(module: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only once the copy is built
  return require(path.join(COPY, 'dist', module)) as T;
}
const { ConfigError, loadConfig, parseIni } = compiled<typeof Config>('config');
const { ExtensionDescriptor } = compiled<typeof Descriptor>('framework/descriptor');
const { faultName } = compiled<typeof Faults>('framework/faults');
const { pyRepr } = compiled<typeof Validation>('framework/validation');
const { createServer } = compiled<typeof Server>('server');

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/**
 * One HTTP request to the service. The body is sent as JSON (a string is sent
 * as it is), with `Content-Type: application/json` unless `headers` say otherwise.
 */
function call(
  base: string,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    // A header given as '' is not sent at all.
    const sent = Object.fromEntries(
      Object.entries({ ...(payload ? { 'Content-Type': 'application/json' } : {}), ...headers }).filter(([, v]) => v),
    );
    const req = http.request(`${base}${route}`, { method, agent: false, headers: sent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

interface Running {
  service: TroveApiServer;
  url: string;
  warnings: ServiceWarning[];
  get(route: string, headers?: Record<string, string>): Promise<Reply>;
  send(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
}

const running: TroveApiServer[] = [];

/** Starts the service in-process on 127.0.0.1, port 0, collecting its warnings. */
async function start(options: ServerOptions = {}): Promise<Running> {
  const warnings: ServiceWarning[] = [];
  const service = createServer({
    registry: new Registry({ root: COPY, cache: false }),
    warn: (warning) => warnings.push(warning),
    ...options,
    config: { bindHost: '127.0.0.1', bindPort: 0, ...options.config },
  });
  running.push(service);
  const url = await service.listen();
  const origin = new URL(url).origin;
  return {
    service,
    url,
    warnings,
    // Routes in the tests are absolute: `/v1.0/...`, or without the version prefix.
    get: (route, headers) => call(origin, 'GET', route, undefined, headers),
    send: (method, route, body, headers) => call(origin, method, route, body, headers),
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

function tree(packages: FixturePackage[], registryOptions = {}): PackageTree {
  const made = createPackageTree({ app: { name: 'trove-deployment' }, packages, registryOptions });
  trees.push(made);
  return made;
}

afterAll(() => {
  trees.forEach((made) => made.cleanup());
  tempDirs.forEach((made) => made.cleanup());
});

const names = (items: { name: string }[]): string[] => items.map((item) => item.name);

describe('the extensions resource', () => {
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

  test('shows one by alias, with or without the version prefix; creating or deleting one is a 404, as in Trove', async () => {
    const api = await start();
    expect((await api.get('/extensions/TAGS')).body.extension.name).toBe('Instance Tags');
    expect((await api.get('/v1.0/extensions/Mgmt')).body.extension.description).toBe(
      'MGMT services such as details diagnostics',
    );
    expect((await api.get('/v1.0/extensions/NOPE')).body).toEqual({
      itemNotFound: { code: 404, message: 'Extension with alias NOPE does not exist' },
    });
    expect((await api.send('POST', '/v1.0/extensions', {})).status).toBe(404);
    expect((await api.send('DELETE', '/v1.0/extensions/MYSQL')).status).toBe(404);
    // Allow lists what is served: not the methods that only answer 404.
    const put = await api.send('PUT', '/v1.0/extensions', {});
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD');
    expect(put.body).toEqual({ badMethod: { code: 405, message: 'The method PUT is not allowed for this resource.' } });
  });
});

describe('HTTP handling, as Trove does it', () => {
  test('HEAD answers every GET route with its status and headers and no body', async () => {
    const api = await start();
    const get = await api.get('/v1.0/extensions');
    const head = await api.send('HEAD', '/v1.0/extensions');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect((await api.send('HEAD', `/v1.0/demo/instances/${ORDERS}/databases`)).status).toBe(200);
    expect((await api.send('HEAD', '/v1.0/demo/instances/nope')).status).toBe(404);
    expect((await api.send('DELETE', '/v1.0/demo/instances')).headers.allow).toBe('GET, HEAD');
  });

  test('a body that is not application/json is refused with 415; one without a Content-Type is ignored', async () => {
    const api = await start();
    const databases = `/v1.0/demo/instances/${ORDERS}/databases`;
    const plain = await api.send('POST', databases, '{"databases": [{"name": "shop"}]}', {
      'Content-Type': 'text/plain',
    });
    expect(plain.status).toBe(415);
    expect(plain.body.badMediaType).toEqual({ code: 415, message: expect.stringContaining('text/plain') });
    const charset = await api.send(
      'POST',
      databases,
      { databases: [{ name: 'shop' }] },
      {
        'Content-Type': 'application/json; charset=UTF-8',
      },
    );
    expect(charset.status).toBe(202);
    // Trove's deserializer drops a body that has no Content-Type.
    const untyped = await api.send('POST', databases, '{"databases": []}', { 'Content-Type': '' });
    expect(untyped.body.badRequest.message).toBe(
      'Invalid request body: this request needs a JSON body (Content-Type: application/json).',
    );
  });

  test('routes before reading the body: an unknown route or method with a broken body is 404 or 405', async () => {
    const api = await start();
    expect((await api.send('POST', '/v1.0/nothing/here', '{"broken": ')).body).toEqual({
      itemNotFound: { code: 404, message: 'The resource could not be found.' },
    });
    expect((await api.send('PATCH', `/v1.0/demo/instances/${ORDERS}/databases`, '{"broken": ')).status).toBe(405);
    const malformed = await api.send('POST', `/v1.0/demo/instances/${ORDERS}/databases`, '{"databases": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.badRequest.message).toMatch(/^Malformed request body/);
    expect((await api.get('/v1.0/demo/instances/%E0%A4%A')).status).toBe(400);
    expect((await api.get('/')).body.versions[0]).toMatchObject({
      id: 'v1.0',
      status: 'CURRENT',
      updated: '2012-08-01T00:00:00Z',
    });
  });

  test('fault names follow Trove _get_error_name: 409 conflict, 422 unprocessableEntity, 501 notImplemented', async () => {
    expect(
      Object.fromEntries(
        [400, 401, 403, 404, 405, 409, 413, 415, 422, 500, 501, 503, 418].map((s) => [s, faultName(s)]),
      ),
    ).toEqual({
      400: 'badRequest',
      401: 'unauthorized',
      403: 'forbidden',
      404: 'itemNotFound',
      405: 'badMethod',
      409: 'conflict',
      413: 'overLimit',
      415: 'badMediaType',
      422: 'unprocessableEntity',
      500: 'instanceFault',
      501: 'notImplemented',
      503: 'serviceUnavailable',
      418: 'clientError',
    });
    const fixture = tree([
      extensionPackage(
        'ext-conflict',
        extensionModule(
          'CONFLICT',
          `getResources() { return [{ collection: 'busy', controller: { index() { throw Object.assign(new Error('Backup is not complete.'), { status: 409 }); } } }]; }`,
        ),
      ),
    ]);
    const api = await start({ registry: fixture.registry });
    expect(await api.get('/busy')).toMatchObject({
      status: 409,
      body: { conflict: { code: 409, message: 'Backup is not complete.' } },
    });
  });

  test('request extensions post-process every answer of their route, body faults included', async () => {
    const fixture = tree([
      extensionPackage(
        'ext-stamp',
        extensionModule(
          'STAMP',
          `getResources() { return [{ collection: 'things', controller: { create: (req) => ({ made: req.body }) } }]; }
  getRequestExtensions() { return [{ method: 'POST', urlRoute: '/things', handler(req, res) { res.headers['X-Stamped'] = String(res.status); } }]; }`,
        ),
      ),
    ]);
    const api = await start({ registry: fixture.registry });
    const made = await api.send('POST', '/things', { a: 1 });
    expect(made).toMatchObject({ status: 200, body: { made: { a: 1 } } });
    expect(made.headers['x-stamped']).toBe('200');
    const broken = await api.send('POST', '/things', '{"a": ');
    expect(broken.status).toBe(400);
    expect(broken.headers['x-stamped']).toBe('400');
    const media = await api.send('POST', '/things', 'a=1', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(media.headers['x-stamped']).toBe('415');
  });

  test('writes values in messages as Python does', () => {
    expect(pyRepr('')).toBe("''");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('^[%]?[\\w(-).]*[%]?$')).toBe("'^[%]?[\\\\w(-).]*[%]?$'");
    expect(pyRepr({ a: [1, true, null] })).toBe("{'a': [1, True, None]}");
    let deep: unknown = 'x';
    for (let depth = 0; depth < 100_000; depth += 1) deep = [deep];
    expect(pyRepr(deep)).toBe('[[[[[[[[[...]]]]]]]]]');
  });
});

describe('mysql: databases (api-ref databases.inc)', () => {
  test('creates the api-ref sample, lists them by name without system databases, deletes one', async () => {
    const api = await start();
    const databases = `/v1.0/demo/instances/${ORDERS}/databases`;
    expect((await api.get(databases)).body).toEqual({ databases: [{ name: 'audit' }, { name: 'orders' }] });
    const sample = {
      databases: [
        { character_set: 'utf8mb3', collate: 'utf8mb3_general_ci', name: 'databaseA' },
        { name: 'databaseB' },
        { name: 'databaseC' },
      ],
    };
    const created = await api.send('POST', databases, sample);
    expect(created.status).toBe(202);
    expect(created.text).toBe('');
    expect(names((await api.get(databases)).body.databases)).toEqual([
      'audit',
      'databaseA',
      'databaseB',
      'databaseC',
      'orders',
    ]);
    expect((await api.send('POST', databases, { databases: [] })).status).toBe(202);
    expect((await api.send('DELETE', `${databases}/databaseB`)).status).toBe(202);
    expect((await api.send('DELETE', `${databases}/databaseB`)).body).toEqual({
      itemNotFound: { code: 404, message: 'Database databaseB cannot be found on the instance.' },
    });
    expect((await api.get(`${databases}/orders`)).status).toBe(501);
    expect((await api.get(`${databases}/orders`)).body.notImplemented.code).toBe(501);
  });

  test('refuses bad bodies with messages that name the problem', async () => {
    const api = await start();
    const databases = `/v1.0/demo/instances/${ORDERS}/databases`;
    const message = async (body: unknown): Promise<string> =>
      (await api.send('POST', databases, body)).body.badRequest.message;
    expect(await message({ databases: [{}] })).toBe("Validation error: databases[0] 'name' is a required property");
    expect(await message({ databases: [{ name: 'ok_db' }, { collate: 'some_collation' }] })).toBe(
      "Validation error: databases[1] 'name' is a required property",
    );
    expect(await message({ wrong: [] })).toBe("Validation error: 'databases' is a required property");
    expect(await message({ databases: [{ name: '' }] })).toBe(
      "Validation error: databases[0]['name'] '' should be non-empty; databases[0]['name'] '' does not match '^.*[0-9a-zA-Z]+.*$'",
    );
    expect(await message({ databases: [{ name: 'orders' }] })).toBe(
      'A database with the name "orders" already exists.',
    );
    expect(await message({ databases: [{ name: 'mysql' }] })).toBe(
      "Database create error: Database name \"mysql\" is on the reserved list: ['mysql', 'information_schema', 'performance_schema', 'sys'].",
    );
    expect(await message({ databases: [{ name: 'twin' }, { name: 'twin' }] })).toMatch(
      /^Database create error: Two or more databases share the same name/,
    );
    expect(await message({ databases: [{ name: 'bad name!' }] })).toBe(
      "Database create error: 'bad name!' is not a valid schema name.",
    );
    expect(await message({ databases: [{ name: 'x1', character_set: 'klingon' }] })).toBe(
      "Database create error: 'klingon' not a valid character set.",
    );
    expect(await message({ databases: [{ name: 'x1', character_set: 'latin1', collate: 'utf8mb4_bin' }] })).toBe(
      'Database create error: utf8mb4_bin not a valid collation for charset latin1.',
    );
    expect(await message('[]')).toBe("Validation error: [] is not of type 'object'");
  });

  test('pages with limit and marker; the next link carries the marker', async () => {
    const api = await start();
    const databases = `/v1.0/demo/instances/${ORDERS}/databases`;
    await api.send('POST', databases, { databases: [{ name: 'db1' }, { name: 'db2' }, { name: 'db3' }] });
    const first = await api.get(`${databases}?limit=2`);
    expect(first.body.databases).toEqual([{ name: 'audit' }, { name: 'db1' }]);
    expect(first.body.links).toEqual([
      { rel: 'next', href: `${api.url}/demo/instances/${ORDERS}/databases?limit=2&marker=db1` },
    ]);
    const second = await api.get(`${databases}?limit=2&marker=db1`);
    expect(second.body.databases).toEqual([{ name: 'db2' }, { name: 'db3' }]);
    const last = await api.get(`${databases}?limit=2&marker=db3`);
    expect(last.body).toEqual({ databases: [{ name: 'orders' }] });
    expect((await api.get(`${databases}?limit=many`)).status).toBe(400);
  });

  test("another tenant's instance is a 404; one that is not running is a 422", async () => {
    const api = await start();
    expect((await api.get(`/v1.0/other/instances/${ORDERS}/databases`)).body).toEqual({
      itemNotFound: { code: 404, message: `Resource ${ORDERS} cannot be found.` },
    });
    expect((await api.get(`/v1.0/acme/instances/${BILLING}/databases`)).body).toEqual({
      unprocessableEntity: { code: 422, message: `Instance ${BILLING} is not ready, status: new.` },
    });
  });
});

describe('mysql: users (api-ref users.inc, TestUserController)', () => {
  const users = `/v1.0/demo/instances/${ORDERS}/users`;

  test('creates the api-ref sample and lists, shows and deletes users in the sample shapes', async () => {
    const api = await start();
    await api.send('POST', `/v1.0/demo/instances/${ORDERS}/databases`, {
      databases: [{ name: 'databaseA' }, { name: 'databaseB' }, { name: 'databaseC' }],
    });
    const sample = {
      users: [
        { databases: [{ name: 'databaseA' }], name: 'dbuser1', password: 'password' },
        { databases: [{ name: 'databaseB' }, { name: 'databaseC' }], name: 'dbuser2', password: 'password' },
        { name: 'dbuser3', password: 'password' },
      ],
    };
    expect((await api.send('POST', users, sample)).status).toBe(202);
    const listed = (await api.get(users)).body;
    expect(listed.users.slice(1)).toEqual([
      { databases: [{ name: 'databaseA' }], host: '%', name: 'dbuser1' },
      { databases: [{ name: 'databaseB' }, { name: 'databaseC' }], host: '%', name: 'dbuser2' },
      { databases: [], host: '%', name: 'dbuser3' },
    ]);
    expect((await api.get(`${users}/dbuser1`)).body).toEqual({
      user: { databases: [{ name: 'databaseA' }], host: '%', name: 'dbuser1' },
    });
    expect((await api.get(`${users}/dbuser1@%25`)).status).toBe(200);
    expect(
      (await api.send('POST', users, { users: [{ name: 'dbuser1', password: 'x1' }] })).body.badRequest.message,
    ).toBe('A user with the name "dbuser1" already exists.');
    expect((await api.send('DELETE', `${users}/dbuser3`)).status).toBe(202);
    expect((await api.get(`${users}/dbuser3`)).body).toEqual({
      itemNotFound: { code: 404, message: 'User dbuser3 cannot be found on the instance.' },
    });
    expect((await api.send('POST', users, { users: [] })).status).toBe(202);
  });

  test('PUT users/{name} updates a user (the user-put-request sample): name, host and password', async () => {
    const api = await start();
    await api.send('POST', users, { users: [{ name: 'old_name', password: 'pw1', databases: [{ name: 'orders' }] }] });
    const put = await api.send('PUT', `${users}/old_name`, {
      user: { name: 'new_name', password: 'new_password', host: '192.168.30.98' },
    });
    expect(put.status).toBe(202);
    expect((await api.get(`${users}/old_name`)).status).toBe(404);
    expect((await api.get(`${users}/new_name@192.168.30.98`)).body).toEqual({
      user: { name: 'new_name', host: '192.168.30.98', databases: [{ name: 'orders' }] },
    });
    expect((await api.send('PUT', `${users}/app`, { user: {} })).body.badRequest.message).toBe(
      'Validation error: user {} should be non-empty',
    );
    expect((await api.send('PUT', `${users}/app`, { user: { host: '' } })).status).toBe(400);
    expect((await api.send('PUT', `${users}/nobody`, { user: { password: 'x1' } })).status).toBe(404);
    expect(
      (await api.send('PUT', `${users}/app`, { user: { name: 'new_name', host: '192.168.30.98' } })).body.badRequest
        .message,
    ).toBe('A user with the name "new_name" already exists.');
    expect((await api.send('PUT', `${users}/app`, { user: { name: 'root' } })).body.badRequest.message).toBe(
      "User update error: User name \"root\" is on the reserved list: ['os_admin', 'root'].",
    );
  });

  test('PUT users changes passwords (the users-put-request sample)', async () => {
    const api = await start();
    await api.send('POST', users, { users: [{ name: 'new_name', password: 'pw1', host: '192.168.30.98' }] });
    const sample = { users: [{ name: 'new_name', password: 'another_password', host: '192.168.30.98' }] };
    expect((await api.send('PUT', users, sample)).status).toBe(202);
    expect((await api.send('PUT', users, { users: [{ name: 'ghost', password: 'x1' }] })).body).toEqual({
      itemNotFound: { code: 404, message: 'User ghost@% cannot be found on the instance.' },
    });
    expect((await api.send('PUT', users, { users: [] })).status).toBe(202);
  });

  test('validates bodies as Trove schemas do, naming each problem', async () => {
    const api = await start();
    const message = async (body: unknown, method = 'POST', route = users): Promise<string> =>
      (await api.send(method, route, body)).body.badRequest.message;
    expect(await message({ users: [{ name: 'joe', password: '' }] })).toBe(
      "Validation error: users[0]['password'] '' should be non-empty; users[0]['password'] '' does not match '^.*[0-9a-zA-Z]+.*$'",
    );
    expect(await message({ users: [{ name: 'joe' }] })).toBe(
      "Validation error: users[0] 'password' is a required property",
    );
    expect(await message({ users: [{ name: '' }] })).toBe(
      "Validation error: users[0] 'password' is a required property; users[0]['name'] '' should be non-empty; users[0]['name'] '' does not match '^.*[0-9a-zA-Z]+.*$'",
    );
    expect(await message({ users: [{ databases: [{}], name: 'joe', password: '123' }] })).toBe(
      "Validation error: users[0]['databases'][0] 'name' is a required property",
    );
    expect(
      await message({ users: [{ databases: [{ name: 'x1' }], name: 'joe', password: '123', host: '192.%.1.1' }] }),
    ).toBe("Validation error: users[0]['host'] '192.%.1.1' does not match '^[%]?[\\\\w(-).]*[%]?$'");
    for (const host of ['192.168.1.1', '%', '%.168.1.1', '192.168.1.%']) {
      expect(
        (
          await api.send('POST', users, {
            users: [{ name: `u${host.length}${host[0] === '%' ? 'w' : 'n'}`, password: '123', host }],
          })
        ).status,
      ).toBe(202);
    }
    expect(await message({ users: [{ name: 'joe', password: '' }] }, 'PUT')).toMatch(/'' should be non-empty/);
    expect(await message({ users: [{ name: 'root', password: 'pw1' }] })).toBe(
      "User create error: User name \"root\" is on the reserved list: ['os_admin', 'root'].",
    );
    expect(
      await message({
        users: [
          { name: 'twin', password: 'a1' },
          { name: 'twin', password: 'b2' },
        ],
      }),
    ).toMatch(/^User create error: Two or more users share the same name and host/);
    expect(await message({ users: [{ name: 'a-very-long-user-name', password: 'a1' }] })).toBe(
      "User create error: User name 'a-very-long-user-name' is too long. Max length = 16.",
    );
  });

  test('grants, lists and revokes database access', async () => {
    const api = await start();
    const access = `${users}/app/databases`;
    expect((await api.get(access)).body).toEqual({ databases: [{ name: 'audit' }, { name: 'orders' }] });
    expect((await api.send('DELETE', `${access}/audit`)).status).toBe(202);
    expect((await api.send('DELETE', `${access}/audit`)).body).toEqual({
      itemNotFound: { code: 404, message: 'Database audit cannot be found on the instance.' },
    });
    expect((await api.send('PUT', access, { databases: [{ name: 'test' }] })).status).toBe(202);
    expect((await api.get(`${users}/app@%25/databases`)).body).toEqual({
      databases: [{ name: 'orders' }, { name: 'test' }],
    });
    expect((await api.send('PUT', access, { databases: [{ name: 'mysql' }] })).body.badRequest.message).toBe(
      'Grant access to mysql is not allowed',
    );
    expect((await api.send('PUT', access, { databases: [{}] })).body.badRequest.message).toBe(
      "Validation error: databases[0] 'name' is a required property",
    );
    expect((await api.get(`${users}/nobody/databases`)).status).toBe(404);
  });

  test('pages users by name@host', async () => {
    const api = await start();
    await api.send('POST', users, {
      users: [
        { name: 'bob', password: 'b1' },
        { name: 'carol', password: 'c1', host: '10.0.0.%' },
      ],
    });
    const first = await api.get(`${users}?limit=2`);
    expect(names(first.body.users)).toEqual(['app', 'bob']);
    const href = new URL(first.body.links[0].href);
    expect(href.searchParams.get('marker')).toBe('bob@%');
    const rest = await api.get(`${users}?limit=2&marker=${encodeURIComponent('bob@%')}`);
    expect(rest.body).toEqual({ users: [{ name: 'carol', host: '10.0.0.%', databases: [] }] });
  });
});

describe('mysql: root (TestDefaultRootController)', () => {
  const root = `/v1.0/demo/instances/${REPORTS}/root`;

  test('enables root with the given password, or a generated one; root is never listed as a user', async () => {
    const api = await start();
    expect((await api.get(root)).body).toEqual({ rootEnabled: false });
    const given = await api.send('POST', root, { password: 'q5BXXMUMbc8XBf5kkVToKZW4Kx3Egv5VjY0P' });
    expect(given).toMatchObject({
      status: 200,
      body: { user: { name: 'root', password: 'q5BXXMUMbc8XBf5kkVToKZW4Kx3Egv5VjY0P' } },
    });
    expect((await api.get(root)).body).toEqual({ rootEnabled: true });
    const generated = await api.send('POST', `/v1.0/demo/instances/${ORDERS}/root`);
    expect(generated.body.user).toEqual({ name: 'root', password: expect.stringMatching(/^[\w-]{20,}$/) });
    expect((await api.send('POST', `/v1.0/demo/instances/${ORDERS}/root`, {})).status).toBe(200);
    expect(names((await api.get(`/v1.0/demo/instances/${REPORTS}/users`)).body.users)).toEqual(['analyst']);
    expect((await api.get(`/v1.0/demo/instances/${REPORTS}/users/root`)).body.badRequest.message).toBe(
      "User show error: User name \"root\" is on the reserved list: ['os_admin', 'root'].",
    );
    expect((await api.send('POST', root, { password: '' })).status).toBe(400);
  });

  test('disables root (204); disabling it again is a 404; the mgmt history keeps when it was enabled', async () => {
    const api = await start();
    expect((await api.send('DELETE', root)).body).toEqual({
      itemNotFound: { code: 404, message: 'Root user has never been enabled on the instance.' },
    });
    expect((await api.get(`/v1.0/admin/mgmt/instances/${REPORTS}/root`)).body).toEqual({
      root_history: { id: REPORTS, enabled: 'Never', user: 'Nobody' },
    });
    await api.send('POST', root, { password: 'pw-1' }, { 'X-User-Id': '7578487d3cc843dca904d2f4eced7dd2' });
    const disabled = await api.send('DELETE', root);
    expect(disabled.status).toBe(204);
    expect(disabled.text).toBe('');
    expect((await api.get(root)).body).toEqual({ rootEnabled: false });
    expect((await api.send('DELETE', root)).status).toBe(404);
    const history = (await api.get(`/v1.0/admin/mgmt/instances/${REPORTS}/root`)).body.root_history;
    expect(history).toEqual({
      id: REPORTS,
      enabled: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
      user: '7578487d3cc843dca904d2f4eced7dd2',
    });
    expect((await api.send('POST', root)).status).toBe(200);
    expect((await api.get(root)).body).toEqual({ rootEnabled: true });
  });
});

describe('mgmt: instances (api-ref instances.inc and instance-actions.inc, TestMgmtInstanceController)', () => {
  const mgmt = '/v1.0/admin/mgmt/instances';

  test('lists every tenant’s instances, deleted ones too, in the shape of instance-mgmt-list-response', async () => {
    const api = await start();
    const { instances } = (await api.get(mgmt)).body;
    expect(names(instances)).toEqual(['billing-db', 'reports-db', 'orders-db', 'legacy-db']);
    const orders = instances.find((instance: { id: string }) => instance.id === ORDERS);
    expect(Object.keys(orders).sort()).toEqual(
      [
        'access',
        'addresses',
        'created',
        'datastore',
        'deleted',
        'deleted_at',
        'encrypted_rpc_messaging',
        'flavor',
        'id',
        'ip',
        'links',
        'name',
        'operating_status',
        'region',
        'server',
        'server_id',
        'service_status',
        'service_status_updated',
        'status',
        'task_description',
        'tenant_id',
        'updated',
        'volume',
        'volume_id',
      ].sort(),
    );
    expect(orders).toMatchObject({
      status: 'ACTIVE',
      operating_status: 'HEALTHY',
      tenant_id: 'demo',
      deleted: false,
      deleted_at: null,
      server: { host: 'compute-1', tenant_id: 'demo', status: 'ACTIVE' },
      service_status: 'HEALTHY',
      task_description: 'No tasks for the instance.',
      links: [{ rel: 'self', href: `${api.url}/admin/instances/${ORDERS}` }, { rel: 'bookmark' }],
    });
  });

  test('filters by ?deleted= (any case, as Trove lowercases it) and ?project_id=', async () => {
    const api = await start();
    for (const value of ['true', 'True', 'TRUE'])
      expect(names((await api.get(`${mgmt}?deleted=${value}`)).body.instances)).toEqual(['legacy-db']);
    expect(names((await api.get(`${mgmt}?deleted=False`)).body.instances)).toEqual([
      'billing-db',
      'reports-db',
      'orders-db',
    ]);
    expect(names((await api.get(`${mgmt}?project_id=acme`)).body.instances)).toEqual(['billing-db']);
    expect((await api.get(`${mgmt}?project_id=${'f'.repeat(32)}`)).body.instances).toEqual([]);
    expect(names((await api.get(`${mgmt}?project_id=demo&deleted=false`)).body.instances)).toEqual([
      'reports-db',
      'orders-db',
    ]);
  });

  test('pages by offset: marker is a number, and a full page has a next link', async () => {
    const api = await start();
    const first = await api.get(`${mgmt}?limit=3`);
    expect(first.body.instances).toHaveLength(3);
    expect(new URL(first.body.links[0].href).searchParams.get('marker')).toBe('3');
    const rest = await api.get(`${mgmt}?limit=3&marker=3`);
    expect(rest.body).toEqual({ instances: [expect.objectContaining({ id: LEGACY })] });
    expect((await api.get(`${mgmt}?marker=abc`)).status).toBe(400);
  });

  test('shows one instance in the shape of instance-mgmt-show-response; a deleted one only with ?deleted=true', async () => {
    const api = await start();
    const { instance } = (await api.get(`${mgmt}/${ORDERS}`)).body;
    expect(instance).toMatchObject({
      id: ORDERS,
      server: {
        id: expect.any(String),
        host: 'compute-1',
        addresses: { private: [expect.objectContaining({ addr: '10.1.0.11' })] },
      },
      volume: { size: 5, status: 'in-use', id: instance.volume_id, availability_zone: 'nova' },
      guest_status: { state_description: 'healthy' },
    });
    expect(instance).not.toHaveProperty('root_enabled');
    expect((await api.get(`${mgmt}/${LEGACY}`)).status).toBe(404);
    expect((await api.get(`${mgmt}/${LEGACY}?deleted=True`)).body.instance).toMatchObject({
      id: LEGACY,
      deleted: true,
      status: 'SHUTDOWN',
    });
    expect((await api.get(`${mgmt}/no-such-id`)).body).toEqual({
      itemNotFound: { code: 404, message: 'Resource no-such-id cannot be found.' },
    });
  });

  test('runs stop, reboot, migrate, reset-task-status and rebuild (the api-ref samples), each 202 with no body', async () => {
    const api = await start();
    const action = (id: string, body: unknown): Promise<Reply> => api.send('POST', `${mgmt}/${id}/action`, body);
    const stopped = await action(ORDERS, { stop: {} });
    expect(stopped.status).toBe(202);
    expect(stopped.text).toBe('');
    expect((await api.get(`/v1.0/demo/instances/${ORDERS}`)).body.instance.status).toBe('SHUTDOWN');
    expect((await api.get(`/v1.0/demo/instances/${ORDERS}/users`)).status).toBe(422);
    expect((await action(ORDERS, { reboot: {} })).status).toBe(202);
    expect((await api.get(`/v1.0/demo/instances/${ORDERS}`)).body.instance.status).toBe('ACTIVE');
    expect((await action(ORDERS, { migrate: { host: 'compute-001' } })).status).toBe(202);
    expect((await api.get(`${mgmt}/${ORDERS}`)).body.instance.server.host).toBe('compute-001');
    expect((await action(ORDERS, { rebuild: { image_id: IMAGE } })).status).toBe(202);
    expect((await action(BILLING, { 'reset-task-status': {} })).status).toBe(202);
    expect((await api.get(`${mgmt}/${BILLING}`)).body.instance).toMatchObject({
      task_description: 'No tasks for the instance.',
      status: 'BUILD',
    });
  });

  test('refuses unknown, several, empty and malformed actions with Trove’s messages', async () => {
    const api = await start();
    const message = async (body: unknown): Promise<string> =>
      (await api.send('POST', `${mgmt}/${ORDERS}/action`, body)).body.badRequest.message;
    expect(await message({ explode: {} })).toBe('Invalid instance action: explode');
    expect(await message({ stop: {}, reboot: {} })).toBe('Only one action can be specified per request.');
    expect(await message({})).toBe('Invalid request body.');
    expect(await message({ rebuild: {} })).toBe("Validation error: rebuild 'image_id' is a required property");
    expect(await message({ rebuild: { image_id: IMAGE, extra: 1 } })).toBe(
      "Validation error: rebuild Additional properties are not allowed ('extra' was unexpected)",
    );
    expect(await message({ reboot: 'now' })).toBe("Validation error: reboot 'now' is not of type 'object'");
    expect((await api.send('POST', `${mgmt}/${LEGACY}/action`, { reboot: {} })).status).toBe(404);
  });

  test('serves diagnostics, hwinfo and rpc_ping', async () => {
    const api = await start();
    expect((await api.get(`${mgmt}/${ORDERS}/diagnostics`)).body.diagnostics).toEqual({
      version: '8.0.36',
      threads: 38,
      fdSize: 64,
      vmSize: 2075836,
      vmPeak: 2075836,
      vmRss: 412748,
      vmHwm: 412748,
    });
    expect((await api.get(`${mgmt}/${ORDERS}/hwinfo`)).body).toEqual({ hwinfo: { mem_total: 4039432, num_cpus: 2 } });
    expect((await api.get(`${mgmt}/${ORDERS}/rpc_ping`)).status).toBe(204);
  });

  test('is admin only: a caller whose roles lack admin gets 401 unauthorized', async () => {
    const api = await start();
    expect((await api.get(mgmt, { 'X-Roles': 'member,reader' })).body).toEqual({
      unauthorized: { code: 401, message: 'User does not have admin privileges.' },
    });
    expect((await api.get(mgmt, { 'X-Roles': 'member,Admin' })).status).toBe(200);
  });
});

describe('core instances', () => {
  test('lists (also with details), shows and pages the tenant’s instances in the api-ref shapes', async () => {
    const api = await start();
    const list = (await api.get('/v1.0/demo/instances')).body.instances;
    expect(names(list)).toEqual(['reports-db', 'orders-db']);
    expect(list[1]).toMatchObject({
      id: ORDERS,
      status: 'ACTIVE',
      operating_status: 'HEALTHY',
      volume: { size: 5 },
      ip: ['10.1.0.11'],
    });
    expect(list[1]).not.toHaveProperty('created');
    const detail = (await api.get('/v1.0/demo/instances/detail')).body.instances;
    expect(detail[1]).toMatchObject({ id: ORDERS, created: '2024-03-01T10:00:00', updated: expect.any(String) });
    expect((await api.get(`/v1.0/demo/instances/${ORDERS}`)).body.instance).toMatchObject({
      name: 'orders-db',
      created: '2024-03-01T10:00:00',
    });
    const first = await api.get('/v1.0/demo/instances?limit=1');
    expect(first.body.instances.map((i: { id: string }) => i.id)).toEqual([ORDERS]);
    const marker = new URL(first.body.links[0].href).searchParams.get('marker');
    expect((await api.get(`/v1.0/demo/instances/detail?limit=1&marker=${marker}`)).body).toEqual({
      instances: [expect.objectContaining({ id: REPORTS, created: '2024-03-02T09:30:00' })],
    });
    expect((await api.get(`/v1.0/demo/instances/${LEGACY}`)).status).toBe(404);
  });

  test('restarts and resizes an instance', async () => {
    const api = await start();
    const action = `/v1.0/demo/instances/${ORDERS}/action`;
    expect((await api.send('POST', action, { restart: {} })).status).toBe(202);
    expect((await api.send('POST', action, { resize: { volume: { size: 10 } } })).status).toBe(202);
    expect((await api.send('POST', action, { resize: { flavorRef: '3' } })).status).toBe(202);
    expect((await api.get(`/v1.0/demo/instances/${ORDERS}`)).body.instance).toMatchObject({
      volume: { size: 10 },
      flavor: { id: '3' },
    });
    expect((await api.send('POST', action, { resize: { volume: { size: 2 } } })).body.badRequest.message).toBe(
      "The new volume 'size' must be larger than the current volume size of '10'.",
    );
    expect((await api.send('POST', action, { resize: { volume: {} } })).body.badRequest.message).toBe(
      "Validation error: resize['volume'] 'size' is a required property",
    );
    expect((await api.send('POST', action, { fly: {} })).body).toEqual({
      badRequest: { code: 400, message: 'Invalid instance action: fly' },
    });
  });
});

describe('the installed sample extension (trove-ext-sample)', () => {
  test("its action runs on POST /{collection}/{id}/action, and the core's actions still do", async () => {
    const api = await start();
    const action = `/v1.0/demo/instances/${ORDERS}/action`;
    expect((await api.send('POST', action, { addTags: { tags: ['prod', 'eu'] } })).status).toBe(202);
    expect((await api.get(`/v1.0/demo/instances/${ORDERS}/tags`)).body).toEqual({ tags: ['eu', 'prod'] });
    expect((await api.send('POST', action, { removeTags: { tags: ['eu'] } })).status).toBe(202);
    expect((await api.get(`/v1.0/demo/instances/${ORDERS}/tags`)).body).toEqual({ tags: ['prod'] });
    const invalid = await api.send('POST', action, { addTags: { tags: 'prod' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.badRequest.message).toMatch(/Invalid tags/);
    expect((await api.send('POST', action, { restart: {} })).status).toBe(202);
  });

  test('its request extension adds to the core response of the route it names only', async () => {
    const api = await start();
    await api.send('POST', `/v1.0/demo/instances/${REPORTS}/action`, { addTags: { tags: ['nightly'] } });
    expect((await api.get(`/v1.0/demo/instances/${REPORTS}`)).body.instance).toMatchObject({
      id: REPORTS,
      tags: ['nightly'],
    });
    const listed = await api.get('/v1.0/demo/instances');
    expect(listed.body.instances.every((instance: object) => !('tags' in instance))).toBe(true);
    expect((await api.get('/v1.0/demo/instances/nope')).status).toBe(404);
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

  test('of two extensions with the same alias, the first loaded is served and the other left out with a warning', async () => {
    const fixture = tree([
      extensionPackage(
        'ext-one',
        extensionModule(
          'SAME',
          'getResources() { return [{ collection: "same", controller: { index: () => ({ from: "one" }) } }]; }',
        ),
      ),
      extensionPackage(
        'ext-two',
        extensionModule(
          'SAME',
          'getResources() { return [{ collection: "same", controller: { index: () => ({ from: "two" }) } }]; }',
        ),
        'again',
      ),
    ]);
    const api = await start({ registry: fixture.registry });
    expect(api.service.loaded.map(({ source }) => source.kind === 'entry-point' && source.package)).toEqual([
      'ext-one',
    ]);
    expect(api.warnings).toEqual([
      {
        code: 'TROVE_DUPLICATE_EXTENSION',
        message:
          'Found duplicate extension: SAME (serving ext-one@1.0.0 (entry point ext = ./index.js:Ext); ignoring ext-two@1.0.0 (entry point again = ./index.js:Ext)): uninstall one of them or remove it from api_extensions_path',
      },
    ]);
    expect((await api.get('/same')).body).toEqual({ from: 'one' });
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

  const descriptorPath = (): string => JSON.stringify(path.join(FRAMEWORK_DIST, 'descriptor.js'));

  test('still loads each module of the folder, next to the entry points, with a deprecation warning that says how to migrate', async () => {
    const conf = legacySetup({
      // Trove's rule: widgets.js defines the class Widgets.
      'widgets.js': `const { ExtensionDescriptor } = require(${descriptorPath()});
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

  test('an alias present in both a package and the folder: the package is served, the file ignored with a warning', async () => {
    const conf = legacySetup({ 'mysql.js': extensionModule('MYSQL').replace('{ Ext }', '{ Mysql: Ext }') });
    const api = await start({ config: loadConfig(conf) });
    expect(api.service.loaded.find(({ alias }) => alias === 'MYSQL')?.source).toMatchObject({ package: 'trove-api' });
    expect(api.warnings.map(({ code }) => code)).toEqual([
      'TROVE_API_EXTENSIONS_PATH_DEPRECATED',
      'TROVE_DUPLICATE_EXTENSION',
    ]);
    expect(api.warnings[1].message).toMatch(
      /^Found duplicate extension: MYSQL \(serving trove-api@0\.1\.0 \(entry point mysql = \.\/dist\/extensions\/mysql\.js:Mysql\); ignoring .*mysql\.js \(api_extensions_path\)\)/,
    );
  });

  test('a missing folder is a start-up error naming the configuration file', () => {
    const conf = legacySetup({}, 'gone');
    const attempt = (): unknown =>
      createServer({
        config: loadConfig(conf),
        registry: new Registry({ root: COPY, cache: false }),
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

test('installing an extension package makes it appear after a restart, uninstalling it makes it go (cache on)', async () => {
  const cacheDir = tempDir();
  const fixture = tree([extensionPackage('ext-first', extensionModule('FIRST'))], { cache: true, cacheDir });
  const aliases = async (): Promise<string[]> => {
    const api = await start({ registry: new Registry({ root: fixture.root, cacheDir }) });
    const listed = (await api.get('/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
    await api.service.close();
    return listed;
  };
  expect(await aliases()).toEqual(['FIRST']);
  fixture.install(extensionPackage('@acme/trove-ext-second', extensionModule('SECOND'), 'second'));
  fixture.install(extensionPackage('trove-ext-third', extensionModule('THIRD'), 'third'));
  expect(await aliases()).toEqual(['SECOND', 'FIRST', 'THIRD']);
  // What `npm uninstall` does: the package folder goes.
  rmSync(path.join(fixture.root, 'node_modules/@acme/trove-ext-second'), { recursive: true });
  expect(await aliases()).toEqual(['FIRST', 'THIRD']);
  rmSync(path.join(fixture.root, 'node_modules/trove-ext-third'), { recursive: true });
  expect(await aliases()).toEqual(['FIRST']);
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
      cwd: COPY,
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
    // Built already: the prestart step builds, installs and compiles nothing.
    expect(stdout).not.toMatch(/trove-api: (building|installing|compiling)/);
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

  test('the prestart step (scripts/prepare.js) does only what is stale', () => {
    const check = (): string =>
      execFileSync(process.execPath, ['scripts/prepare.js', '--check'], { cwd: COPY, encoding: 'utf8' });
    expect(check()).toBe('trove-api: up to date\n');
    const source = path.join(COPY, 'src/models.ts');
    const { atime, mtime } = statSync(source);
    const later = new Date(statSync(path.join(COPY, 'dist/main.js')).mtimeMs + 60_000);
    utimesSync(source, later, later);
    try {
      expect(check()).toBe('trove-api: compiling trove-api (dist/ is missing or older than src/)\n');
    } finally {
      utimesSync(source, atime, mtime);
    }
  });
});
