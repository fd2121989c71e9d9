// The five routes of a Neutron collection (list, show, create incl. bulk,
// update, delete) and its /tags routes, wired once for every resource.
import type { Context, Hono } from 'hono';
import { HTTPMethodNotAllowed, type NotFound, TagNotFound } from '../domain/errors.js';
import { type Attrs, parseCreateBody, parseUpdateBody, type ResourceSpec } from '../domain/resource-spec.js';
import type { RequestContext } from '../service/context.js';
import type { Filters } from '../service/deps.js';
import { parseTag, parseTagsBody, type TaggedTable, type TagService } from '../service/tags.js';
import type { ApiEnv } from './env.js';
import { applyListQuery, parseListQuery, pickFields } from './list-query.js';
import { checkAttributes, checkWriter, isOwn, PolicyNotAuthorized, redact, type ResourcePolicy, restricted } from './policy.js';
import { readJsonBody } from './read-body.js';

export interface CollectionService<V extends { readonly id: string }> {
  list(ctx: RequestContext, filters: Filters): Promise<V[]>;
  get(ctx: RequestContext, id: string): Promise<V>;
  /** Absent for resources made otherwise (agents register): POST answers 405. */
  create?(ctx: RequestContext, items: readonly Attrs[]): Promise<V[]>;
  update(ctx: RequestContext, id: string, attrs: Attrs): Promise<V>;
  remove(ctx: RequestContext, id: string): Promise<void>;
}

export interface Collection<V extends { readonly id: string }> {
  readonly spec: ResourceSpec;
  readonly notFound: (id: string) => NotFound;
  readonly service: CollectionService<V>;
  /** The table behind the resource, for the standard-attr-tag routes. */
  readonly taggedAs?: TaggedTable;
  readonly policy: ResourcePolicy;
}

export function registerCollection<V extends { readonly id: string }>(app: Hono<ApiEnv>, tags: TagService, col: Collection<V>): void {
  const { plural, singular } = col.spec;
  const base = `/v2.0/${plural}`;

  const { policy } = col;
  type View = Record<string, unknown> & { id: string };
  const show = (ctx: RequestContext, view: V) => redact(ctx, policy, view);
  /** The resource as the caller may see it; another project's is not found (404), as in Neutron. */
  const visibleOne = async (ctx: RequestContext, id: string): Promise<V> => {
    const view = await col.service.get(ctx, id);
    if (restricted(ctx) && !(await policy.visible(ctx, view as unknown as View))) throw col.notFound(id);
    return view;
  };
  /** What the caller may change or delete: visible, and its own (a shared network is not: 403). */
  const ownedOne = async (ctx: RequestContext, id: string, action: string): Promise<void> => {
    checkWriter(ctx, action);
    const view = await visibleOne(ctx, id);
    if (restricted(ctx) && !isOwn(ctx, view as unknown as View)) throw new PolicyNotAuthorized(action);
  };

  app.get(base, async (c) => {
    const ctx = c.get('ctx');
    const url = new URL(c.req.url);
    const query = parseListQuery(url.searchParams);
    let views = await col.service.list(ctx, query.filters);
    if (restricted(ctx)) {
      const seen = await Promise.all(views.map((v) => policy.visible(ctx, v as unknown as View)));
      views = views.filter((_, i) => seen[i]).map((v) => show(ctx, v));
    }
    const page = applyListQuery(views as unknown as View[], query, url, col.notFound);
    return c.json({ [plural]: page.items, ...(page.links.length > 0 && { [`${plural}_links`]: page.links }) });
  });

  app.get(`${base}/:id`, async (c) => {
    const ctx = c.get('ctx');
    const view = show(ctx, await visibleOne(ctx, c.req.param('id')));
    const fields = c.req.queries('fields')?.flatMap((f) => f.split(',')) ?? [];
    return c.json({ [singular]: pickFields(view as unknown as Record<string, unknown>, fields) });
  });

  app.post(base, async (c) => {
    if (!col.service.create) throw new HTTPMethodNotAllowed('POST');
    const ctx = c.get('ctx');
    const { items, bulk } = parseCreateBody(col.spec, await readJsonBody(c));
    if (restricted(ctx)) {
      checkWriter(ctx, `create_${singular}`);
      for (const attrs of items) {
        checkAttributes(ctx, policy, `create_${singular}`, attrs);
        await policy.checkRefs?.(ctx, attrs);
      }
    }
    const created = (await col.service.create!(ctx, items)).map((v) => show(ctx, v));
    return c.json(bulk ? { [plural]: created } : { [singular]: created[0] }, 201);
  });

  app.put(`${base}/:id`, async (c) => {
    const ctx = c.get('ctx');
    const attrs = parseUpdateBody(col.spec, await readJsonBody(c));
    if (restricted(ctx)) {
      await ownedOne(ctx, c.req.param('id'), `update_${singular}`);
      checkAttributes(ctx, policy, `update_${singular}`, attrs);
      await policy.checkRefs?.(ctx, attrs);
    }
    const updated = await col.service.update(ctx, c.req.param('id'), attrs);
    return c.json({ [singular]: show(ctx, updated) });
  });

  app.delete(`${base}/:id`, async (c) => {
    const ctx = c.get('ctx');
    if (restricted(ctx)) await ownedOne(ctx, c.req.param('id'), `delete_${singular}`);
    await col.service.remove(ctx, c.req.param('id'));
    return c.body(null, 204);
  });

  const table = col.taggedAs;
  if (!table) return;
  const tagsOf = `${base}/:id/tags`;
  // The routes are registered with computed paths, so Hono cannot type the params.
  const idOf = (c: Context<ApiEnv>) => c.req.param('id') as string;
  const tagOf = (c: Context<ApiEnv>) => c.req.param('tag') as string;
  const missing = (c: Context<ApiEnv>) => () => col.notFound(idOf(c));

  // Tags follow their resource: seen by whoever sees it, changed by its owner.
  const guard = async (c: Context<ApiEnv>, write: boolean) => {
    const ctx = c.get('ctx');
    if (!restricted(ctx)) return;
    if (write) await ownedOne(ctx, idOf(c), `update_${singular}`);
    else await visibleOne(ctx, idOf(c));
  };
  app.use(`${tagsOf}/*`, async (c, next) => {
    await guard(c, c.req.method !== 'GET');
    await next();
  });
  app.use(tagsOf, async (c, next) => {
    await guard(c, c.req.method !== 'GET');
    await next();
  });

  app.get(tagsOf, async (c) => c.json({ tags: await tags.get(table, idOf(c), missing(c)) }));
  app.put(tagsOf, async (c) => {
    const wanted = parseTagsBody(await readJsonBody(c));
    return c.json({ tags: await tags.change(table, idOf(c), missing(c), () => wanted) });
  });
  app.delete(tagsOf, async (c) => {
    await tags.change(table, idOf(c), missing(c), () => []);
    return c.body(null, 204);
  });
  app.get(`${tagsOf}/:tag`, async (c) => {
    const current = await tags.get(table, idOf(c), missing(c));
    if (!current.includes(tagOf(c))) throw new TagNotFound(singular, idOf(c), tagOf(c));
    return c.body(null, 204);
  });
  app.put(`${tagsOf}/:tag`, async (c) => {
    const tag = parseTag(tagOf(c));
    await tags.change(table, idOf(c), missing(c), (t) => (t.includes(tag) ? t : [...t, tag]));
    return c.body(null, 201);
  });
  app.delete(`${tagsOf}/:tag`, async (c) => {
    await tags.remove(table, idOf(c), tagOf(c), missing(c));
    return c.body(null, 204);
  });
}
