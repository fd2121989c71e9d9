// Floating IP use cases, with Neutron's rules (neutron/db/l3_db.py): create
// allocates the address as a hidden network:floatingip port on the external
// network; association maps it to one fixed IPv4 address of an internal port,
// through a router with an interface on that address's subnet and its gateway
// on the floating network; delete takes the hidden port with it.
import { type Selectable, sql } from 'kysely';
import {
  BadRequest,
  ExternalGatewayForFloatingIPNotFound,
  FloatingIPNotFound,
  ExternalIpAddressExhausted,
  FloatingIPPortAlreadyAssociated,
  NetworkNotFound,
  PortNotFound,
} from '../domain/errors.js';
import type { FixedIpRequest } from '../domain/attributes.js';
import type { FloatingIpPortDetails, FloatingIpView } from '../domain/floatingip.js';
import type { FixedIp } from '../domain/fixed-ips.js';
import { parseIp } from '../domain/ip.js';
import type { PortView } from '../domain/port.js';
import type { Attrs } from '../domain/resource-spec.js';
import { DEVICE_OWNER } from '../domain/router.js';
import { formatTimestamp } from '../domain/standard-attributes.js';
import { type JsonRow, selectAsJson } from '../db/json-rows.js';
import type { FloatingIpsTable } from '../db/schema.js';
import { transact, type Tx } from '../db/transact.js';
import { owningProject, type RequestContext, SYSTEM_CONTEXT } from './context.js';
import type { Filters, ServiceDeps } from './deps.js';
import type { PortService } from './ports.js';
import { applySqlFilters } from './sql-filters.js';

type FloatingIpRow = Selectable<FloatingIpsTable>;
type Db = Tx | ServiceDeps['db'];

const SQL_FILTER_COLUMNS = {
  id: 'floatingips.id',
  project_id: 'floatingips.project_id',
  tenant_id: 'floatingips.project_id',
  floating_network_id: 'floatingips.floating_network_id',
  floating_ip_address: 'floatingips.floating_ip_address',
  port_id: 'floatingips.port_id',
  fixed_ip_address: 'floatingips.fixed_ip_address',
  router_id: 'floatingips.router_id',
  status: 'floatingips.status',
} as const;

/** Columns that may be NULL, which the API layer matches with '' or 'None'. */
const NULLABLE_FILTERS: readonly string[] = ['port_id', 'fixed_ip_address', 'router_id'];

interface Association {
  readonly port_id: string | null;
  readonly fixed_ip_address: string | null;
  readonly router_id: string | null;
}

/** What association needs of a floating IP, stored or about to be. */
interface FloatingIpState extends Association {
  readonly id: string;
  readonly project_id: string;
  readonly floating_network_id: string;
}

const NO_ASSOCIATION: Association = { port_id: null, fixed_ip_address: null, router_id: null };

function toView(row: JsonRow<FloatingIpRow>, portDetails: FloatingIpPortDetails | null): FloatingIpView {
  return {
    id: row.id,
    project_id: row.project_id,
    tenant_id: row.project_id,
    description: row.description,
    tags: row.tags,
    created_at: formatTimestamp(row.created_at),
    updated_at: formatTimestamp(row.updated_at),
    revision_number: row.revision_number,
    floating_network_id: row.floating_network_id,
    floating_ip_address: row.floating_ip_address,
    router_id: row.router_id,
    port_id: row.port_id,
    fixed_ip_address: row.fixed_ip_address,
    status: row.status,
    port_details: portDetails,
  };
}

/**
 * The filters SQL can apply without losing rows: `?port_id=None` asks for
 * NULLs, which `IN ('None')` would drop, so such a filter is left to the API
 * layer (which applies every filter again anyway).
 */
function pushableFilters(filters: Filters): Filters {
  const out: Record<string, readonly string[]> = {};
  for (const [key, values] of Object.entries(filters)) {
    if (NULLABLE_FILTERS.includes(key) && values.some((v) => v === '' || v === 'None')) continue;
    out[key] = values;
  }
  return out;
}

