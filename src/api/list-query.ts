// Neutron's list semantics on already-rendered resources: attribute filters
// (repeatable, booleans as strings, fixed_ips=ip_address=X, tags*), sorting,
// limit/marker pagination with links, and fields= projection. Pure.
import { toBoolean } from '../domain/attributes.js';
import { BadRequest, HTTPBadRequest, type NotFound } from '../domain/errors.js';
import type { Filters } from '../service/deps.js';

type View = Readonly<Record<string, unknown>> & { readonly id: string };

const RESERVED = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any']);

export interface ListQuery {
  readonly filters: Filters;
  readonly fields: readonly string[];
  readonly sort: readonly { key: string; dir: 'asc' | 'desc' }[];
  readonly limit?: number;
  readonly marker?: string;
  readonly pageReverse: boolean;
  readonly tags: { readonly all: string[]; readonly any: string[]; readonly notAll: string[]; readonly notAny: string[] };
}

function collect(params: URLSearchParams, key: string): string[] {
  return params.getAll(key);
}

function tagList(params: URLSearchParams, key: string): string[] {
  return params.getAll(key).flatMap((v) => v.split(',')).filter(Boolean);
}

export function parseListQuery(params: URLSearchParams): ListQuery {
  const filters: Record<string, string[]> = {};
  for (const key of new Set(params.keys())) {
    if (!RESERVED.has(key)) filters[key] = collect(params, key);
  }
  const keys = collect(params, 'sort_key');
  const dirs = collect(params, 'sort_dir');
  if (dirs.length > 0 && dirs.length !== keys.length) {
    throw new HTTPBadRequest('The number of sort_keys and sort_dirs must be same');
  }
  const sort = keys.map((key, i) => {
    const dir = (dirs[i] ?? 'asc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw new HTTPBadRequest(`${dirs[i]} is an invalid value for sort_dir, valid values are 'asc' and 'desc'`);
    return { key, dir: dir as 'asc' | 'desc' };
  });
  const limitText = params.get('limit');
  let limit: number | undefined;
  if (limitText !== null) {
    limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    if (!Number.isSafeInteger(limit)) throw new BadRequest('limit', `Limit must be an integer 0 or greater and not '${limitText}'`);
    if (limit === 0) limit = undefined;
  }
  let pageReverse = false;
  const reverseText = params.get('page_reverse');
  if (reverseText !== null) {
    try {
      pageReverse = toBoolean(reverseText);
    } catch {
      throw new HTTPBadRequest(`Invalid input for page_reverse. Reason: '${reverseText}' cannot be converted to boolean.`);
    }
  }
  return {
    filters,
    fields: collect(params, 'fields').flatMap((f) => f.split(',')).filter(Boolean),
    sort,
    limit,
    marker: params.get('marker') ?? undefined,
    pageReverse,
    tags: {
      all: tagList(params, 'tags'),
      any: tagList(params, 'tags-any'),
      notAll: tagList(params, 'not-tags'),
      notAny: tagList(params, 'not-tags-any'),
    },
  };
}

function matchesValue(actual: unknown, wanted: readonly string[]): boolean {
  if (typeof actual === 'boolean') {
    return wanted.some((w) => {
      try {
        return toBoolean(w) === actual;
      } catch {
        return false;
      }
    });
  }
  if (typeof actual === 'number') return wanted.some((w) => Number(w) === actual);
  if (actual === null) return wanted.some((w) => w === '' || w === 'None');
  if (typeof actual === 'string') return wanted.includes(actual);
  if (Array.isArray(actual) && actual.every((x) => typeof x === 'string')) return wanted.some((w) => actual.includes(w));
  return true;
}

/** fixed_ips=ip_address=X&fixed_ips=subnet_id=Y: some fixed IP has one of the addresses and one of the subnets. */
function matchesFixedIps(actual: unknown, wanted: readonly string[]): boolean {
  const want: Record<string, string[]> = { ip_address: [], subnet_id: [] };
  for (const w of wanted) {
    const eq = w.indexOf('=');
    const key = eq < 0 ? '' : w.slice(0, eq);
    if (key in want) want[key]!.push(w.slice(eq + 1));
  }
  const ips = actual as readonly { ip_address: string; subnet_id: string }[];
  return ips.some(
    (ip) =>
      (want.ip_address!.length === 0 || want.ip_address!.includes(ip.ip_address)) &&
      (want.subnet_id!.length === 0 || want.subnet_id!.includes(ip.subnet_id)),
  );
}

function matchesTags(tags: readonly string[], q: ListQuery['tags']): boolean {
  if (q.all.length > 0 && !q.all.every((t) => tags.includes(t))) return false;
  if (q.any.length > 0 && !q.any.some((t) => tags.includes(t))) return false;
  if (q.notAll.length > 0 && q.notAll.every((t) => tags.includes(t))) return false;
  if (q.notAny.length > 0 && q.notAny.some((t) => tags.includes(t))) return false;
  return true;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export interface ListPage<V> {
  readonly items: readonly Partial<V>[];
  readonly links: readonly { rel: 'next' | 'previous'; href: string }[];
}

/**
 * Filters, sorts, pages and projects `views`. `url` is the request's own URL,
 * from which the next/previous links are built.
 */
export function applyListQuery<V extends View>(views: readonly V[], query: ListQuery, url: URL, notFound: (id: string) => NotFound): ListPage<V> {
  let items = views.filter((v) => {
    for (const [key, wanted] of Object.entries(query.filters)) {
      if (!(key in v)) continue; // Neutron ignores unknown filters
      const ok = key === 'fixed_ips' ? matchesFixedIps(v[key], wanted) : matchesValue(v[key], wanted);
      if (!ok) return false;
    }
    return matchesTags((v.tags as readonly string[] | undefined) ?? [], query.tags);
  });

  if (query.sort.length > 0) {
    const sample = views[0];
    for (const { key } of query.sort) {
      if (sample && !(key in sample)) throw new HTTPBadRequest(`${key} is an invalid attribute for sort_keys`);
    }
    const keys = [...query.sort, ...(query.sort.some((s) => s.key === 'id') ? [] : [{ key: 'id', dir: 'asc' as const }])];
    items = [...items].sort((a, b) => {
      for (const { key, dir } of keys) {
        const c = compare(a[key], b[key]);
        if (c !== 0) return dir === 'asc' ? c : -c;
      }
      return 0;
    });
  }

  const links: { rel: 'next' | 'previous'; href: string }[] = [];
  if (query.marker !== undefined || query.limit !== undefined) {
    let start = 0;
    let end = items.length;
    if (query.marker !== undefined) {
      const at = items.findIndex((v) => v.id === query.marker);
      if (at < 0) throw notFound(query.marker);
      if (query.pageReverse) end = at;
      else start = at + 1;
    }
    if (query.limit !== undefined) {
      if (query.pageReverse) start = Math.max(start, end - query.limit);
      else end = Math.min(end, start + query.limit);
    }
    const page = items.slice(start, end);
    const more = query.pageReverse ? start > 0 : end < items.length;
    const hasBefore = query.pageReverse ? end < items.length : start > 0;
    const link = (marker: string, reverse: boolean) => {
      const next = new URL(url);
      next.searchParams.set('marker', marker);
      if (reverse) next.searchParams.set('page_reverse', 'True');
      else next.searchParams.delete('page_reverse');
      return next.toString();
    };
    if (page.length > 0) {
      if (query.limit !== undefined && more) links.push({ rel: 'next', href: link(page[page.length - 1]!.id, query.pageReverse) });
      if (hasBefore) links.push({ rel: 'previous', href: link(page[0]!.id, !query.pageReverse) });
    }
    items = page;
  }

  return { items: query.fields.length > 0 ? items.map((v) => pickFields(v, query.fields)) : items, links };
}

export function pickFields<V extends Readonly<Record<string, unknown>>>(view: V, fields: readonly string[]): Partial<V> {
  if (fields.length === 0) return view;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in view) out[f] = view[f];
  return out as Partial<V>;
}
