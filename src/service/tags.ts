// The standard-attr-tag extension: tags of any tagged resource, replaced
// whole or one at a time. A change bumps the resource's revision.
import { AttributeError, toList, toStr } from '../domain/attributes.js';
import { HTTPBadRequest, type NotFound, TagNotFound } from '../domain/errors.js';
import { transact } from '../db/transact.js';
import type { ServiceDeps } from './deps.js';

export type TaggedTable = 'networks' | 'subnets' | 'ports' | 'routers' | 'floatingips';

const toTag = toStr(255);
const toTags = toList(toTag);

export function parseTag(tag: string): string {
  try {
    return toTag(tag);
  } catch (err) {
    if (err instanceof AttributeError) throw new HTTPBadRequest(`Invalid input for tags. Reason: ${err.message}.`);
    throw err;
  }
}

export function parseTagsBody(body: unknown): string[] {
  const tags = (body as { tags?: unknown } | null)?.tags;
  try {
    return [...new Set(toTags(tags))];
  } catch (err) {
    if (err instanceof AttributeError) throw new HTTPBadRequest(`Invalid input for tags. Reason: ${err.message}.`);
    throw err;
  }
}

export class TagService {
  readonly #deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
  }

  async get(table: TaggedTable, id: string, notFound: () => NotFound): Promise<string[]> {
    const row = await this.#deps.db.selectFrom(table).select('tags').where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound();
    return row.tags;
  }

  /** Applies `change` to the current tags in one transaction and returns the result. */
  async change(table: TaggedTable, id: string, notFound: () => NotFound, change: (tags: string[]) => string[]): Promise<string[]> {
    return transact(this.#deps.db, async (tx) => {
      const row = await tx.selectFrom(table).select(['tags', 'revision_number']).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw notFound();
      const tags = change([...row.tags]);
      await tx
        .updateTable(table)
        .set({ tags: JSON.stringify(tags), revision_number: row.revision_number + 1, updated_at: this.#deps.clock() })
        .where('id', '=', id)
        .execute();
      return tags;
    });
  }

  async remove(table: TaggedTable, id: string, tag: string, notFound: () => NotFound): Promise<void> {
    await this.change(table, id, notFound, (tags) => {
      if (!tags.includes(tag)) throw new TagNotFound(table.slice(0, -1), id, tag);
      return tags.filter((t) => t !== tag);
    });
  }
}