/** Floating IPs with their port details in one query (see db/json-rows.ts for why JSON). */
async function selectFloatingIps(db: Db, filters: Filters): Promise<FloatingIpView[]> {
  const portDetails = sql<FloatingIpPortDetails | null>`(SELECT json_build_object('name', p.name, 'network_id', p.network_id,
      'mac_address', p.mac_address, 'admin_state_up', p.admin_state_up, 'status', p.status, 'device_id', p.device_id, 'device_owner', p.device_owner)
    FROM ports p WHERE p.id = floatingips.port_id)`;
  const query = applySqlFilters(
    db.selectFrom('floatingips').selectAll('floatingips').select(portDetails.as('port_details')),
    pushableFilters(filters),
    SQL_FILTER_COLUMNS,
  );
  const rows = await selectAsJson<JsonRow<FloatingIpRow> & { port_details: FloatingIpPortDetails | null }>(db, query, sql`t.created_at, t.id`);
  return rows.map((row) => toView(row, row.port_details));
}

function isIpv4(ip: FixedIp): boolean {
  return parseIp(ip.ip_address)?.version === 4;
}

/** The fixed IP to map: the one asked for, else the port's only IPv4 address. */
function chooseFixedIp(port: PortView, requested: string | undefined): FixedIp {
  if (requested !== undefined) {
    if (parseIp(requested)?.version !== 4) {
      throw new BadRequest('floatingip', `Cannot process floating IP association with ${requested}, since that is not an IPv4 address`);
    }
    const found = port.fixed_ips.find((ip) => ip.ip_address === requested);
    if (!found) throw new BadRequest('floatingip', `Port ${port.id} does not have fixed ip ${requested}`);
    return found;
  }
  const ipv4 = port.fixed_ips.filter(isIpv4);
  if (ipv4.length === 0) throw new BadRequest('floatingip', `Cannot add floating IP to port ${port.id} that has no fixed IPv4 addresses`);
  if (ipv4.length > 1) {
    // Two spaces after the full stop, as in Neutron's message.
    throw new BadRequest(
      'floatingip',
      `Port ${port.id} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP`,
    );
  }
  return ipv4[0]!;
}

export class FloatingIpService {
  readonly #deps: ServiceDeps;
  readonly #ports: PortService;

  constructor(deps: ServiceDeps, ports: PortService) {
    this.#deps = deps;
    this.#ports = ports;
  }

