// Subnet use cases. The pure rules (gateway, pools, overlap) live in
// domain/ipam.ts and domain/ip.ts; this file reads and writes the rows.
import { type Selectable, sql } from 'kysely';
import type { HostRoute } from '../domain/attributes.js';
import { InvalidInput, NetworkNotFound, SubnetInUse, SubnetNotFound } from '../domain/errors.js';
import { type Cidr, cidrLast, cidrOf, cidrsOverlap, formatIp, type IpAddress, parseCidr, parseIp } from '../domain/ip.js';
import { type AllocationPool, defaultGateway, defaultPools, toAllocationPools, validatePools } from '../domain/ipam.js';
import { AUTO_DELETE_PORT_OWNERS } from '../domain/port.js';
import type { Attrs } from '../domain/resource-spec.js';
import { formatTimestamp } from '../domain/standard-attributes.js';
import type { Ipv6Mode, SubnetView } from '../domain/subnet.js';
import { type JsonRow, selectAsJson } from '../db/json-rows.js';
import type { SubnetsTable } from '../db/schema.js';
import { transact, type Tx } from '../db/transact.js';
import { owningProject, type RequestContext } from './context.js';
import type { Filters, ServiceDeps } from './deps.js';
import { applySqlFilters } from './sql-filters.js';

type SubnetRow = Selectable<SubnetsTable>;

const SQL_FILTER_COLUMNS = {
  id: 'id',
  name: 'name',
  network_id: 'network_id',
  project_id: 'project_id',
  tenant_id: 'project_id',
  cidr: 'cidr',
} as const;

export function subnetView(row: SubnetRow | JsonRow<SubnetRow>): SubnetView {
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
    ip_version: row.ip_version as 4 | 6,
    cidr: row.cidr,
    gateway_ip: row.gateway_ip,
    // jsonb keeps keys in its own order (shortest first); Neutron's is start, end and destination, nexthop.
    allocation_pools: row.allocation_pools.map((p) => ({ start: p.start, end: p.end })),
    dns_nameservers: row.dns_nameservers,
    host_routes: row.host_routes.map((r) => ({ destination: r.destination, nexthop: r.nexthop })),
    enable_dhcp: row.enable_dhcp,
    ipv6_ra_mode: row.ipv6_ra_mode as Ipv6Mode | null,
    ipv6_address_mode: row.ipv6_address_mode as Ipv6Mode | null,
    subnetpool_id: null,
  };
}

/** The gateway a request leaves: explicit (null = none), or the default. */
function resolveGateway(cidr: Cidr, requested: string | null | undefined): IpAddress | null {
  if (requested === undefined) return defaultGateway(cidr);
  if (requested === null) return null;
  const gw = parseIp(requested)!;
  if (gw.version !== cidr.version) {
    throw new InvalidInput(`Gateway IP version ${gw.version} does not match subnet IP version ${cidr.version}`);
  }
  const isNetworkOrBroadcast = cidr.version === 4 && cidr.prefix < 31 && (gw.value === cidr.network || gw.value === cidrLast(cidr));
  if (isNetworkOrBroadcast) throw new InvalidInput('Gateway is not valid on subnet');
  return gw;
}

function resolvePools(cidr: Cidr, gateway: IpAddress | null, requested: readonly AllocationPool[] | undefined): AllocationPool[] {
  if (requested === undefined) return toAllocationPools(cidr.version, defaultPools(cidr, gateway));
  const ranges = validatePools(
    cidr,
    gateway,
    requested.map((p) => ({ start: parseIp(p.start)!, end: parseIp(p.end)! })),
  );
  return toAllocationPools(cidr.version, ranges);
}

function checkHostRoutes(version: number, routes: readonly HostRoute[] | undefined): void {
  for (const route of routes ?? []) {
    const dest = parseCidr(route.destination);
    if ((dest.ok && dest.cidr.version !== version) || parseIp(route.nexthop)!.version !== version) {
      throw new InvalidInput(`Host route ${route.destination} via ${route.nexthop} does not match the subnet IP version ${version}`);
    }
  }
}

