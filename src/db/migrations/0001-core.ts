// Networks, subnets, ports and their IP allocations.
import { type CreateTableBuilder, type Kysely, sql } from 'kysely';

/** The standard attributes (standard-attr-*, project-id) every resource table has. */
export function standardColumns(table: CreateTableBuilder<string, never>): CreateTableBuilder<string, string> {
  return table
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull().defaultTo(0));
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hanet_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await standardColumns(db.schema.createTable('networks'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('admin_state_up', 'boolean', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('shared', 'boolean', (c) => c.notNull())
    .addColumn('router_external', 'boolean', (c) => c.notNull())
    .addColumn('mtu', 'integer', (c) => c.notNull())
    .addColumn('network_type', 'text', (c) => c.notNull())
    .addColumn('physical_network', 'text')
    .addColumn('segmentation_id', 'integer')
    .execute();
  // One tenant network per VNI, one flat network per physical network.
  await sql`CREATE UNIQUE INDEX networks_vni ON networks (segmentation_id) WHERE network_type = 'vxlan'`.execute(db);
  await sql`CREATE UNIQUE INDEX networks_flat ON networks (physical_network) WHERE network_type = 'flat'`.execute(db);

  await standardColumns(db.schema.createTable('subnets'))
    .addColumn('network_id', 'text', (c) => c.notNull().references('networks.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('cidr', 'text', (c) => c.notNull())
    .addColumn('gateway_ip', 'text')
    .addColumn('allocation_pools', 'jsonb', (c) => c.notNull())
    .addColumn('dns_nameservers', 'jsonb', (c) => c.notNull())
    .addColumn('host_routes', 'jsonb', (c) => c.notNull())
    .addColumn('enable_dhcp', 'boolean', (c) => c.notNull())
    .addColumn('ipv6_ra_mode', 'text')
    .addColumn('ipv6_address_mode', 'text')
    .execute();
  await db.schema.createIndex('subnets_network').on('subnets').column('network_id').execute();

  await standardColumns(db.schema.createTable('ports'))
    .addColumn('network_id', 'text', (c) => c.notNull().references('networks.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('admin_state_up', 'boolean', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('mac_address', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('device_owner', 'text', (c) => c.notNull())
    .addColumn('binding_host_id', 'text', (c) => c.notNull())
    .addColumn('binding_profile', 'jsonb', (c) => c.notNull())
    .addColumn('binding_vnic_type', 'text', (c) => c.notNull())
    .addColumn('binding_vif_type', 'text', (c) => c.notNull())
    .addColumn('binding_vif_details', 'jsonb', (c) => c.notNull())
    .addUniqueConstraint('ports_network_mac', ['network_id', 'mac_address'])
    .execute();
  await db.schema.createIndex('ports_device').on('ports').column('device_id').execute();

  await db.schema
    .createTable('ip_allocations')
    .addColumn('port_id', 'text', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('subnet_id', 'text', (c) => c.notNull().references('subnets.id'))
    .addColumn('network_id', 'text', (c) => c.notNull())
    .addColumn('ip_address', 'text', (c) => c.notNull())
    // Keeps fixed_ips in the order the client asked for them.
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('ip_allocations_pk', ['subnet_id', 'ip_address'])
    .execute();
  await db.schema.createIndex('ip_allocations_port').on('ip_allocations').column('port_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['ip_allocations', 'ports', 'subnets', 'networks', 'hanet_meta']) {
    await db.schema.dropTable(table).execute();
  }
}
