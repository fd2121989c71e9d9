// Router use cases: create (scheduled and, when HA, given its HA network,
// VRID and HA ports in the same transaction), update (name, state, gateway,
// routes, HA conversion), delete, and the l3-agents view.
import { type Selectable, sql } from 'kysely';
import { type HaState, shownHaState } from '../domain/ha-state.js';
import {
  BadRequest,
  InvalidRoutes,
  NetworkNotFound,
  RouterExternalGatewayInUseByFloatingIp,
  RouterInUse,
  RouterNotFound,
} from '../domain/errors.js';
import type { FixedIp } from '../domain/fixed-ips.js';
import { cidrContains, cidrOf, parseIp } from '../domain/ip.js';
import type { Attrs } from '../domain/resource-spec.js';
import { DEVICE_OWNER, type GatewayRequest, type Route, type RouterView } from '../domain/router.js';
import { formatTimestamp } from '../domain/standard-attributes.js';
import type { AgentView } from '../domain/agent.js';
import { type JsonRow, selectAsJson } from '../db/json-rows.js';
import type { RoutersTable } from '../db/schema.js';
import { transact, type Tx } from '../db/transact.js';
import type { AgentService } from './agents.js';
import { owningProject, type RequestContext, SYSTEM_CONTEXT } from './context.js';
import type { Filters, ServiceDeps } from './deps.js';
import type { L3Scheduling } from './l3-scheduling.js';
import type { PortService } from './ports.js';
import { applySqlFilters } from './sql-filters.js';

type RouterRow = Selectable<RoutersTable>;
type GatewayJson = { port_id: string; network_id: string; fixed_ips: FixedIp[] } | null;

const SQL_FILTER_COLUMNS = { id: 'id', name: 'name', project_id: 'project_id', tenant_id: 'project_id', status: 'status' } as const;

function toView(row: RouterRow | JsonRow<RouterRow>, gateway: GatewayJson): RouterView {
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
    external_gateway_info: gateway && { network_id: gateway.network_id, enable_snat: row.enable_snat, external_fixed_ips: gateway.fixed_ips },
    routes: row.routes,
    ha: row.ha,
    distributed: false,
    availability_zone_hints: [],
    availability_zones: [],
    flavor_id: null,
  };
}

/** Routers with their gateway port in one query (see db/json-rows.ts for why JSON). */
async function selectRouters(db: Tx | ServiceDeps['db'], filters: Filters): Promise<RouterView[]> {
  const gateway = sql<GatewayJson>`(SELECT json_build_object('port_id', p.id, 'network_id', p.network_id, 'fixed_ips',
      (SELECT coalesce(json_agg(json_build_object('subnet_id', a.subnet_id, 'ip_address', a.ip_address) ORDER BY a.position), '[]'::json)
       FROM ip_allocations a WHERE a.port_id = p.id))
    FROM router_ports rp JOIN ports p ON p.id = rp.port_id WHERE rp.router_id = routers.id AND rp.port_type = 'gateway')`;
  const query = applySqlFilters(db.selectFrom('routers').selectAll('routers').select(gateway.as('gateway')), filters, SQL_FILTER_COLUMNS);
  const rows = await selectAsJson<JsonRow<RouterRow> & { gateway: GatewayJson }>(db, query, sql`t.created_at, t.id`);
  return rows.map((row) => toView(row, row.gateway));
}

export interface RouterSettings {
  readonly l3_ha: boolean;
}

export interface L3AgentView extends AgentView {
  readonly ha_state: HaState | null;
}

export class RouterService {
  readonly #deps: ServiceDeps & { config: RouterSettings };
  readonly #ports: PortService;
  readonly #l3: L3Scheduling;
  readonly #agents: AgentService;

  constructor(deps: ServiceDeps & { config: RouterSettings }, ports: PortService, l3: L3Scheduling, agents: AgentService) {
    this.#deps = deps;
    this.#ports = ports;
    this.#l3 = l3;
    this.#agents = agents;
  }