function checkIpv6Modes(version: number, ra: Ipv6Mode | null | undefined, address: Ipv6Mode | null | undefined): void {
  for (const [name, mode] of [['ipv6_ra_mode', ra], ['ipv6_address_mode', address]] as const) {
    if (mode && version === 4) throw new InvalidInput(`${name} set to '${mode}' with ip_version set to '4', which is invalid`);
  }
  if (ra && address && ra !== address) {
    throw new InvalidInput(
      `ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${address}' is not valid. ` +
        'If both attributes are set, they must be the same value',
    );
  }
}

/** Called inside the transaction after a network's subnets changed (DHCP scheduling). */
export type SubnetsChanged = (tx: Tx, networkId: string) => Promise<void>;

export class SubnetService {
  readonly #deps: ServiceDeps;
  readonly #changed: SubnetsChanged;

  constructor(deps: ServiceDeps, changed: SubnetsChanged = async () => {}) {
    this.#deps = deps;
    this.#changed = changed;
  }

  async list(_ctx: RequestContext, filters: Filters): Promise<SubnetView[]> {
    const query = applySqlFilters(this.#deps.db.selectFrom('subnets').selectAll(), filters, SQL_FILTER_COLUMNS);
    const rows = await selectAsJson<JsonRow<SubnetRow>>(this.#deps.db, query, sql`t.created_at, t.id`);
    return rows.map(subnetView);
  }

  async get(_ctx: RequestContext, id: string): Promise<SubnetView> {
    const row = await this.#deps.db.selectFrom('subnets').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new SubnetNotFound(id);
    return subnetView(row);
  }

  async create(ctx: RequestContext, items: readonly Attrs[]): Promise<SubnetView[]> {
    return transact(this.#deps.db, async (tx) => {
      const views: SubnetView[] = [];
      for (const attrs of items) {
        const row = await this.insertInTx(tx, ctx, attrs);
        await this.#changed(tx, row.network_id);
        views.push(subnetView(row));
      }
      return views;
    });
  }

  /** Creates one inside the caller's transaction (other services use it: HA networks, DHCP and router ports). */
  async insertInTx(tx: Tx, ctx: RequestContext, attrs: Attrs): Promise<SubnetRow> {
    const networkId = attrs.network_id as string;
    // Locking the network serialises subnet creation on it, so the overlap check holds.
    const network = await tx.selectFrom('networks').select(['id', 'revision_number']).where('id', '=', networkId).forUpdate().executeTakeFirst();
    if (!network) throw new NetworkNotFound(networkId);
    const version = attrs.ip_version as 4 | 6;
    const cidrText = attrs.cidr as string;
    const cidr = cidrOf(cidrText);
    if (cidr.version !== version) throw new InvalidInput(`Invalid CIDR ${cidrText} for IP version ${version}`);
    const existing = await tx.selectFrom('subnets').select(['id', 'cidr']).where('network_id', '=', networkId).execute();
    if (existing.some((s) => cidrsOverlap(cidrOf(s.cidr), cidr))) {
      throw new InvalidInput(`Requested subnet with cidr: ${cidrText} for network: ${networkId} overlaps with another subnet`);
    }
    const gateway = resolveGateway(cidr, attrs.gateway_ip as string | null | undefined);
    const pools = resolvePools(cidr, gateway, attrs.allocation_pools as AllocationPool[] | undefined);
    const hostRoutes = (attrs.host_routes as HostRoute[] | undefined) ?? [];
    checkHostRoutes(version, hostRoutes);
    const raMode = (attrs.ipv6_ra_mode as Ipv6Mode | null | undefined) ?? null;
    const addressMode = (attrs.ipv6_address_mode as Ipv6Mode | null | undefined) ?? null;
    checkIpv6Modes(version, raMode, addressMode);
    const now = this.#deps.clock();
    await this.#bumpNetwork(tx, networkId, network.revision_number, now);
    return tx
      .insertInto('subnets')
      .values({
        id: this.#deps.newId(),
        project_id: owningProject(ctx, attrs.project_id),
        network_id: networkId,
        name: (attrs.name as string | undefined) ?? '',
        description: (attrs.description as string | undefined) ?? '',
        tags: JSON.stringify([]),
        ip_version: version,
        cidr: cidrText,
        gateway_ip: gateway && formatIp(gateway),
        allocation_pools: JSON.stringify(pools),
        dns_nameservers: JSON.stringify(attrs.dns_nameservers ?? []),
        host_routes: JSON.stringify(hostRoutes),
        enable_dhcp: (attrs.enable_dhcp as boolean | undefined) ?? true,
        ipv6_ra_mode: raMode,
        ipv6_address_mode: addressMode,
        created_at: now,
        updated_at: now,
        revision_number: 1,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** A subnet is an attribute of its network, so its changes bump the network's revision too. */
  async #bumpNetwork(tx: Tx, networkId: string, revision: number, now: Date): Promise<void> {
    await tx.updateTable('networks').set({ revision_number: revision + 1, updated_at: now }).where('id', '=', networkId).execute();
  }

  async update(_ctx: RequestContext, id: string, attrs: Attrs): Promise<SubnetView> {
    return transact(this.#deps.db, async (tx) => {
      const row = await tx.selectFrom('subnets').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new SubnetNotFound(id);
      const cidr = cidrOf(row.cidr);
      const gatewayText = attrs.gateway_ip !== undefined ? (attrs.gateway_ip as string | null) : row.gateway_ip;
      const gateway = gatewayText === null ? null : resolveGateway(cidr, gatewayText);
      const poolsRequested = (attrs.allocation_pools as AllocationPool[] | undefined) ?? row.allocation_pools;
      const pools = attrs.gateway_ip !== undefined || attrs.allocation_pools !== undefined ? resolvePools(cidr, gateway, poolsRequested) : row.allocation_pools;
      checkHostRoutes(row.ip_version, attrs.host_routes as HostRoute[] | undefined);
      const network = await tx.selectFrom('networks').select('revision_number').where('id', '=', row.network_id).forUpdate().executeTakeFirstOrThrow();
      const now = this.#deps.clock();
      await this.#bumpNetwork(tx, row.network_id, network.revision_number, now);
      const updated = await tx
        .updateTable('subnets')
        .set({
          ...(attrs.name !== undefined && { name: attrs.name as string }),
          ...(attrs.description !== undefined && { description: attrs.description as string }),
          ...(attrs.enable_dhcp !== undefined && { enable_dhcp: attrs.enable_dhcp as boolean }),
          ...(attrs.dns_nameservers !== undefined && { dns_nameservers: JSON.stringify(attrs.dns_nameservers) }),
          ...(attrs.host_routes !== undefined && { host_routes: JSON.stringify(attrs.host_routes) }),
          gateway_ip: gateway && formatIp(gateway),
          allocation_pools: JSON.stringify(pools),
          updated_at: now,
          revision_number: row.revision_number + 1,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (updated.enable_dhcp !== row.enable_dhcp) await this.#changed(tx, row.network_id);
      return subnetView(updated);
    });
  }

  /** Deletes the subnet; DHCP ports lose their address on it, any other allocation keeps it in use. */
  async remove(_ctx: RequestContext, id: string): Promise<void> {
    await transact(this.#deps.db, async (tx) => {
      const row = await tx.selectFrom('subnets').select(['id', 'network_id']).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new SubnetNotFound(id);
      const inUse = await tx
        .selectFrom('ip_allocations')
        .innerJoin('ports', 'ports.id', 'ip_allocations.port_id')
        .select('ports.id')
        .where('ip_allocations.subnet_id', '=', id)
        .where('ports.device_owner', 'not in', AUTO_DELETE_PORT_OWNERS)
        .executeTakeFirst();
      if (inUse) throw new SubnetInUse(id);
      await tx.deleteFrom('ip_allocations').where('subnet_id', '=', id).execute();
      await tx.deleteFrom('subnets').where('id', '=', id).execute();
      const network = await tx.selectFrom('networks').select('revision_number').where('id', '=', row.network_id).forUpdate().executeTakeFirstOrThrow();
      await this.#bumpNetwork(tx, row.network_id, network.revision_number, this.#deps.clock());
    });
  }
}
