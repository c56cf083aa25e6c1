/**
 * `limit` and `marker` paging, as Trove pages its lists: a page holds at most
 * `limit` items (never more than the page size), and when more follow, the
 * body carries `"links": [{"rel": "next", "href": "<this URL with ?marker=...>"}]`.
 */
import type { ApiRequest } from './resources';
import { HttpError } from './resources';

/** Trove's default page size (`users_page_size`, `databases_page_size`, `instances_page_size`). */
export const PAGE_SIZE = 20;

/**
 * The `limit` query parameter: a positive integer, the page size when absent.
 * Trove caps it at the page size, except for the mgmt instance list (`capped` false).
 */
export function pageLimit(req: ApiRequest, { capped = true } = {}): number {
  const raw = req.query.get('limit');
  if (raw === null || raw === '') return PAGE_SIZE;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new HttpError(400, `Invalid limit ${JSON.stringify(raw)}: expected a positive integer.`);
  }
  return capped ? Math.min(Number(raw), PAGE_SIZE) : Number(raw);
}

/** The `marker` query parameter, or null. */
export function pageMarker(req: ApiRequest): string | null {
  const raw = req.query.get('marker');
  return raw === null || raw === '' ? null : raw;
}

/**
 * One page of `items` ordered by `key`: those after `marker` (exclusive),
 * at most `limit`; `next` is the key of the page's last item when more follow.
 */
export function pageByKey<T>(
  items: T[],
  key: (item: T) => string,
  limit: number,
  marker: string | null,
): { page: T[]; next: string | null } {
  const ordered = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const after = marker === null ? ordered : ordered.filter((item) => key(item) > marker);
  const page = after.slice(0, limit);
  return { page, next: after.length > limit ? key(page[page.length - 1]) : null };
}

/** `{<name>: items}`, plus the `next` link when another page follows (Trove's SimplePaginatedDataView). */
export function pagedBody(
  req: ApiRequest,
  name: string,
  items: unknown[],
  next: string | null,
): Record<string, unknown> {
  if (next === null) return { [name]: items };
  const url = new URL(req.context.url);
  url.searchParams.set('marker', next);
  return { [name]: items, links: [{ rel: 'next', href: url.toString() }] };
}