  async list(_ctx: RequestContext, filters: Filters): Promise<RouterView[]> {
    return selectRouters(this.#deps.db, filters);
  }

  async get(_ctx: RequestContext, id: string): Promise<RouterView> {
    const [view] = await selectRouters(this.#deps.db, { id: [id] });
    if (!view) throw new RouterNotFound(id);
    return view;
  }

  async lock(tx: Tx, id: string): Promise<RouterRow> {
    const row = await tx.selectFrom('routers').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw new RouterNotFound(id);
    return row;
  }

  async create(ctx: RequestContext, items: readonly Attrs[]): Promise<RouterView[]> {
    return transact(this.#deps.db, async (tx) => {
      const views: RouterView[] = [];
      for (const attrs of items) {
        if (attrs.distributed === true) throw new BadRequest('router', 'Distributed virtual routers are not supported');
        const now = this.#deps.clock();
        const row = await tx
          .insertInto('routers')
          .values({
            id: this.#deps.newId(),
            project_id: owningProject(ctx, attrs.project_id),
            name: (attrs.name as string | undefined) ?? '',
            description: (attrs.description as string | undefined) ?? '',
            tags: JSON.stringify([]),
            admin_state_up: (attrs.admin_state_up as boolean | undefined) ?? true,
            status: 'ACTIVE',
            ha: (attrs.ha as boolean | undefined) ?? this.#deps.config.l3_ha,
            routes: JSON.stringify([]),
            created_at: now,
            updated_at: now,
            revision_number: 1,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const gateway = attrs.external_gateway_info as GatewayRequest | null | undefined;
        if (gateway) await this.#setGateway(tx, row, gateway);
        await this.#l3.scheduleNew(tx, row);
        // Without a gateway the new row is the whole view; with one, read it back with the port.
        views.push(gateway ? (await selectRouters(tx, { id: [row.id] }))[0]! : toView(row, null));
      }
      return views;
    });
  }

  async update(_ctx: RequestContext, id: string, attrs: Attrs): Promise<RouterView> {
    return transact(this.#deps.db, async (tx) => {
      const row = await this.lock(tx, id);
      if (attrs.distributed === true) throw new BadRequest('router', 'Distributed virtual routers are not supported');
      const adminStateUp = (attrs.admin_state_up as boolean | undefined) ?? row.admin_state_up;
      const ha = attrs.ha as boolean | undefined;
      // Neutron checks the desired state: "--disable --no-ha" in one PUT is fine.
      if (ha !== undefined && ha !== row.ha && adminStateUp) {
        throw new BadRequest('router', 'Cannot change HA attribute of active routers. Please set router admin_state_up to False prior to upgrade');
      }
      if (attrs.external_gateway_info !== undefined) await this.#setGateway(tx, row, attrs.external_gateway_info as GatewayRequest | null);
      if (attrs.routes !== undefined) await this.#checkRoutes(tx, id, attrs.routes as Route[]);
      await tx
        .updateTable('routers')
        .set({
          ...(attrs.name !== undefined && { name: attrs.name as string }),
          ...(attrs.description !== undefined && { description: attrs.description as string }),
          ...(attrs.routes !== undefined && { routes: JSON.stringify(attrs.routes) }),
          ...(ha !== undefined && { ha }),
          admin_state_up: adminStateUp,
          updated_at: this.#deps.clock(),
          revision_number: row.revision_number + 1,
        })
        .where('id', '=', id)
        .execute();
      if (ha !== undefined && ha !== row.ha) await this.#convert(tx, row, ha);
      return (await selectRouters(tx, { id: [id] }))[0]!;
    });
  }

  /** Legacy ↔ HA: drop every replica and HA allocation, re-own the interfaces, schedule again. */
  async #convert(tx: Tx, row: RouterRow, ha: boolean): Promise<void> {
    await this.#l3.unscheduleAll(tx, row);
    const interfaces = tx.selectFrom('router_ports').select('port_id').where('router_id', '=', row.id).where('port_type', '=', 'interface');
    await tx
      .updateTable('ports')
      .set({ device_owner: ha ? DEVICE_OWNER.haInterface : DEVICE_OWNER.interface })
      .where('id', 'in', interfaces)
      .execute();
    await this.#l3.scheduleNew(tx, { ...row, ha });
  }

  async remove(_ctx: RequestContext, id: string): Promise<void> {
    await transact(this.#deps.db, async (tx) => {
      const row = await this.lock(tx, id);
      const iface = await tx.selectFrom('router_ports').select('port_id').where('router_id', '=', id).where('port_type', '=', 'interface').executeTakeFirst();
      if (iface) throw new RouterInUse(id, `still has ports`);
      await this.#setGateway(tx, row, null);
      await this.#l3.unscheduleAll(tx, row);
      await tx.deleteFrom('routers').where('id', '=', id).execute();
    });
  }

