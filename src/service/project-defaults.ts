// In noauth mode no project is known from the request, yet every resource
// needs an owner (the HA network of issue 3 is named after it). The server
// makes one project id on first start and keeps it in the database.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';

const KEY = 'noauth_project_id';

export async function noauthProjectId(db: Db): Promise<string> {
  const fresh = randomUUID().replaceAll('-', '');
  await db.insertInto('hanet_meta').values({ key: KEY, value: fresh }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('hanet_meta').select('value').where('key', '=', KEY).executeTakeFirstOrThrow();
  return row.value;
}