  async list(_ctx: RequestContext, filters: Filters): Promise<FloatingIpView[]> {
    return selectFloatingIps(this.#deps.db, filters);
  }

  async get(_ctx: RequestContext, id: string): Promise<FloatingIpView> {
    const [view] = await selectFloatingIps(this.#deps.db, { id: [id] });
    if (!view) throw new FloatingIPNotFound(id);
    return view;
  }

  async create(ctx: RequestContext, items: readonly Attrs[]): Promise<FloatingIpView[]> {
    return transact(this.#deps.db, async (tx) => {
      const ids: string[] = [];
      for (const attrs of items) ids.push(await this.#insert(tx, ctx, attrs));
      return selectFloatingIps(tx, { id: ids });
    });
  }

  async #insert(tx: Tx, ctx: RequestContext, attrs: Attrs): Promise<string> {
    const networkId = attrs.floating_network_id as string;
    await this.#checkExternalNetwork(tx, networkId);
    const id = this.#deps.newId();
    // Both may be given: the port API then checks the address is on that subnet.
    const subnetId = attrs.subnet_id as string | null | undefined;
    const address = attrs.floating_ip_address as string | null | undefined;
    const fixedIp: FixedIpRequest = { ...(subnetId && { subnet_id: subnetId }), ...(address && { ip_address: address }) };
    const port = await this.#ports.insertInTx(tx, SYSTEM_CONTEXT, {
      network_id: networkId,
      device_owner: DEVICE_OWNER.floatingIp,
      device_id: id,
      project_id: '',
      ...(Object.keys(fixedIp).length > 0 && { fixed_ips: [fixedIp] }),
    });
    const floating = port.fixed_ips.find(isIpv4);
    // Only when an IPv6 subnet or address was asked for; Neutron's ExternalIpAddressExhausted.
    if (!floating) throw new ExternalIpAddressExhausted(networkId);
    const state: FloatingIpState = { id, project_id: owningProject(ctx, attrs.project_id), floating_network_id: networkId, ...NO_ASSOCIATION };
    const association = await this.#association(tx, ctx, state, attrs);
    const now = this.#deps.clock();
    await tx
      .insertInto('floatingips')
      .values({
        id,
        project_id: state.project_id,
        description: (attrs.description as string | undefined) ?? '',
        tags: JSON.stringify([]),
        created_at: now,
        updated_at: now,
        revision_number: 1,
        floating_network_id: networkId,
        floating_port_id: port.id,
        floating_ip_address: floating.ip_address,
        port_id: association.port_id,
        fixed_ip_address: association.fixed_ip_address,
        router_id: association.router_id,
        status: 'DOWN',
      })
      .execute();
    return id;
  }

  /** The floating network must exist, be external, and have an IPv4 subnet to allocate from. */
  async #checkExternalNetwork(tx: Tx, networkId: string): Promise<void> {
    const network = await tx
      .selectFrom('networks')
      .select((eb) => [
        'networks.router_external',
        eb
          .exists(eb.selectFrom('subnets').select('subnets.id').whereRef('subnets.network_id', '=', 'networks.id').where('subnets.ip_version', '=', 4))
          .as('has_ipv4'),
      ])
      .where('networks.id', '=', networkId)
      .executeTakeFirst();
    if (!network) throw new NetworkNotFound(networkId);
    if (!network.router_external) throw new BadRequest('floatingip', `Network ${networkId} is not a valid external network`);
    if (!network.has_ipv4) throw new BadRequest('floatingip', `Network ${networkId} does not contain any IPv4 subnet`);
  }

  async update(ctx: RequestContext, id: string, attrs: Attrs): Promise<FloatingIpView> {
    return transact(this.#deps.db, async (tx) => {
      const row = await tx.selectFrom('floatingips').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new FloatingIPNotFound(id);
      const association = await this.#association(tx, ctx, row, attrs);
      await tx
        .updateTable('floatingips')
        .set({
          port_id: association.port_id,
          fixed_ip_address: association.fixed_ip_address,
          router_id: association.router_id,
          ...(attrs.description !== undefined && { description: attrs.description as string }),
          updated_at: this.#deps.clock(),
          revision_number: row.revision_number + 1,
        })
        .where('id', '=', id)
        .execute();
      return (await selectFloatingIps(tx, { id: [id] }))[0]!;
    });
  }

  /**
   * The association a create or update asks for: port_id null clears it, a
   * port id (re)computes it, no port_id keeps the current one. (Neutron
   * recomputes it then, which can only give the same answer: the router's
   * gateway and interface cannot be removed while the floating IP uses them.)
   */
  async #association(tx: Tx, ctx: RequestContext, fip: FloatingIpState, attrs: Attrs): Promise<Association> {
    const portId = attrs.port_id as string | null | undefined;
    const fixedIp = attrs.fixed_ip_address as string | null | undefined;
    if (fixedIp && !portId) throw new BadRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id');
    if (portId === undefined) return { port_id: fip.port_id, fixed_ip_address: fip.fixed_ip_address, router_id: fip.router_id };
    if (portId === null) return NO_ASSOCIATION;
    return this.#associate(tx, ctx, fip, portId, fixedIp ?? undefined);
  }

  async #associate(tx: Tx, ctx: RequestContext, fip: FloatingIpState, portId: string, requested: string | undefined): Promise<Association> {
    // Locking the internal port serialises associations to it, so two
    // floating IPs cannot both pass the "already associated" check below.
    const locked = await tx.selectFrom('ports').select('id').where('id', '=', portId).forUpdate().executeTakeFirst();
    if (!locked) throw new PortNotFound(portId);
    const port = await this.#ports.getInTx(tx, portId);
    if (port.project_id !== fip.project_id && !ctx.isAdmin) {
      throw new BadRequest('floatingip', `Cannot process floating IP association with Port ${portId}, since that port is owned by a different tenant`);
    }
    if (port.device_owner === DEVICE_OWNER.dhcp) throw new BadRequest('floatingip', `Port ${portId} is unable to be assigned a floating IP`);
    const fixed = chooseFixedIp(port, requested);
    const routerId = await this.#routerFor(tx, port.id, fixed, fip.floating_network_id);
    // Neutron skips this when the port is unchanged; excluding this floating
    // IP instead also stops it moving onto a fixed IP another one holds.
    const other = await tx
      .selectFrom('floatingips')
      .select(['id', 'floating_ip_address'])
      .where('port_id', '=', portId)
      .where('floating_network_id', '=', fip.floating_network_id)
      .where('fixed_ip_address', '=', fixed.ip_address)
      .where('id', '!=', fip.id)
      .executeTakeFirst();
    if (other) throw new FloatingIPPortAlreadyAssociated({ address: other.floating_ip_address, id: other.id }, portId, fixed.ip_address, fip.floating_network_id);
    return { port_id: portId, fixed_ip_address: fixed.ip_address, router_id: routerId };
  }

  /**
   * The router that connects the fixed IP's subnet to the floating network:
   * the one whose interface holds the subnet's gateway address, else the
   * oldest, as Neutron's get_router_for_floatingip chooses.
   */
  async #routerFor(tx: Tx, portId: string, fixed: FixedIp, floatingNetworkId: string): Promise<string> {
    const candidates = await this.#connectingRouters(tx, fixed.subnet_id, floatingNetworkId);
    const chosen = candidates.find((c) => c.ip_address === c.gateway_ip) ?? candidates[0];
    if (!chosen) throw new ExternalGatewayForFloatingIPNotFound(fixed.subnet_id, floatingNetworkId, portId);
    // RouterService locks the router before removing its gateway or an
    // interface, then checks for floating IPs. Lock it too and look again: a
    // removal committed while we waited would otherwise go unnoticed by both.
    await tx.selectFrom('routers').select('id').where('id', '=', chosen.router_id).forUpdate().execute();
    const still = await this.#connectingRouters(tx, fixed.subnet_id, floatingNetworkId, chosen.router_id);
    if (still.length === 0) throw new ExternalGatewayForFloatingIPNotFound(fixed.subnet_id, floatingNetworkId, portId);
    return chosen.router_id;
  }

  async #connectingRouters(tx: Tx, subnetId: string, floatingNetworkId: string, routerId?: string) {
    let query = tx
      .selectFrom('router_ports as rp')
      .innerJoin('ip_allocations as a', 'a.port_id', 'rp.port_id')
      .innerJoin('subnets as s', 's.id', 'a.subnet_id')
      .innerJoin('router_ports as gw', (join) => join.onRef('gw.router_id', '=', 'rp.router_id').on('gw.port_type', '=', 'gateway'))
      .innerJoin('ports as gp', 'gp.id', 'gw.port_id')
      .innerJoin('routers as r', 'r.id', 'rp.router_id')
      .select(['rp.router_id', 'a.ip_address', 's.gateway_ip'])
      .where('rp.port_type', '=', 'interface')
      .where('a.subnet_id', '=', subnetId)
      .where('gp.network_id', '=', floatingNetworkId);
    if (routerId !== undefined) query = query.where('rp.router_id', '=', routerId);
    return query.orderBy('r.created_at').orderBy('r.id').execute();
  }

  async remove(_ctx: RequestContext, id: string): Promise<void> {
    await transact(this.#deps.db, async (tx) => {
      const row = await tx.selectFrom('floatingips').select('floating_port_id').where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new FloatingIPNotFound(id);
      await tx.deleteFrom('floatingips').where('id', '=', id).execute();
      // The port API refuses network:floatingip ports; they go with their floating IP.
      await tx.deleteFrom('ports').where('id', '=', row.floating_port_id).execute();
    });
  }
}
