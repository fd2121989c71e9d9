// Agents, routers with their ports, HA networks and VRIDs, the bindings of
// routers and networks to agents, floating IPs, and the change trigger that
// tells agents their desired state moved.
import { type Kysely, sql } from 'kysely';
import { standardColumns } from './0001-core.js';

/** Tables whose changes can alter some host's desired state. */
export const WATCHED_TABLES = ['networks', 'subnets', 'ports', 'ip_allocations', 'routers', 'router_ports', 'ha_vrids', 'l3_bindings', 'dhcp_bindings', 'floatingips'];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_type', 'text', (c) => c.notNull())
    .addColumn('binary', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('admin_state_up', 'boolean', (c) => c.notNull())
    .addColumn('availability_zone', 'text')
    .addColumn('configurations', 'jsonb', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('heartbeat_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('agents_type_host', ['agent_type', 'host'])
    .execute();

  await standardColumns(db.schema.createTable('routers'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('admin_state_up', 'boolean', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('ha', 'boolean', (c) => c.notNull())
    .addColumn('enable_snat', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('routes', 'jsonb', (c) => c.notNull())
    .execute();

  // Which ports belong to which router, and as what (interface, gateway, HA port).
  await db.schema
    .createTable('router_ports')
    .addColumn('port_id', 'text', (c) => c.primaryKey().references('ports.id').onDelete('cascade'))
    .addColumn('router_id', 'text', (c) => c.notNull().references('routers.id').onDelete('cascade'))
    .addColumn('port_type', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('router_ports_router').on('router_ports').column('router_id').execute();

  await db.schema
    .createTable('ha_networks')
    .addColumn('project_id', 'text', (c) => c.primaryKey())
    .addColumn('network_id', 'text', (c) => c.notNull().unique().references('networks.id').onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('ha_vrids')
    .addColumn('network_id', 'text', (c) => c.notNull().references('networks.id').onDelete('cascade'))
    .addColumn('vr_id', 'integer', (c) => c.notNull())
    .addColumn('router_id', 'text', (c) => c.notNull().unique().references('routers.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('ha_vrids_pk', ['network_id', 'vr_id'])
    .execute();

  await db.schema
    .createTable('l3_bindings')
    .addColumn('router_id', 'text', (c) => c.notNull().references('routers.id').onDelete('cascade'))
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('ha_port_id', 'text', (c) => c.references('ports.id').onDelete('set null'))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('standby'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('l3_bindings_pk', ['router_id', 'agent_id'])
    .execute();
  await db.schema.createIndex('l3_bindings_agent').on('l3_bindings').column('agent_id').execute();

  await db.schema
    .createTable('dhcp_bindings')
    .addColumn('network_id', 'text', (c) => c.notNull().references('networks.id').onDelete('cascade'))
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('dhcp_bindings_pk', ['network_id', 'agent_id'])
    .execute();
  await db.schema.createIndex('dhcp_bindings_agent').on('dhcp_bindings').column('agent_id').execute();

  await standardColumns(db.schema.createTable('floatingips'))
    .addColumn('floating_network_id', 'text', (c) => c.notNull().references('networks.id'))
    .addColumn('floating_port_id', 'text', (c) => c.notNull().references('ports.id'))
    .addColumn('floating_ip_address', 'text', (c) => c.notNull())
    .addColumn('port_id', 'text', (c) => c.references('ports.id'))
    .addColumn('fixed_ip_address', 'text')
    .addColumn('router_id', 'text', (c) => c.references('routers.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .execute();

  // One notification per changed table per transaction, delivered at commit
  // to every server that listens (PostgreSQL deduplicates equal payloads).
  await sql`CREATE FUNCTION hanet_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('hanet_changes', TG_TABLE_NAME); RETURN NULL; END $$`.execute(db);
  for (const table of WATCHED_TABLES) {
    await sql`CREATE TRIGGER ${sql.id(`${table}_changed`)} AFTER INSERT OR UPDATE OR DELETE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION hanet_notify_change()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['floatingips', 'dhcp_bindings', 'l3_bindings', 'ha_vrids', 'ha_networks', 'router_ports', 'routers', 'agents']) {
    await db.schema.dropTable(table).execute();
  }
  for (const table of WATCHED_TABLES.filter((t) => ['networks', 'subnets', 'ports', 'ip_allocations'].includes(t))) {
    await sql`DROP TRIGGER ${sql.id(`${table}_changed`)} ON ${sql.table(table)}`.execute(db);
  }
  await sql`DROP FUNCTION hanet_notify_change()`.execute(db);
}
