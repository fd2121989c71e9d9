// Network use cases: create (with segment allocation), list, show, update,
// delete. Every write is one transaction.
import { type Selectable, sql } from 'kysely';
import { FlatNetworkInUse, InvalidInput, NetworkInUse, NetworkNotFound, NoNetworkAvailable, TunnelIdInUse } from '../domain/errors.js';
import type { NetworkView } from '../domain/network.js';
import { AUTO_DELETE_PORT_OWNERS } from '../domain/port.js';
import type { Attrs } from '../domain/resource-spec.js';
import { maxMtu, pickFreeVni, planSegment } from '../domain/segments.js';
import { formatTimestamp } from '../domain/standard-attributes.js';
import { type JsonRow, selectAsJson } from '../db/json-rows.js';
import type { NetworksTable } from '../db/schema.js';
import { lockAllocation, transact, type Tx } from '../db/transact.js';
import { owningProject, type RequestContext } from './context.js';
import type { Filters, ServiceDeps } from './deps.js';
import { applySqlFilters } from './sql-filters.js';

type NetworkRow = Selectable<NetworksTable>;

const SQL_FILTER_COLUMNS = {
  id: 'id',
  name: 'name',
  project_id: 'project_id',
  tenant_id: 'project_id',
  status: 'status',
} as const;

function toView(row: NetworkRow | JsonRow<NetworkRow>, subnets: readonly string[]): NetworkView {
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
    admin_state_up: row.admin_state_up,
    status: row.status,
    subnets,
    shared: row.shared,
    'router:external': row.router_external,
    mtu: row.mtu,
    'provider:network_type': row.network_type as NetworkView['provider:network_type'],
    'provider:physical_network': row.physical_network,
    'provider:segmentation_id': row.segmentation_id,
  };
}

/** Networks with their subnet ids in one query (see db/json-rows.ts for why JSON). */
async function selectNetworks(db: Tx | ServiceDeps['db'], filters: Filters): Promise<NetworkView[]> {
  const subnetIds = sql<string[]>`(SELECT coalesce(json_agg(s.id ORDER BY s.created_at, s.id), '[]'::json) FROM subnets s WHERE s.network_id = networks.id)`;
  const query = applySqlFilters(db.selectFrom('networks').selectAll('networks').select(subnetIds.as('subnets')), filters, SQL_FILTER_COLUMNS);
  const rows = await selectAsJson<JsonRow<NetworkRow> & { subnets: string[] }>(db, query, sql`t.created_at, t.id`);
  return rows.map((row) => toView(row, row.subnets));
}

