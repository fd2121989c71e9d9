// Agents' own reports no longer wake every agent. A port's status (the L2
// agent says ACTIVE for each port it wires) and a replica's HA state (the L3
// agent reports each VRRP transition) are not in any host snapshot, yet each
// report notified every agent, which fetched its whole snapshot again: with
// hundreds of routers converging that kept the server busy building
// snapshots nobody needed. Updates of ports and l3_bindings now notify only
// when a column other than `status` / `state` really changes (a row trigger
// with UPDATE OF and WHEN; inserts and deletes notify as before).
import { type Kysely, sql } from 'kysely';

const QUIET = [
  { table: 'ports', column: 'status' },
  { table: 'l3_bindings', column: 'state' },
] as const;

export async function otherColumns(db: Kysely<any>, table: string, quiet: string): Promise<string[]> {
  const rows = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = ${table} AND column_name <> ${quiet} ORDER BY ordinal_position`.execute(db);
  return rows.rows.map((r) => r.column_name);
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const { table, column } of QUIET) {
    const columns = await otherColumns(db, table, column);
    await sql`DROP TRIGGER ${sql.id(`${table}_changed`)} ON ${sql.table(table)}`.execute(db);
    await sql`CREATE TRIGGER ${sql.id(`${table}_changed`)} AFTER INSERT OR DELETE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION hanet_notify_change()`.execute(db);
    await sql`CREATE TRIGGER ${sql.id(`${table}_updated`)} AFTER UPDATE OF ${sql.join(columns.map((c) => sql.id(c)))} ON ${sql.table(table)}
      FOR EACH ROW WHEN (${sql.join(columns.map((c) => sql`OLD.${sql.id(c)} IS DISTINCT FROM NEW.${sql.id(c)}`), sql` OR `)})
      EXECUTE FUNCTION hanet_notify_change()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const { table } of QUIET) {
    await sql`DROP TRIGGER ${sql.id(`${table}_updated`)} ON ${sql.table(table)}`.execute(db);
    await sql`DROP TRIGGER ${sql.id(`${table}_changed`)} ON ${sql.table(table)}`.execute(db);
    await sql`CREATE TRIGGER ${sql.id(`${table}_changed`)} AFTER INSERT OR UPDATE OR DELETE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION hanet_notify_change()`.execute(db);
  }
}