  /** Sets, changes or clears (null) the external gateway: one network:router_gateway port. */
  async #setGateway(tx: Tx, row: RouterRow, info: GatewayRequest | null): Promise<void> {
    const current = await tx
      .selectFrom('router_ports')
      .innerJoin('ports', 'ports.id', 'router_ports.port_id')
      .select(['ports.id', 'ports.network_id'])
      .where('router_ports.router_id', '=', row.id)
      .where('router_ports.port_type', '=', 'gateway')
      .executeTakeFirst();
    if (info) {
      const network = await tx.selectFrom('networks').select(['id', 'router_external']).where('id', '=', info.network_id).executeTakeFirst();
      if (!network) throw new NetworkNotFound(info.network_id);
      if (!network.router_external) throw new BadRequest('router', `Network ${info.network_id} is not a valid external network`);
    }
    const keepPort = current && info && current.network_id === info.network_id && info.external_fixed_ips === undefined;
    if (current && !keepPort) {
      const fip = await tx.selectFrom('floatingips').select('id').where('router_id', '=', row.id).where('floating_network_id', '=', current.network_id).executeTakeFirst();
      if (fip) throw new RouterExternalGatewayInUseByFloatingIp(row.id, current.network_id);
      await tx.deleteFrom('ports').where('id', '=', current.id).execute();
    }
    if (info && !keepPort) {
      const port = await this.#ports.insertInTx(tx, SYSTEM_CONTEXT, {
        network_id: info.network_id,
        device_owner: DEVICE_OWNER.gateway,
        device_id: row.id,
        project_id: '',
        ...(info.external_fixed_ips !== undefined && { fixed_ips: info.external_fixed_ips }),
      });
      await tx.insertInto('router_ports').values({ port_id: port.id, router_id: row.id, port_type: 'gateway' }).execute();
    }
    await tx.updateTable('routers').set({ enable_snat: info?.enable_snat ?? true }).where('id', '=', row.id).execute();
  }

  /** Each nexthop must be on one of the router's subnets, and not be the router itself. */
  async #checkRoutes(tx: Tx, routerId: string, routes: readonly Route[]): Promise<void> {
    const own = await tx
      .selectFrom('router_ports')
      .innerJoin('ip_allocations', 'ip_allocations.port_id', 'router_ports.port_id')
      .innerJoin('subnets', 'subnets.id', 'ip_allocations.subnet_id')
      .select(['subnets.cidr', 'ip_allocations.ip_address'])
      .where('router_ports.router_id', '=', routerId)
      .where('router_ports.port_type', '!=', 'ha')
      .execute();
    for (const route of routes) {
      const nexthop = parseIp(route.nexthop)!;
      const text = JSON.stringify([route]);
      if (own.some((o) => o.ip_address === route.nexthop)) throw new InvalidRoutes(text, 'the nexthop is used by router');
      if (!own.some((o) => cidrContains(cidrOf(o.cidr), nexthop))) throw new InvalidRoutes(text, 'the nexthop is not connected with router');
    }
  }

  /** `GET /agents/{id}/l3-routers`. */
  async listByAgent(ctx: RequestContext, agentId: string): Promise<RouterView[]> {
    await this.#agents.row(this.#deps.db, agentId);
    const ids = await this.#deps.db.selectFrom('l3_bindings').select('router_id').where('agent_id', '=', agentId).execute();
    return ids.length === 0 ? [] : this.list(ctx, { id: ids.map((r) => r.router_id) });
  }

  /** `POST /agents/{id}/l3-routers`. */
  async addToAgent(routerId: string, agentId: string): Promise<void> {
    await transact(this.#deps.db, async (tx) => this.#l3.addToAgent(tx, await this.lock(tx, routerId), agentId));
  }

  /** `DELETE /agents/{id}/l3-routers/{router}`. */
  async removeFromAgent(routerId: string, agentId: string): Promise<void> {
    await transact(this.#deps.db, async (tx) => {
      await this.#agents.row(tx, agentId);
      await this.lock(tx, routerId);
      await this.#l3.removeFromAgent(tx, routerId, agentId);
    });
  }

  /** `GET /routers/{id}/l3-agents`: the hosting agents, with each replica's HA state. */
  async l3Agents(_ctx: RequestContext, id: string): Promise<L3AgentView[]> {
    const router = await this.#deps.db.selectFrom('routers').select(['id', 'ha']).where('id', '=', id).executeTakeFirst();
    if (!router) throw new RouterNotFound(id);
    const rows = await this.#deps.db
      .selectFrom('l3_bindings')
      .innerJoin('agents', 'agents.id', 'l3_bindings.agent_id')
      .selectAll('agents')
      .select('l3_bindings.state')
      .where('l3_bindings.router_id', '=', id)
      .orderBy('agents.host')
      .execute();
    const now = this.#deps.clock();
    return rows.map((r) => {
      const view = this.#agents.view(r, now);
      return { ...view, ha_state: router.ha ? shownHaState(r.state as HaState, view.alive) : null };
    });
  }
}
