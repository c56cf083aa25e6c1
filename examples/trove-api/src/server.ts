/**
 * The trove-api HTTP service: Node's own http server, the core routes, and
 * the API extensions the ExtensionManager loaded. `createServer()` builds it
 * (and throws when it must not start); `listen()` and `close()` run it.
 *
 * A request goes through these steps, each a function below: its target is
 * read from the URL (`requestTarget`); the router finds its routes, answering
 * 404 or 405 before any body is read (`route`); the body is read and parsed
 * (`runRoutes`); the first route that takes the request answers it; the
 * request extensions post-process whatever the answer is, faults included
 * (`postProcess`); and the answer is written as JSON (`send`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'stevedore-ts';
import type { TroveConfig } from './config';
import { DEFAULT_CONFIG } from './config';
import { coreRoutes } from './core';
import { parseBody, readRawBody } from './framework/body';
import { fault } from './framework/faults';
import type { ExtendedApi } from './framework/middleware';
import { buildExtendedApi, ExtensionFailure, isHttpError } from './framework/middleware';
import type { LoadedExtension, SkippedExtension, WarningSink } from './framework/manager';
import { ExtensionManager } from './framework/manager';
import type { ApiRequest, ApiResponse } from './framework/resources';
import { isResult } from './framework/resources';
import type { RouteMatch } from './framework/router';
import { matchPattern, NEXT } from './framework/router';
import { Database } from './models';

export { fault } from './framework/faults';

/** The API version this service serves, and the path prefix it is served at. */
export const API_VERSION = 'v1.0';

export interface ServerOptions {
  /** The settings (from {@link loadConfig}); missing ones take their defaults. */
  config?: Partial<TroveConfig>;
  /** Where extensions are discovered; stevedore-ts's default registry when omitted. */
  registry?: Registry;
  /** The data to serve; a fresh demo Database when omitted. */
  db?: Database;
  /** Receives the start-up warnings (skipped extensions, deprecated settings); default `process.emitWarning`. */
  warn?: WarningSink;
  /** Receives one line per request, and the stack of each handler failure; default: nothing. */
  log?: (line: string) => void;
}

export interface TroveApiServer {
  /** The http.Server (not listening until {@link listen}). */
  readonly server: http.Server;
  readonly config: TroveConfig;
  readonly manager: ExtensionManager;
  /** The data the service serves. */
  readonly db: Database;
  /** The extensions in service, in load order. */
  readonly loaded: LoadedExtension[];
  /** The extensions left out, with the reason. */
  readonly skipped: SkippedExtension[];
  /** The routes (for start-up output): method, template and the extension that added it. */
  readonly api: ExtendedApi;
  /** Starts listening on `config.bindHost:config.bindPort`; resolves to the API's base URL. */
  listen(): Promise<string>;
  /** Stops accepting requests, ends open connections, and resolves when the server is closed. */
  close(): Promise<void>;
}

/** What every request is served with. */
interface Service {
  config: TroveConfig;
  db: Database;
  manager: ExtensionManager;
  api: ExtendedApi;
  log: (line: string) => void;
}

/** Loads the extensions and builds their routes (throws when the service must not start). */
function loadService(options: ServerOptions): Service {
  const config: TroveConfig = { ...DEFAULT_CONFIG, ...options.config };
  const manager = new ExtensionManager({
    registry: options.registry,
    extensionsPath: config.apiExtensionsPath,
    configFile: config.file,
    warn: options.warn,
  });
  return {
    config,
    db: options.db ?? new Database(),
    manager,
    api: buildExtendedApi(manager, coreRoutes()),
    log: options.log ?? (() => {}),
  };
}

/** A handler error as a fault: HTTP errors as they are, anything else a 500 that is logged. */
function failure(service: Service, error: unknown, where: string): ApiResponse {
  if (isHttpError(error)) return fault(error.status, error.message);
  const detail = error instanceof ExtensionFailure ? error.cause : error;
  service.log(`error in ${where}: ${detail instanceof Error ? detail.stack : String(detail)}`);
  return fault(500, error instanceof ExtensionFailure ? error.message : 'The server could not complete the request.');
}

function toResponse(value: unknown, emptyStatus: number): ApiResponse {
  if (isResult(value)) return { status: value.status, headers: {}, body: value.data ?? undefined };
  if (value === undefined || value === null) return { status: emptyStatus, headers: {}, body: undefined };
  return { status: 200, headers: {}, body: value };
}

/** `GET /` (and `GET /v1.0/`): the API versions. */
function versions(baseUrl: string): ApiResponse {
  const version = { id: API_VERSION, status: 'CURRENT', updated: '2012-08-01T00:00:00Z' };
  return {
    status: 200,
    headers: {},
    body: { versions: [{ ...version, links: [{ href: `${baseUrl}/`, rel: 'self' }] }] },
  };
}

/** Whether the caller may use mgmt: yes, unless its roles header lists roles and none is `admin`. */
function callerIsAdmin(headers: http.IncomingHttpHeaders): boolean {
  const roles = headers['x-roles'] ?? headers['x-role'];
  if (roles === undefined) return true;
  return String(roles)
    .split(',')
    .some((role) => role.trim().toLowerCase() === 'admin');
}

