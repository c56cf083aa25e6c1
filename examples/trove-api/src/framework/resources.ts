/**
 * What an extension adds to the API (trove/common/extensions.py):
 * ResourceExtension (a collection and its controller), ActionExtension (a
 * verb on `POST /{collection}/{id}/action`) and RequestExtension (a handler
 * that post-processes the response of an existing route); plus the request,
 * response and error types their handlers see.
 *
 * The service reads these objects by their fields, never with `instanceof`,
 * so an extension package may build them from its own copy of this module or
 * as plain objects of the same shape.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Database } from '../models';

/** What every handler gets about the request being served. */
export interface RequestContext {
  /** The service's data (in-memory here; Trove's database and task manager). */
  db: Database;
  /** The URL the API is served at, without a trailing slash (e.g. `http://127.0.0.1:8779/v1.0`). */
  baseUrl: string;
  /** The full URL of this request, query included (for paging links). */
  url: string;
  /**
   * Whether the caller may use the admin-only (mgmt) API. There is no
   * authentication here: every caller is an admin unless its `X-Roles` (or
   * Trove's `X-Role`) header lists roles without `admin`.
   */
  isAdmin: boolean;
  /** Who is calling: the `X-User-Id` header, else the tenant of the URL (recorded in root history). */
  userId: string;
}

/** One API request, as controllers and handlers see it. */
export interface ApiRequest {
  method: string;
  /** The path below the API root (`/v1.0` removed), e.g. `/demo/instances`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when there is none). */
  body: unknown;
  /** The route's `{placeholders}`, decoded: `tenant_id`, `id`, `instance_id`, ... */
  params: Record<string, string>;
  context: RequestContext;
}

/** A response before it is serialised; request extensions may change it. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON-serialisable data, or undefined for no body. */
  body: unknown;
}

/** A controller: its method names are the route actions (`index`, `show`, `create`, ...). */
export type Controller = object;

/** A controller method: returns the body (status 200), a {@link Result}, or nothing (204). */
export type ControllerMethod = (req: ApiRequest) => unknown;

const RESULT = Symbol.for('trove-api.Result');

/** A body with a status (Trove's `wsgi.Result`). */
export class Result {
  declare readonly [RESULT]: true;
  /**
   * @param data The JSON body, or null/undefined for none.
   * @param status The HTTP status.
   */
  constructor(
    readonly data: unknown,
    readonly status = 200,
  ) {}
}
Object.defineProperty(Result.prototype, RESULT, { value: true });

/** Whether `value` is a Result from any copy of this module. */
export function isResult(value: unknown): value is Result {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RESULT] === true;
}

/** An error that becomes a JSON fault with its HTTP status (any error with a numeric `status` 400-599 does). */
export class HttpError extends Error {
  /**
   * @param status The HTTP status, 400-599.
   * @param message What the client is told.
   */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Shorthands for the faults controllers raise. */
export const faults = {
  badRequest: (message: string) => new HttpError(400, message),
  notFound: (message: string) => new HttpError(404, message),
  conflict: (message: string) => new HttpError(409, message),
  unprocessable: (message: string) => new HttpError(422, message),
};

/** A resource's parent, making its routes `/{collectionName}/{<memberName>_id}/{collection}`. */
export interface ResourceParent {
  memberName: string;
  collectionName: string;
}

/** The options of a {@link ResourceExtension}. */
export interface ResourceOptions {
  /** The parent collection the resource lives under. */
  parent?: ResourceParent;
  /** Extra routes on the collection: action name -> HTTP method (`/{collection}/{action}`). */
  collectionActions?: Record<string, string>;
  /** Extra routes on each member: action name -> HTTP method (`/{collection}/{id}/{action}`). */
  memberActions?: Record<string, string>;
}

/**
 * A new collection: `GET /{collection}` (index), `POST` (create),
 * `GET|PUT|PATCH|DELETE /{collection}/{id}` (show, update, edit, delete),
 * for the methods the controller has, plus the custom actions.
 */
export class ResourceExtension {
  readonly parent: ResourceParent | null;
  readonly collectionActions: Record<string, string>;
  readonly memberActions: Record<string, string>;

  /**
   * @param collection The collection path, with `{placeholders}`, e.g. `{tenant_id}/mgmt/instances`.
   * @param controller The object whose methods serve the routes.
   * @param options Parent and custom actions.
   */
  constructor(
    readonly collection: string,
    readonly controller: Controller,
    { parent, collectionActions = {}, memberActions = {} }: ResourceOptions = {},
  ) {
    this.parent = parent ?? null;
    this.collectionActions = collectionActions;
    this.memberActions = memberActions;
  }
}

/** Handles one action: `(body, req, id)`; returns the body, a Result, or nothing (202 Accepted). */
export type ActionHandler = (body: Record<string, unknown>, req: ApiRequest, id: string) => unknown;

/** A verb on an existing collection: `POST /{collection}/{id}/action` with `{"<actionName>": {...}}`. */
export class ActionExtension {
  /**
   * @param collection The collection path, e.g. `{tenant_id}/instances`.
   * @param actionName The key of the request body that selects this action.
   * @param handler What runs it.
   */
  constructor(
    readonly collection: string,
    readonly actionName: string,
    readonly handler: ActionHandler,
  ) {}
}

/** Post-processes a response: returns the response to send (or nothing to keep the one it changed). */
export type RequestHandler = (req: ApiRequest, res: ApiResponse) => ApiResponse | void | Promise<ApiResponse | void>;

/** A handler run on the response of every request matching `method` and `urlRoute`. */
export class RequestExtension {
  /** `METHOD-route`, one per route (Trove's `key`). */
  readonly key: string;

  /**
   * @param method The HTTP method, e.g. `GET`.
   * @param urlRoute The route, with `{placeholders}`, e.g. `/{tenant_id}/instances/{id}`.
   * @param handler What post-processes the response.
   */
  constructor(
    readonly method: string,
    readonly urlRoute: string,
    readonly handler: RequestHandler,
  ) {
    this.key = `${method}-${urlRoute}`;
  }
}