export class NetworkService {
  readonly #deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
  }

  async list(_ctx: RequestContext, filters: Filters): Promise<NetworkView[]> {
    return selectNetworks(this.#deps.db, filters);
  }

  async get(_ctx: RequestContext, id: string): Promise<NetworkView> {
    const [view] = await selectNetworks(this.#deps.db, { id: [id] });
    if (!view) throw new NetworkNotFound(id);
    return view;
  }

  /** Creates one network or a bulk of them, all or nothing. */
  async create(ctx: RequestContext, items: readonly Attrs[]): Promise<NetworkView[]> {
    return transact(this.#deps.db, async (tx) => {
      const rows: NetworkRow[] = [];
      for (const attrs of items) rows.push(await this.insertInTx(tx, ctx, attrs));
      return rows.map((row) => toView(row, []));
    });
  }

  /** Creates one inside the caller's transaction (other services use it: HA networks, DHCP and router ports). */
  async insertInTx(tx: Tx, ctx: RequestContext, attrs: Attrs): Promise<NetworkRow> {
    const { config, clock, newId } = this.#deps;
    const segment = planSegment(
      {
        networkType: attrs['provider:network_type'] as string | undefined,
        physicalNetwork: attrs['provider:physical_network'] as string | null | undefined,
        segmentationId: attrs['provider:segmentation_id'] as number | null | undefined,
      },
      config,
    );
    const mtuLimit = maxMtu(segment.type, config.global_physnet_mtu);
    const mtu = (attrs.mtu as number | undefined) ?? mtuLimit;
    if (mtu > mtuLimit) throw new InvalidInput(`Requested MTU is too big, maximum is ${mtuLimit}`);
    let segmentationId: number | null = null;
    let physicalNetwork: string | null = null;
    if (segment.type === 'vxlan') {
      await lockAllocation(tx, 'vni');
      segmentationId = await this.#takeVni(tx, segment.vni);
    } else {
      const taken = await tx
        .selectFrom('networks')
        .select('id')
        .where('network_type', '=', 'flat')
        .where('physical_network', '=', segment.physicalNetwork)
        .executeTakeFirst();
      if (taken) throw new FlatNetworkInUse(segment.physicalNetwork);
      physicalNetwork = segment.physicalNetwork;
    }
    const now = clock();
    return tx
      .insertInto('networks')
      .values({
        id: newId(),
        project_id: owningProject(ctx, attrs.project_id),
        name: (attrs.name as string | undefined) ?? '',
        description: (attrs.description as string | undefined) ?? '',
        tags: JSON.stringify([]),
        admin_state_up: (attrs.admin_state_up as boolean | undefined) ?? true,
        status: 'ACTIVE',
        shared: (attrs.shared as boolean | undefined) ?? false,
        router_external: (attrs['router:external'] as boolean | undefined) ?? false,
        mtu,
        network_type: segment.type,
        physical_network: physicalNetwork,
        segmentation_id: segmentationId,
        created_at: now,
        updated_at: now,
        revision_number: 1,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async #takeVni(tx: Tx, wanted: number | 'allocate'): Promise<number> {
    if (wanted !== 'allocate') {
      const taken = await tx
        .selectFrom('networks')
        .select('id')
        .where('network_type', '=', 'vxlan')
        .where('segmentation_id', '=', wanted)
        .executeTakeFirst();
      if (taken) throw new TunnelIdInUse(wanted);
      return wanted;
    }
    const used = await tx
      .selectFrom('networks')
      .select('segmentation_id')
      .where('network_type', '=', 'vxlan')
      .execute();
    const vni = pickFreeVni(this.#deps.config.vni_ranges, new Set(used.map((r) => r.segmentation_id!)));
    if (vni === undefined) throw new NoNetworkAvailable();
    return vni;
  }

  async update(_ctx: RequestContext, id: string, attrs: Attrs): Promise<NetworkView> {
    return transact(this.#deps.db, async (tx) => {
      const row = await tx.selectFrom('networks').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new NetworkNotFound(id);
      if (attrs.mtu !== undefined) {
        const limit = maxMtu(row.network_type as 'vxlan' | 'flat', this.#deps.config.global_physnet_mtu);
        if ((attrs.mtu as number) > limit) throw new InvalidInput(`Requested MTU is too big, maximum is ${limit}`);
      }
      await tx
        .updateTable('networks')
        .set({
          ...(attrs.name !== undefined && { name: attrs.name as string }),
          ...(attrs.description !== undefined && { description: attrs.description as string }),
          ...(attrs.admin_state_up !== undefined && { admin_state_up: attrs.admin_state_up as boolean }),
          ...(attrs.shared !== undefined && { shared: attrs.shared as boolean }),
          ...(attrs['router:external'] !== undefined && { router_external: attrs['router:external'] as boolean }),
          ...(attrs.mtu !== undefined && { mtu: attrs.mtu as number }),
          updated_at: this.#deps.clock(),
          revision_number: row.revision_number + 1,
        })
        .where('id', '=', id)
        .execute();
      return (await selectNetworks(tx, { id: [id] }))[0]!;
    });
  }

  /** Deletes the network with its subnets and its DHCP ports; any other port keeps it in use. */
  async remove(_ctx: RequestContext, id: string): Promise<void> {
    await transact(this.#deps.db, async (tx) => {
      const row = await tx.selectFrom('networks').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new NetworkNotFound(id);
      const inUse = await tx
        .selectFrom('ports')
        .select('id')
        .where('network_id', '=', id)
        .where('device_owner', 'not in', AUTO_DELETE_PORT_OWNERS)
        .executeTakeFirst();
      if (inUse) throw new NetworkInUse(id);
      await tx.deleteFrom('ports').where('network_id', '=', id).execute();
      await tx.deleteFrom('subnets').where('network_id', '=', id).execute();
      await tx.deleteFrom('networks').where('id', '=', id).execute();
    });
  }
}