/** The request as handlers see it, from the URL and headers (the body comes later, once routed). */
function requestTarget(service: Service, incoming: http.IncomingMessage): ApiRequest {
  const host = incoming.headers.host ?? `${service.config.bindHost}:${service.config.bindPort}`;
  const url = new URL(incoming.url ?? '/', `http://${host}`);
  const prefixed = url.pathname === `/${API_VERSION}` || url.pathname.startsWith(`/${API_VERSION}/`);
  const path = prefixed ? url.pathname.slice(API_VERSION.length + 1) || '/' : url.pathname;
  const tenant = /^\/([^/]+)/.exec(path)?.[1] ?? '';
  const userId = incoming.headers['x-user-id'];
  return {
    method: (incoming.method ?? 'GET').toUpperCase(),
    path,
    query: url.searchParams,
    headers: incoming.headers,
    body: undefined,
    params: {},
    context: {
      db: service.db,
      baseUrl: `${url.origin}/${API_VERSION}`,
      url: url.toString(),
      isAdmin: callerIsAdmin(incoming.headers),
      userId: typeof userId === 'string' && userId ? userId : tenant,
    },
  };
}

/** The answer when no route takes the method: 404, or 405 with the methods that do in `Allow`. */
function unrouted(method: string, match: Exclude<RouteMatch, { kind: 'routes' }>): ApiResponse {
  if (match.kind === 'not-found') return fault(404, 'The resource could not be found.');
  const response = fault(405, `The method ${method} is not allowed for this resource.`);
  response.headers.Allow = match.allowed.join(', ');
  return response;
}

/** Reads the body, then runs the matching routes in order until one takes the request. */
async function runRoutes(
  req: ApiRequest,
  incoming: http.IncomingMessage,
  match: Extract<RouteMatch, { kind: 'routes' }>,
): Promise<ApiResponse> {
  req.body = parseBody(await readRawBody(incoming), incoming.headers['content-type']);
  for (const { route, params } of match.candidates) {
    const value = await route.run({ ...req, params });
    if (value !== NEXT) return toResponse(value, route.emptyStatus);
  }
  return fault(400, 'Invalid request body: no action of this collection matches it.');
}

/** Routes the request: unknown paths and methods are answered before the body is read. */
async function route(service: Service, req: ApiRequest, incoming: http.IncomingMessage): Promise<ApiResponse> {
  const match = service.api.router.match(req.method, req.path);
  return match.kind === 'routes' ? runRoutes(req, incoming, match) : unrouted(req.method, match);
}

/**
 * Runs the request extensions whose method and route match, in load order
 * (Trove's RequestExtensionController), on any response, faults included.
 */
async function postProcess(service: Service, req: ApiRequest, response: ApiResponse): Promise<ApiResponse> {
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  for (const hook of service.api.requestHooks) {
    if (hook.method !== method) continue;
    const params = matchPattern(hook, req.path);
    if (!params) continue;
    try {
      const changed = await hook.handler({ ...req, params }, response);
      if (changed) response = changed;
    } catch (error) {
      const attributed = isHttpError(error) ? error : new ExtensionFailure(hook.owner, error);
      return failure(service, attributed, `${hook.owner} ${hook.urlRoute}`);
    }
  }
  return response;
}

/** The whole answer to one request. */
async function respond(service: Service, incoming: http.IncomingMessage): Promise<ApiResponse> {
  const req = requestTarget(service, incoming);
  if (req.path === '/' && (req.method === 'GET' || req.method === 'HEAD')) return versions(req.context.baseUrl);
  let response: ApiResponse;
  try {
    response = await route(service, req, incoming);
  } catch (error) {
    response = failure(service, error, `${req.method} ${req.path}`);
  }
  return postProcess(service, req, response);
}

/** Writes the response as JSON (Node leaves the body out for HEAD). */
function send(service: Service, res: http.ServerResponse, response: ApiResponse): void {
  let payload = '';
  try {
    payload = response.body === undefined ? '' : `${JSON.stringify(response.body)}\n`;
  } catch (error) {
    response = failure(service, new Error(`the response is not JSON: ${(error as Error).message}`), 'serialising');
    payload = `${JSON.stringify(response.body)}\n`;
  }
  const headers: Record<string, string | number> = {
    ...response.headers,
    'Content-Length': Buffer.byteLength(payload),
  };
  if (payload) headers['Content-Type'] = 'application/json; charset=UTF-8';
  res.writeHead(response.status, headers);
  res.end(payload);
}

function handle(service: Service, incoming: http.IncomingMessage, res: http.ServerResponse): void {
  respond(service, incoming)
    .catch((error: unknown) => failure(service, error, `${incoming.method} ${incoming.url}`))
    .then((response) => {
      service.log(`${incoming.socket.remoteAddress} "${incoming.method} ${incoming.url}" ${response.status}`);
      send(service, res, response);
    })
    .catch((error: unknown) => {
      service.log(`could not answer ${incoming.method} ${incoming.url}: ${String(error)}`);
      res.destroy();
    });
}

function listen(server: http.Server, config: TroveConfig): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.bindPort, config.bindHost, () => {
      server.off('error', reject);
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      resolve(`http://${host}:${port}/${API_VERSION}`);
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** Builds the service: loads the extensions and their routes. Throws when it must not start. */
export function createServer(options: ServerOptions = {}): TroveApiServer {
  const service = loadService(options);
  const server = http.createServer((incoming, res) => handle(service, incoming, res));
  const { config, manager, db, api } = service;
  return {
    server,
    config,
    manager,
    db,
    api,
    get loaded() {
      return [...manager.extensions.values()];
    },
    get skipped() {
      return [...manager.skipped];
    },
    listen: () => listen(server, config),
    close: () => close(server),
  };
}
