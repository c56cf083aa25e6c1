/**
 * A small route table in the spirit of Python Routes' `Mapper`: templates
 * with `{placeholders}`, tried in the order they were added; a route may pass
 * the request on to the next one (what Trove's action resource does when no
 * action of its own matches the body).
 */
import type { ApiRequest } from './resources';

/** What a route's `run` returns to let the next matching route handle the request. */
export const NEXT = Symbol('trove-api.next-route');

export interface Route {
  method: string;
  /** The template as written, e.g. `/{tenant_id}/instances/{id}`. */
  template: string;
  /** Who added it: an extension alias, or `core`. */
  owner: string;
  /** The status of an empty result: 204 for resources, 202 for actions. */
  emptyStatus: number;
  /**
   * Whether `Allow` lists the method (default true). A route that only ever
   * answers 404, as `POST /extensions` does in Trove, is not advertised.
   */
  advertised?: boolean;
  run(req: ApiRequest): unknown;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

/** A compiled template: the regular expression and its placeholder names. */
export interface RoutePattern {
  regex: RegExp;
  names: string[];
}

const PLACEHOLDER = /\{(\w+)\}|:\((\w+)\)|:(\w+)/g;

/** `{tenant_id}/x/:id` -> `/{tenant_id}/x/{id}`; collapses doubled and trailing slashes. */
export function normaliseTemplate(template: string): string {
  const trimmed = template
    .replace(PLACEHOLDER, (_, ...names: (string | undefined)[]) => `{${names.slice(0, 3).find(Boolean)}}`)
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/**
 * Compiles a route template. Placeholders are `{name}`, `:name` or `:(name)`
 * (Routes' spellings); each matches one path segment.
 */
export function compileTemplate(template: string): RoutePattern {
  if (typeof template !== 'string' || !template.replace(/\//g, '')) {
    throw new TypeError(`invalid route ${JSON.stringify(template)}: expected a non-empty path`);
  }
  const normalised = normaliseTemplate(template);
  const names: string[] = [];
  let source = '';
  let last = 0;
  for (const match of normalised.matchAll(PLACEHOLDER)) {
    source += escapeRegExp(normalised.slice(last, match.index));
    const name = match[1] ?? match[2] ?? match[3];
    if (names.includes(name)) throw new TypeError(`invalid route ${template}: placeholder {${name}} appears twice`);
    names.push(name);
    source += '([^/]+)';
    last = match.index + match[0].length;
  }
  source += escapeRegExp(normalised.slice(last));
  return { regex: new RegExp(`^${source}/?$`), names };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The placeholders of `path` under `pattern`, decoded; null when it does not match. */
export function matchPattern(pattern: RoutePattern, path: string): Record<string, string> | null {
  const match = pattern.regex.exec(path);
  if (!match) return null;
  const params: Record<string, string> = Object.create(null);
  pattern.names.forEach((name, index) => {
    try {
      params[name] = decodeURIComponent(match[index + 1]);
    } catch {
      throw Object.assign(new URIError(`Malformed URL: cannot decode ${JSON.stringify(match[index + 1])}`), {
        status: 400,
      });
    }
  });
  return params;
}

/** What {@link Router.match} found for a request. */
export type RouteMatch =
  | { kind: 'routes'; candidates: { route: Route; params: Record<string, string> }[] }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

export class Router {
  private readonly routes: CompiledRoute[] = [];

  /** Adds a route; throws on a malformed template. */
  add(route: Route): void {
    this.routes.push({ ...route, method: route.method.toUpperCase(), ...compileTemplate(route.template) });
  }

  /** Every route, in the order they are tried. */
  list(): readonly Route[] {
    return this.routes;
  }

  /**
   * The routes matching a request, in order; or why there are none. `HEAD`
   * is served by the `GET` routes (the server sends no body), and `Allow`
   * lists `HEAD` wherever `GET` is.
   */
  match(method: string, path: string): RouteMatch {
    const wanted = method === 'HEAD' ? 'GET' : method;
    const candidates: { route: Route; params: Record<string, string> }[] = [];
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchPattern(route, path);
      if (!params) continue;
      if (route.method === wanted) candidates.push({ route, params });
      else if (route.advertised !== false) allowed.add(route.method);
    }
    if (candidates.length) return { kind: 'routes', candidates };
    if (allowed.has('GET')) allowed.add('HEAD');
    if (allowed.size) return { kind: 'method-not-allowed', allowed: [...allowed].sort() };
    return { kind: 'not-found' };
  }
}
