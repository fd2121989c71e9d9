// Port use cases: MAC and fixed-IP allocation on create, replacement of
// fixed_ips on update, list with the allocations joined in.
import { type Selectable, sql } from 'kysely';
import type { FixedIpRequest } from '../domain/attributes.js';
import { L3PortInUse, MacAddressInUse, NetworkNotFound, PortNotFound } from '../domain/errors.js';
import { DEVICE_OWNER, ROUTER_PORT_OWNERS } from '../domain/router.js';
import { type FixedIp, planFixedIps } from '../domain/fixed-ips.js';
import { generateMac } from '../domain/mac.js';
import type { PortView } from '../domain/port.js';
import type { Attrs } from '../domain/resource-spec.js';
import { formatTimestamp } from '../domain/standard-attributes.js';
import { type JsonRow, selectAsJson } from '../db/json-rows.js';
import type { PortsTable } from '../db/schema.js';
import { isForeignKeyViolation, transact, type Tx } from '../db/transact.js';
import { owningProject, type RequestContext } from './context.js';
import type { Filters, ServiceDeps } from './deps.js';
import { allocationRows, chooseFixedIps, IpamSession, lockNetworkIpam, replaceAllocations } from './ip-allocator.js';
import { applySqlFilters } from './sql-filters.js';

type PortRow = Selectable<PortsTable>;

const SQL_FILTER_COLUMNS = {
  id: 'ports.id',
  name: 'ports.name',
  network_id: 'ports.network_id',
  project_id: 'ports.project_id',
  tenant_id: 'ports.project_id',
  device_id: 'ports.device_id',
  device_owner: 'ports.device_owner',
  mac_address: 'ports.mac_address',
  status: 'ports.status',
  'binding:host_id': 'ports.binding_host_id',
} as const;

function toView(row: PortRow | JsonRow<PortRow>, fixedIps: readonly FixedIp[]): PortView {
  return {
    id: row.id,
    project_id: row.project_id,
    tenant_id: row.project_id,
    description: row.description,
    tags: row.tags,
    created_at: formatTimestamp(row.created_at),
    updated_at: formatTimestamp(row.updated_at),
    revision_number: row.revision_number,
    name: row.name,
    network_id: row.network_id,
    admin_state_up: row.admin_state_up,
    mac_address: row.mac_address,
    fixed_ips: fixedIps,
    device_id: row.device_id,
    device_owner: row.device_owner,
    status: row.status,
    'binding:host_id': row.binding_host_id,
    'binding:profile': row.binding_profile,
    'binding:vnic_type': row.binding_vnic_type,
    'binding:vif_type': row.binding_vif_type,
    'binding:vif_details': row.binding_vif_details,
  };
}

const PROTECTED_PORT_OWNERS: readonly string[] = [...ROUTER_PORT_OWNERS, DEVICE_OWNER.floatingIp];

