// Port use cases: MAC and fixed-IP allocation on create, replacement of
// fixed_ips on update, list with the allocations joined in.
import type { Selectable } from 'kysely';
import type { FixedIpRequest } from '../domain/attributes.js';
import { MacAddressGenerationFailure, MacAddressInUse, NetworkNotFound, PortNotFound } from '../domain/errors.js';
import { type FixedIp, planFixedIps } from '../domain/fixed-ips.js';
import { generateMac } from '../domain/mac.js';
import type { PortView } from '../domain/port.js';
import type { Attrs } from '../domain/resource-spec.js';
import { standardView } from '../domain/standard-attributes.js';
import type { PortsTable } from '../db/schema.js';
import { transact, type Tx } from '../db/transact.js';
import { owningProject, type RequestContext } from './context.js';
import type { Filters, ServiceDeps } from './deps.js';
import { applyFixedIpPlan, loadSubnetsForIpam } from './ip-allocator.js';
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

const MAC_ATTEMPTS = 16;

function toView(row: PortRow, fixedIps: readonly FixedIp[]): PortView {
  return {
    ...standardView(row),
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

function groupAllocations(rows: readonly { port_id: string; subnet_id: string; ip_address: string }[]): Map<string, FixedIp[]> {
  const byPort = new Map<string, FixedIp[]>();
  for (const r of rows) {
    const list = byPort.get(r.port_id) ?? [];
    list.push({ subnet_id: r.subnet_id, ip_address: r.ip_address });
    byPort.set(r.port_id, list);
  }
  return byPort;
}

export class PortService {
  readonly #deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
  }

  async list(_ctx: RequestContext, filters: Filters): Promise<PortView[]> {
    const { db } = this.#deps;
    const rows = await applySqlFilters(db.selectFrom('ports').selectAll('ports'), filters, SQL_FILTER_COLUMNS)
      .orderBy('ports.created_at')
      .orderBy('ports.id')
      .execute();
    if (rows.length === 0) return [];
    const allocations = await applySqlFilters(
      db.selectFrom('ip_allocations').innerJoin('ports', 'ports.id', 'ip_allocations.port_id'),
      filters,
      SQL_FILTER_COLUMNS,
    )
      .select(['ip_allocations.port_id', 'ip_allocations.subnet_id', 'ip_allocations.ip_address'])
      .orderBy('ip_allocations.port_id')
      .orderBy('ip_allocations.position')
      .execute();
    const byPort = groupAllocations(allocations);
    return rows.map((row) => toView(row, byPort.get(row.id) ?? []));
  }

  async get(_ctx: RequestContext, id: string): Promise<PortView> {
    return this.#load(this.#deps.db, id);
  }

  async #load(tx: Tx | ServiceDeps['db'], id: string): Promise<PortView> {
    const row = await tx.selectFrom('ports').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new PortNotFound(id);
    const allocations = await tx
      .selectFrom('ip_allocations')
      .select(['port_id', 'subnet_id', 'ip_address'])
      .where('port_id', '=', id)
      .orderBy('position')
      .execute();
    return toView(row, groupAllocations(allocations).get(id) ?? []);
  }

  async create(ctx: RequestContext, items: readonly Attrs[]): Promise<PortView[]> {
    return transact(this.#deps.db, async (tx) => {
      const views: PortView[] = [];
      for (const attrs of items) views.push(await this.#insert(tx, ctx, attrs));
      return views;
    });
  }

  async #insert(tx: Tx, ctx: RequestContext, attrs: Attrs): Promise<PortView> {
    const networkId = attrs.network_id as string;
    const network = await tx.selectFrom('networks').select('id').where('id', '=', networkId).executeTakeFirst();
    if (!network) throw new NetworkNotFound(networkId);
    const mac = await this.#chooseMac(tx, networkId, attrs.mac_address as string | undefined);
    const subnets = await loadSubnetsForIpam(tx, networkId);
    const plan = planFixedIps(networkId, subnets, attrs.fixed_ips as FixedIpRequest[] | undefined, []);
    const now = this.#deps.clock();
    const row = await tx
      .insertInto('ports')
      .values({
        id: this.#deps.newId(),
        project_id: owningProject(ctx, attrs.project_id),
        network_id: networkId,
        name: (attrs.name as string | undefined) ?? '',
        description: (attrs.description as string | undefined) ?? '',
        tags: JSON.stringify([]),
        admin_state_up: (attrs.admin_state_up as boolean | undefined) ?? true,
        status: 'DOWN',
        mac_address: mac,
        device_id: (attrs.device_id as string | undefined) ?? '',
        device_owner: (attrs.device_owner as string | undefined) ?? '',
        binding_host_id: (attrs['binding:host_id'] as string | undefined) ?? '',
        binding_profile: JSON.stringify(attrs['binding:profile'] ?? {}),
        binding_vnic_type: (attrs['binding:vnic_type'] as string | undefined) ?? 'normal',
        binding_vif_type: 'unbound',
        binding_vif_details: JSON.stringify({}),
        created_at: now,
        updated_at: now,
        revision_number: 1,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const fixedIps = await applyFixedIpPlan(tx, { portId: row.id, networkId, mac, plan });
    return toView(row, fixedIps);
  }

  async #chooseMac(tx: Tx, networkId: string, requested: string | undefined): Promise<string> {
    const inUse = async (mac: string) =>
      (await tx.selectFrom('ports').select('id').where('network_id', '=', networkId).where('mac_address', '=', mac).executeTakeFirst()) !== undefined;
    if (requested !== undefined) {
      if (await inUse(requested)) throw new MacAddressInUse(networkId, requested);
      return requested;
    }
    for (let attempt = 0; attempt < MAC_ATTEMPTS; attempt++) {
      const mac = generateMac(this.#deps.config.base_mac, this.#deps.randomByte);
      if (!(await inUse(mac))) return mac;
    }
    throw new MacAddressGenerationFailure(networkId);
  }

  async update(_ctx: RequestContext, id: string, attrs: Attrs): Promise<PortView> {
    return transact(this.#deps.db, async (tx) => {
      const row = await tx.selectFrom('ports').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new PortNotFound(id);
      const mac = attrs.mac_address as string | undefined;
      if (mac !== undefined && mac !== row.mac_address) await this.#chooseMac(tx, row.network_id, mac);
      if (attrs.fixed_ips !== undefined) {
        const current = await tx.selectFrom('ip_allocations').select(['subnet_id', 'ip_address']).where('port_id', '=', id).orderBy('position').execute();
        const subnets = await loadSubnetsForIpam(tx, row.network_id);
        const plan = planFixedIps(row.network_id, subnets, attrs.fixed_ips as FixedIpRequest[], current);
        await applyFixedIpPlan(tx, { portId: id, networkId: row.network_id, mac: mac ?? row.mac_address, plan });
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
      return this.#load(tx, id);
    });
  }

  async remove(_ctx: RequestContext, id: string): Promise<void> {
    await transact(this.#deps.db, async (tx) => {
      const deleted = await tx.deleteFrom('ports').where('id', '=', id).returning('id').executeTakeFirst();
      if (!deleted) throw new PortNotFound(id);
    });
  }
}
