/**
 * The trove-api HTTP service: Node's own http server, the core routes, and
 * the API extensions the ExtensionManager loaded. `createServer()` builds it
 * (and throws when it must not start); `listen()` and `close()` run it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'stevedore-ts';
import type { TroveConfig } from './config';
import { DEFAULT_CONFIG } from './config';
import { coreRoutes } from './core';
import type { ExtendedApi } from './framework/middleware';
import { buildExtendedApi, ExtensionFailure, isHttpError } from './framework/middleware';
import type { LoadedExtension, SkippedExtension, WarningSink } from './framework/manager';
import { ExtensionManager } from './framework/manager';
import type { ApiRequest, ApiResponse } from './framework/resources';
import { isResult } from './framework/resources';
import { matchPattern, NEXT } from './framework/router';
import { Database } from './models';

/** The API version this service serves, and the path prefix it is served at. */
export const API_VERSION = 'v1.0';
const MAX_BODY_BYTES = 1024 * 1024;

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

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  422: 'unprocessableEntity',
  500: 'instanceFault',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** A Trove fault body: `{"itemNotFound": {"code": 404, "message": "..."}}`. */
export function fault(status: number, message: string): ApiResponse {
  const name = FAULT_NAMES[status] ?? (status < 500 ? 'badRequest' : 'instanceFault');
  return { status, headers: {}, body: { [name]: { code: status, message } } };
}

function toResponse(value: unknown, emptyStatus: number): ApiResponse {
  if (isResult(value)) return { status: value.status, headers: {}, body: value.data ?? undefined };
  if (value === undefined || value === null) return { status: emptyStatus, headers: {}, body: undefined };
  return { status: 200, headers: {}, body: value };
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return reject(Object.assign(new Error('Request body too large.'), { status: 413 }));
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(Object.assign(new Error(`Malformed request body: ${(error as Error).message}`), { status: 400 }));
      }
    });
  });
}

function versions(baseUrl: string): ApiResponse {
  return {
    status: 200,
    headers: {},
    body: {
      versions: [
        {
          id: API_VERSION,
          status: 'CURRENT',
          updated: '2012-08-01T00:00:00Z',
          links: [{ href: `${baseUrl}/`, rel: 'self' }],
        },
      ],
    },
  };
}

/** Builds the service: loads the extensions and their routes. Throws when it must not start. */
export function createServer(options: ServerOptions = {}): TroveApiServer {
  const config: TroveConfig = { ...DEFAULT_CONFIG, ...options.config };
  const log = options.log ?? (() => {});
  const db = options.db ?? new Database();
  const manager = new ExtensionManager({
    registry: options.registry,
    extensionsPath: config.apiExtensionsPath,
    configFile: config.file,
    warn: options.warn,
  });
  const api = buildExtendedApi(manager, coreRoutes());

  const failure = (error: unknown, where: string): ApiResponse => {
    if (isHttpError(error)) return fault(error.status, error.message);
    const detail = error instanceof ExtensionFailure ? error.cause : error;
    log(`error in ${where}: ${detail instanceof Error ? detail.stack : String(detail)}`);
    return fault(500, error instanceof ExtensionFailure ? error.message : 'The server could not complete the request.');
  };

  async function dispatch(req: ApiRequest): Promise<ApiResponse> {
    const match = api.router.match(req.method, req.path);
    if (match.kind === 'not-found') return fault(404, 'The resource could not be found.');
    if (match.kind === 'method-not-allowed') {
      const response = fault(405, `The method ${req.method} is not allowed for this resource.`);
      response.headers.Allow = match.allowed.join(', ');
      return response;
    }
    for (const { route, params } of match.candidates) {
      const value = await route.run({ ...req, params });
      if (value !== NEXT) return toResponse(value, route.emptyStatus);
    }
    return fault(400, 'Invalid request body: no action of this collection matches it.');
  }

  /** Runs the request extensions whose route matches, in load order (Trove's RequestExtensionController). */
  async function postProcess(req: ApiRequest, response: ApiResponse): Promise<ApiResponse> {
    for (const hook of api.requestHooks) {
      if (hook.method !== req.method) continue;
      const params = matchPattern(hook, req.path);
      if (!params) continue;
      try {
        const changed = await hook.handler({ ...req, params }, response);
        if (changed) response = changed;
      } catch (error) {
        return failure(
          isHttpError(error) ? error : new ExtensionFailure(hook.owner, error),
          `${hook.owner} ${hook.urlRoute}`,
        );
      }
    }
    return response;
  }

  async function respond(incoming: http.IncomingMessage): Promise<ApiResponse> {
    const url = new URL(incoming.url ?? '/', 'http://localhost');
    const baseUrl = `http://${incoming.headers.host ?? `${config.bindHost}:${config.bindPort}`}`;
    const prefixed = url.pathname === `/${API_VERSION}` || url.pathname.startsWith(`/${API_VERSION}/`);
    const path = prefixed ? url.pathname.slice(API_VERSION.length + 1) || '/' : url.pathname;
    const method = (incoming.method ?? 'GET').toUpperCase();
    if (path === '/' && method === 'GET') return versions(`${baseUrl}/${API_VERSION}`);
    const req: ApiRequest = {
      method,
      path,
      query: url.searchParams,
      headers: incoming.headers,
      body: await readBody(incoming),
      params: {},
      context: { db, baseUrl: `${baseUrl}/${API_VERSION}` },
    };
    let response: ApiResponse;
    try {
      response = await dispatch(req);
    } catch (error) {
      response = failure(error, `${method} ${path}`);
    }
    return postProcess(req, response);
  }

  function send(res: http.ServerResponse, response: ApiResponse): void {
    let payload = '';
    try {
      payload = response.body === undefined ? '' : `${JSON.stringify(response.body)}\n`;
    } catch (error) {
      response = failure(new Error(`the response is not JSON: ${(error as Error).message}`), 'serialising a response');
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

  const server = http.createServer((incoming, res) => {
    respond(incoming)
      .catch((error: unknown) => failure(error, `${incoming.method} ${incoming.url}`))
      .then((response) => {
        log(`${incoming.socket.remoteAddress} "${incoming.method} ${incoming.url}" ${response.status}`);
        send(res, response);
      })
      .catch((error: unknown) => {
        log(`could not answer ${incoming.method} ${incoming.url}: ${String(error)}`);
        res.destroy();
      });
  });

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
    listen: () =>
      new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.bindPort, config.bindHost, () => {
          server.off('error', reject);
          const { address, port } = server.address() as AddressInfo;
          const host = address.includes(':') ? `[${address}]` : address;
          resolve(`http://${host}:${port}/${API_VERSION}`);
        });
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