export class PortService {
  readonly #deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
  }

  async list(_ctx: RequestContext, filters: Filters): Promise<PortView[]> {
    return this.#select(this.#deps.db, filters);
  }

  async get(_ctx: RequestContext, id: string): Promise<PortView> {
    return this.getInTx(this.#deps.db, id);
  }

  /** Inside a transaction every read must use it: PGlite's one connection is held by the transaction. */
  async getInTx(db: Tx | ServiceDeps['db'], id: string): Promise<PortView> {
    const [view] = await this.#select(db, { id: [id] });
    if (!view) throw new PortNotFound(id);
    return view;
  }

  /** Ports with their fixed IPs in one query (see db/json-rows.ts for why JSON). */
  async #select(db: Tx | ServiceDeps['db'], filters: Filters): Promise<PortView[]> {
    const fixedIps = sql<FixedIp[]>`(SELECT coalesce(json_agg(json_build_object('subnet_id', a.subnet_id, 'ip_address', a.ip_address) ORDER BY a.position), '[]'::json)
      FROM ip_allocations a WHERE a.port_id = ports.id)`;
    const query = applySqlFilters(db.selectFrom('ports').selectAll('ports').select(fixedIps.as('fixed_ips')), filters, SQL_FILTER_COLUMNS);
    const rows = await selectAsJson<JsonRow<PortRow> & { fixed_ips: FixedIp[] }>(db, query, sql`t.created_at, t.id`);
    return rows.map((row) => toView(row, row.fixed_ips));
  }

  async create(ctx: RequestContext, items: readonly Attrs[]): Promise<PortView[]> {
    return transact(this.#deps.db, async (tx) => {
      const views: PortView[] = [];
      for (const attrs of items) views.push(await this.insertInTx(tx, ctx, attrs));
      return views;
    });
  }

  /** Creates one inside the caller's transaction (other services use it: HA networks, DHCP and router ports). */
  async insertInTx(tx: Tx, ctx: RequestContext, attrs: Attrs, session?: IpamSession): Promise<PortView> {
    return (await this.insertManyInTx(tx, ctx, [attrs], session))[0]!;
  }

  /**
   * Creates several ports of one network with one statement (a router's HA
   * ports): each statement is a round trip into PGlite, the largest cost of
   * a port create. The network is not looked up first either: its absence
   * shows as a foreign key violation.
   */
  async insertManyInTx(tx: Tx, ctx: RequestContext, items: readonly Attrs[], session = new IpamSession(tx)): Promise<PortView[]> {
    const networkId = items[0]!.network_id as string;
    const prepared: { row: PortRow; fixedIps: FixedIp[] }[] = [];
    for (const attrs of items) prepared.push(await this.#prepare(tx, ctx, attrs, session));
    const values = prepared.map(({ row }) => ({
      ...row,
      tags: JSON.stringify(row.tags),
      binding_profile: JSON.stringify(row.binding_profile),
      binding_vif_details: JSON.stringify(row.binding_vif_details),
    }));
    const allocations = prepared.flatMap(({ row, fixedIps }) => allocationRows(row.id, row.network_id, fixedIps));
    const insert =
      allocations.length === 0
        ? tx.insertInto('ports').values(values)
        : tx
            .with('port', (db) => db.insertInto('ports').values(values).returning('id'))
            .insertInto('ip_allocations')
            .values(allocations);
    await insert.execute().catch((err: unknown) => {
      throw isForeignKeyViolation(err) ? new NetworkNotFound(networkId) : err;
    });
    return prepared.map(({ row, fixedIps }) => toView(row, fixedIps));
  }

  /** A new port's row and addresses, chosen but not written. */
  async #prepare(tx: Tx, ctx: RequestContext, attrs: Attrs, session: IpamSession): Promise<{ row: PortRow; fixedIps: FixedIp[] }> {
    const networkId = attrs.network_id as string;
    const mac = await this.#chooseMac(tx, networkId, attrs.mac_address as string | undefined);
    const ipam = await session.network(networkId);
    const plan = planFixedIps(networkId, ipam.subnets, attrs.fixed_ips as FixedIpRequest[] | undefined, []);
    const fixedIps = await chooseFixedIps(tx, { networkId, mac, plan, ipam, allocated: session.allocated });
    const now = this.#deps.clock();
    const row: PortRow = {
      id: this.#deps.newId(),
      project_id: owningProject(ctx, attrs.project_id),
      network_id: networkId,
      name: (attrs.name as string | undefined) ?? '',
      description: (attrs.description as string | undefined) ?? '',
      tags: [],
      admin_state_up: (attrs.admin_state_up as boolean | undefined) ?? true,
      status: 'DOWN',
      mac_address: mac,
      device_id: (attrs.device_id as string | undefined) ?? '',
      device_owner: (attrs.device_owner as string | undefined) ?? '',
      binding_host_id: (attrs['binding:host_id'] as string | undefined) ?? '',
      binding_profile: (attrs['binding:profile'] as Record<string, unknown> | undefined) ?? {},
      binding_vnic_type: (attrs['binding:vnic_type'] as string | undefined) ?? 'normal',
      binding_vif_type: 'unbound',
      binding_vif_details: {},
      created_at: now,
      updated_at: now,
      revision_number: 1,
    };
    return { row, fixedIps };
  }

  /**
   * A requested MAC must be free on the network. A generated one is not
   * looked up: a collision (one in 16 million per port) hits the unique index,
   * and transact() re-runs the transaction with a new random MAC.
   */
  async #chooseMac(tx: Tx, networkId: string, requested: string | undefined): Promise<string> {
    if (requested === undefined) return generateMac(this.#deps.config.base_mac, this.#deps.randomByte);
    const taken = await tx.selectFrom('ports').select('id').where('network_id', '=', networkId).where('mac_address', '=', requested).executeTakeFirst();
    if (taken) throw new MacAddressInUse(networkId, requested);
    return requested;
  }

  async update(_ctx: RequestContext, id: string, attrs: Attrs): Promise<PortView> {
    return transact(this.#deps.db, (tx) => this.updateInTx(tx, id, attrs));
  }

  /** Updates one inside the caller's transaction (e.g. a DHCP port gaining a subnet). */
  async updateInTx(tx: Tx, id: string, attrs: Attrs): Promise<PortView> {
    const row = await tx.selectFrom('ports').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw new PortNotFound(id);
    const mac = attrs.mac_address as string | undefined;
    if (mac !== undefined && mac !== row.mac_address) await this.#chooseMac(tx, row.network_id, mac);
    if (attrs.fixed_ips !== undefined) {
      const current = await tx.selectFrom('ip_allocations').select(['subnet_id', 'ip_address']).where('port_id', '=', id).orderBy('position').execute();
      const ipam = await lockNetworkIpam(tx, row.network_id);
      const plan = planFixedIps(row.network_id, ipam.subnets, attrs.fixed_ips as FixedIpRequest[], current);
      const fixedIps = await chooseFixedIps(tx, { networkId: row.network_id, mac: mac ?? row.mac_address, plan, ipam });
      await replaceAllocations(tx, id, row.network_id, fixedIps);
    }
    await tx
      .updateTable('ports')
      .set({
        ...(attrs.name !== undefined && { name: attrs.name as string }),
        ...(attrs.description !== undefined && { description: attrs.description as string }),
        ...(attrs.admin_state_up !== undefined && { admin_state_up: attrs.admin_state_up as boolean }),
        ...(mac !== undefined && { mac_address: mac }),
        ...(attrs.device_id !== undefined && { device_id: attrs.device_id as string }),
        ...(attrs.device_owner !== undefined && { device_owner: attrs.device_owner as string }),
        ...(attrs['binding:host_id'] !== undefined && { binding_host_id: attrs['binding:host_id'] as string }),
        ...(attrs['binding:profile'] !== undefined && { binding_profile: JSON.stringify(attrs['binding:profile']) }),
        ...(attrs['binding:vnic_type'] !== undefined && { binding_vnic_type: attrs['binding:vnic_type'] as string }),
        updated_at: this.#deps.clock(),
        revision_number: row.revision_number + 1,
      })
      .where('id', '=', id)
      .execute();
    const [view] = await this.#select(tx, { id: [id] });
    return view!;
  }

  async remove(_ctx: RequestContext, id: string): Promise<void> {
    await transact(this.#deps.db, async (tx) => {
      const port = await tx.selectFrom('ports').select('device_owner').where('id', '=', id).forUpdate().executeTakeFirst();
      if (!port) throw new PortNotFound(id);
      // Router and floating IP ports go with their router or floating IP, never alone.
      if (PROTECTED_PORT_OWNERS.includes(port.device_owner)) throw new L3PortInUse(id, port.device_owner);
      // A floating IP of the port stays, unassociated, as in Neutron.
      await tx.updateTable('floatingips').set({ port_id: null, fixed_ip_address: null, router_id: null }).where('port_id', '=', id).execute();
      await tx.deleteFrom('ports').where('id', '=', id).execute();
    });
  }
}
