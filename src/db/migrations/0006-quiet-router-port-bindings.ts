// A VRRP transition no longer wakes every agent either. When a replica
// reports active, the router's own ports (its interfaces and gateway) move
// their binding host to the master's; no host snapshot holds that (router
// ports are in snapshots by router, not by binding host), yet each such
// update notified every agent, so hundreds of routers converging kept every
// agent fetching its snapshot again. Port updates now notify when a column
// other than `status` changes, except `binding_host_id` on a router's ports.
import { type Kysely, sql } from 'kysely';
import { otherColumns } from './0005-quiet-status-updates.js';

const ROUTER_OWNED = ['network:router_interface', 'network:ha_router_replicated_interface', 'network:router_gateway'];

const changed = (columns: readonly string[]) => sql.join(columns.map((c) => sql`OLD.${sql.id(c)} IS DISTINCT FROM NEW.${sql.id(c)}`), sql` OR `);

async function recreate(db: Kysely<any>, when: ReturnType<typeof sql>): Promise<void> {
  const columns = await otherColumns(db, 'ports', 'status');
  await sql`DROP TRIGGER ports_updated ON ports`.execute(db);
  await sql`CREATE TRIGGER ports_updated AFTER UPDATE OF ${sql.join(columns.map((c) => sql.id(c)))} ON ports
    FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION hanet_notify_change()`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  const others = (await otherColumns(db, 'ports', 'status')).filter((c) => c !== 'binding_host_id');
  const ownedByRouter = sql.join(ROUTER_OWNED.map((o) => sql.lit(o)));
  await recreate(db, sql`${changed(others)} OR (OLD.binding_host_id IS DISTINCT FROM NEW.binding_host_id AND NEW.device_owner NOT IN (${ownedByRouter}))`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await recreate(db, changed(await otherColumns(db, 'ports', 'status')));
}
