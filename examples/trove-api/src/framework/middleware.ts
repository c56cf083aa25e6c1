/**
 * Turns the extensions in service into routes (Trove's
 * `ExtensionMiddleware`): `GET /extensions`, each ResourceExtension as a
 * collection, each collection with ActionExtensions as one
 * `POST /{collection}/{id}/action` route, and the RequestExtensions as
 * handlers run on the responses of the routes they match. An extension whose
 * contributions cannot be read or routed is taken out of service with a warning.
 */
import type { ExtensionDescriptorLike } from './descriptor';
import type { ExtensionManager } from './manager';
import type { ActionExtension, ApiRequest, RequestHandler } from './resources';
import { faults, HttpError, ResourceExtension } from './resources';
import type { Route, RoutePattern } from './router';
import { compileTemplate, NEXT, normaliseTemplate, Router } from './router';

/** A handler error, with the extension it came from (for the 500 fault and the log). */
export class ExtensionFailure extends Error {
  constructor(
    readonly owner: string,
    override readonly cause: unknown,
  ) {
    super(`the ${owner} extension failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ExtensionFailure';
  }
}

/** An error a handler raised on purpose: any error with a numeric `status` from 400 to 599. */
export function isHttpError(error: unknown): error is { status: number; message: string } {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599;
}

/** Runs `fn`, passing HTTP faults through and attributing any other error to `owner`. */
async function attributed(owner: string, fn: () => unknown): Promise<unknown> {
  try {
    return await fn();
  } catch (error) {
    if (isHttpError(error) || error instanceof ExtensionFailure) throw error;
    throw new ExtensionFailure(owner, error);
  }
}

/** Serves `GET /extensions` and `GET /extensions/{alias}` (Trove's ExtensionsResource). */
export class ExtensionsResource {
  constructor(private readonly manager: ExtensionManager) {}

  private translate(descriptor: ExtensionDescriptorLike): Record<string, unknown> {
    return {
      name: descriptor.getName(),
      alias: descriptor.getAlias(),
      description: descriptor.getDescription(),
      namespace: descriptor.getNamespace(),
      updated: descriptor.getUpdated(),
      links: [],
    };
  }

  index(): unknown {
    return { extensions: [...this.manager.extensions.values()].map(({ descriptor }) => this.translate(descriptor)) };
  }

  show(req: ApiRequest): unknown {
    const loaded = this.manager.extensions.get(req.params.id);
    if (!loaded) throw faults.notFound(`Extension with alias ${req.params.id} does not exist`);
    return { extension: this.translate(loaded.descriptor) };
  }
}

/** `POST /extensions` and `DELETE /extensions/{alias}`: routes in Trove that always answer 404 (not in `Allow`). */
function refusedExtensionRoutes(): Route[] {
  const refuse = (method: string, template: string, message: string): Route => ({
    method,
    template,
    owner: 'extensions',
    emptyStatus: 404,
    advertised: false,
    run: () => {
      throw new HttpError(404, message);
    },
  });
  return [
    refuse('POST', '/extensions', 'Extensions cannot be created through the API.'),
    refuse('DELETE', '/extensions/{id}', 'Extensions cannot be deleted through the API.'),
  ];
}

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);

/** The routes Python Routes' `mapper.resource()` makes, for the methods the controller has. */
const STANDARD_ACTIONS: [name: string, method: string, member: boolean][] = [
  ['index', 'GET', false],
  ['create', 'POST', false],
  ['show', 'GET', true],
  ['update', 'PUT', true],
  ['edit', 'PATCH', true],
  ['delete', 'DELETE', true],
];

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || !value)
    throw new TypeError(`${what} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function requireActions(value: unknown, what: string): [string, string][] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object') throw new TypeError(`${what} must be an object of action name -> HTTP method`);
  return Object.entries(value as Record<string, unknown>).map(([name, method]) => {
    const upper = typeof method === 'string' ? method.toUpperCase() : '';
    if (!HTTP_METHODS.has(upper))
      throw new TypeError(`${what}.${name}: ${JSON.stringify(method)} is not an HTTP method`);
    return [name, upper];
  });
}

/**
 * The routes of one ResourceExtension (read by its fields, so any object of
 * that shape will do). Throws a TypeError saying what is wrong with it.
 */
export function resourceRoutes(resource: unknown, owner: string): Route[] {
  if (typeof resource !== 'object' || resource === null) throw new TypeError('a resource must be a ResourceExtension');
  const fields = resource as Record<string, unknown>;
  const collection = requireString(fields.collection, 'ResourceExtension.collection');
  const controller = fields.controller as Record<string, unknown> | null;
  if (typeof controller !== 'object' || controller === null) {
    throw new TypeError(`resource ${collection}: the controller must be an object`);
  }
  const parent = fields.parent as { memberName?: unknown; collectionName?: unknown } | null | undefined;
  const prefix = parent
    ? `/${requireString(parent.collectionName, 'parent.collectionName')}/{${requireString(parent.memberName, 'parent.memberName')}_id}`
    : '';
  const base = normaliseTemplate(`${prefix}/${collection}`);
  const routes: (Route & { action: string })[] = [];
  const add = (method: string, template: string, action: string): void => {
    const handler = controller[action];
    if (typeof handler !== 'function') {
      throw new TypeError(`resource ${collection}: the controller has no method ${action}() for ${method} ${template}`);
    }
    compileTemplate(template);
    routes.push({
      action,
      method,
      template,
      owner,
      emptyStatus: 204,
      run: (req) => attributed(owner, () => handler.call(controller, req)),
    });
  };
  // As Routes' mapper.resource(): the first custom action of a method other
  // than GET (collections) or GET and POST (members) also answers on the
  // collection or member path itself, e.g. `PUT /users` -> update_all.
  const primaries = new Set<string>();
  for (const [action, method] of requireActions(
    fields.collectionActions,
    `resource ${collection}: collectionActions`,
  )) {
    if (method !== 'GET' && !primaries.has(`c${method}`)) {
      primaries.add(`c${method}`);
      add(method, base, action);
    }
    add(method, `${base}/${action}`, action);
  }
  for (const [action, method] of requireActions(fields.memberActions, `resource ${collection}: memberActions`)) {
    if (method !== 'GET' && method !== 'POST' && !primaries.has(`m${method}`)) {
      primaries.add(`m${method}`);
      add(method, `${base}/{id}`, action);
    } else {
      add(method, `${base}/{id}/${action}`, action);
    }
  }
  const custom = new Set(routes.map((route) => route.action));
  for (const [action, method, member] of STANDARD_ACTIONS) {
    if (typeof controller[action] === 'function' && !custom.has(action))
      add(method, member ? `${base}/{id}` : base, action);
  }
  if (!routes.length) {
    throw new TypeError(`resource ${collection}: the controller has none of index, create, show, update, edit, delete`);
  }
  return routes;
}

interface OwnedAction {
  owner: string;
  collection: string;
  actionName: string;
  handler: ActionExtension['handler'];
}

function readAction(action: unknown, owner: string): OwnedAction {
  const fields = (action ?? {}) as Record<string, unknown>;
  const collection = normaliseTemplate(requireString(fields.collection, 'ActionExtension.collection'));
  const actionName = requireString(fields.actionName, 'ActionExtension.actionName');
  if (typeof fields.handler !== 'function') throw new TypeError(`action ${actionName}: the handler must be a function`);
  compileTemplate(`${collection}/{id}/action`);
  return { owner, collection, actionName, handler: fields.handler as ActionExtension['handler'] };
}

/** A RequestExtension, compiled. */
export interface RequestHook extends RoutePattern {
  owner: string;
  method: string;
  urlRoute: string;
  handler: RequestHandler;
}

function readRequestExtension(extension: unknown, owner: string): RequestHook {
  const fields = (extension ?? {}) as Record<string, unknown>;
  const method = requireString(fields.method, 'RequestExtension.method').toUpperCase();
  if (!HTTP_METHODS.has(method)) throw new TypeError(`RequestExtension.method: ${method} is not an HTTP method`);
  const urlRoute = normaliseTemplate(requireString(fields.urlRoute, 'RequestExtension.urlRoute'));
  if (typeof fields.handler !== 'function')
    throw new TypeError(`request extension ${method} ${urlRoute}: the handler must be a function`);
  return { owner, method, urlRoute, handler: fields.handler as RequestHandler, ...compileTemplate(urlRoute) };
}

function listOf(
  descriptor: ExtensionDescriptorLike,
  method: 'getResources' | 'getActions' | 'getRequestExtensions',
): unknown[] {
  const fn = descriptor[method] as (() => unknown) | undefined;
  if (fn === undefined) return [];
  const list: unknown = fn.call(descriptor);
  if (!Array.isArray(list)) throw new TypeError(`${method}() must return an array`);
  return list;
}

/** What the service routes: the routes in the order they are tried, and the request extensions. */
export interface ExtendedApi {
  router: Router;
  requestHooks: RequestHook[];
}

/** The one route per collection that runs its ActionExtensions, or passes the request on. */
function actionRoute(collection: string, actions: OwnedAction[]): Route {
  return {
    method: 'POST',
    template: `${collection}/{id}/action`,
    owner: actions.map((action) => action.owner).join(', '),
    emptyStatus: 202,
    run: (req) => {
      const body = req.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return NEXT;
      const action = actions.find((candidate) => Object.hasOwn(body, candidate.actionName));
      if (!action) return NEXT;
      return attributed(action.owner, () => action.handler(body as Record<string, unknown>, req, req.params.id));
    },
  };
}

/**
 * Builds the routes: extension actions first (they pass on what they do not
 * handle), then `/extensions` and the extension resources, then the core
 * routes of the service.
 */
export function buildExtendedApi(manager: ExtensionManager, coreRoutes: Route[]): ExtendedApi {
  const resources: Route[] = [
    ...resourceRoutes(new ResourceExtension('extensions', new ExtensionsResource(manager)), 'extensions'),
    ...refusedExtensionRoutes(),
  ];
  const actions: OwnedAction[] = [];
  const requestHooks: RequestHook[] = [];
  for (const { alias, descriptor } of [...manager.extensions.values()]) {
    try {
      const own = {
        resources: listOf(descriptor, 'getResources').flatMap((resource) => resourceRoutes(resource, alias)),
        actions: listOf(descriptor, 'getActions').map((action) => readAction(action, alias)),
        hooks: listOf(descriptor, 'getRequestExtensions').map((hook) => readRequestExtension(hook, alias)),
      };
      resources.push(...own.resources);
      actions.push(...own.actions);
      requestHooks.push(...own.hooks);
    } catch (error) {
      manager.remove(
        alias,
        `failed to register its resources: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const router = new Router();
  const byCollection = new Map<string, OwnedAction[]>();
  for (const action of actions)
    byCollection.set(action.collection, [...(byCollection.get(action.collection) ?? []), action]);
  for (const [collection, group] of byCollection) router.add(actionRoute(collection, group));
  for (const route of [...resources, ...coreRoutes]) router.add(route);
  return { router, requestHooks };
}
