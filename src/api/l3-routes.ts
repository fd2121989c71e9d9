// Routes beyond plain CRUD for routers and agents: router interfaces, the
// L3 and DHCP agent scheduler extensions, split-brain visibility.
import type { Hono } from 'hono';
import { toUuid, AttributeError } from '../domain/attributes.js';
import { HTTPBadRequest, NetworkNotFound, RouterNotFound, SubnetNotFound } from '../domain/errors.js';
import { type RequestContext, SYSTEM_CONTEXT } from '../service/context.js';
import type { PortService } from '../service/ports.js';
import type { SubnetService } from '../service/subnets.js';
import { checkPortUse, checkWriter, PolicyNotAuthorized, type ResourcePolicy, restricted } from './policy.js';
import type { AgentService } from '../service/agents.js';
import type { DhcpScheduling } from '../service/dhcp-scheduling.js';
import type { HaReportService } from '../service/ha-reports.js';
import type { NetworkService } from '../service/networks.js';
import { parseInterfaceBody, type RouterInterfaceService } from '../service/router-interfaces.js';
import type { RouterService } from '../service/routers.js';
import type { ApiEnv } from './env.js';
import { applyListQuery, parseListQuery } from './list-query.js';
import { readJsonBody } from './read-body.js';

export interface L3RoutesDeps {
  readonly routers: RouterService;
  readonly interfaces: RouterInterfaceService;
  readonly agents: AgentService;
  readonly networks: NetworkService;
  readonly dhcp: DhcpScheduling;
  readonly haReports: HaReportService;
  readonly subnets: SubnetService;
  readonly ports: PortService;
  readonly policy: { readonly subnet: ResourcePolicy };
}

/** The agent scheduler endpoints, split-brain reports and metrics are the admin's. */
function adminOnly(ctx: RequestContext, rule: string): void {
  if (restricted(ctx)) throw new PolicyNotAuthorized(rule);
}

/** The id a scheduler POST names ({"router_id": …} / {"network_id": …}). */
function idFromBody(body: unknown, key: 'router_id' | 'network_id'): string {
  const value = (body as Record<string, unknown> | null)?.[key];
  try {
    return toUuid(value);
  } catch (err) {
    if (err instanceof AttributeError) throw new HTTPBadRequest(`Invalid input for ${key}. Reason: ${err.message}.`);
    throw err;
  }
}

/** A list answer with Neutron's list semantics (filters, fields, …) on `views`. */
function listOf<V extends { id: string }>(url: string, views: readonly V[], notFound: (id: string) => RouterNotFound | NetworkNotFound) {
  const u = new URL(url);
  return applyListQuery(views as unknown as (Record<string, unknown> & { id: string })[], parseListQuery(u.searchParams), u, notFound).items;
}

export function registerL3Routes(app: Hono<ApiEnv>, d: L3RoutesDeps): void {
  /**
   * A non-admin plugs only its own router, into a subnet it can see and a
   * port of its own; anything else is not found.
   */
  const checkInterface = async (ctx: RequestContext, routerId: string, req: { subnet_id?: string; port_id?: string }, rule: string) => {
    if (!restricted(ctx)) return;
    checkWriter(ctx, rule);
    const router = await d.routers.get(SYSTEM_CONTEXT, routerId).catch(() => undefined);
    if (!router || router.project_id !== ctx.projectId) throw new RouterNotFound(routerId);
    if (req.subnet_id !== undefined) {
      const subnet = await d.subnets.get(SYSTEM_CONTEXT, req.subnet_id).catch(() => undefined);
      if (!subnet || !(await d.policy.subnet.visible(ctx, subnet as unknown as { id: string } & Record<string, unknown>))) throw new SubnetNotFound(req.subnet_id);
    }
    await checkPortUse(ctx, req.port_id, (id) => d.ports.get(SYSTEM_CONTEXT, id));
  };
  app.put('/v2.0/routers/:id/add_router_interface', async (c) => {
    const req = parseInterfaceBody(await readJsonBody(c));
    await checkInterface(c.get('ctx'), c.req.param('id'), req, 'add_router_interface');
    return c.json(await d.interfaces.add(c.get('ctx'), c.req.param('id'), req));
  });
  app.put('/v2.0/routers/:id/remove_router_interface', async (c) => {
    const req = parseInterfaceBody(await readJsonBody(c));
    await checkInterface(c.get('ctx'), c.req.param('id'), req, 'remove_router_interface');
    return c.json(await d.interfaces.remove(c.get('ctx'), c.req.param('id'), req));
  });
  // Everything below is the admin's.
  app.use('/v2.0/routers/:id/l3-agents', async (c, next) => {
    adminOnly(c.get('ctx'), 'get_l3-agents');
    await next();
  });
  app.use('/v2.0/networks/:id/dhcp-agents', async (c, next) => {
    adminOnly(c.get('ctx'), 'get_dhcp-agents');
    await next();
  });
  for (const path of ['/v2.0/agents/:id/l3-routers', '/v2.0/agents/:id/l3-routers/*', '/v2.0/agents/:id/dhcp-networks', '/v2.0/agents/:id/dhcp-networks/*', '/v2.0/ha-split-brains', '/metrics']) {
    app.use(path, async (c, next) => {
      adminOnly(c.get('ctx'), `${c.req.method.toLowerCase()}_${path.split('/')[4] ?? path.slice(1)}`);
      await next();
    });
  }

  app.get('/v2.0/routers/:id/l3-agents', async (c) => {
    const agents = await d.routers.l3Agents(c.get('ctx'), c.req.param('id'));
    return c.json({ agents: listOf(c.req.url, agents, (id) => new RouterNotFound(id)) });
  });

  app.get('/v2.0/agents/:id/l3-routers', async (c) => {
    const routers = await d.routers.listByAgent(c.get('ctx'), c.req.param('id'));
    return c.json({ routers: listOf(c.req.url, routers, (id) => new RouterNotFound(id)) });
  });
  app.post('/v2.0/agents/:id/l3-routers', async (c) => {
    await d.routers.addToAgent(idFromBody(await readJsonBody(c), 'router_id'), c.req.param('id'));
    // Neutron answers the literal null; an empty body makes openstacksdk fail.
    return c.json(null, 201);
  });
  app.delete('/v2.0/agents/:id/l3-routers/:router', async (c) => {
    await d.routers.removeFromAgent(c.req.param('router'), c.req.param('id'));
    return c.body(null, 204);
  });

  app.get('/v2.0/networks/:id/dhcp-agents', async (c) => {
    await d.networks.get(c.get('ctx'), c.req.param('id'));
    const ids = await d.dhcp.agentIdsOf(c.req.param('id'));
    const agents = ids.length === 0 ? [] : await d.agents.list(c.get('ctx'), { id: ids });
    return c.json({ agents: listOf(c.req.url, agents, (id) => new NetworkNotFound(id)) });
  });
  app.get('/v2.0/agents/:id/dhcp-networks', async (c) => {
    await d.agents.get(c.get('ctx'), c.req.param('id'));
    const ids = await d.dhcp.networkIdsOf(c.req.param('id'));
    const networks = ids.length === 0 ? [] : await d.networks.list(c.get('ctx'), { id: ids });
    return c.json({ networks: listOf(c.req.url, networks, (id) => new NetworkNotFound(id)) });
  });
  app.post('/v2.0/agents/:id/dhcp-networks', async (c) => {
    await d.dhcp.addNetwork(idFromBody(await readJsonBody(c), 'network_id'), c.req.param('id'));
    return c.json(null, 201);
  });
  app.delete('/v2.0/agents/:id/dhcp-networks/:network', async (c) => {
    await d.agents.get(c.get('ctx'), c.req.param('id'));
    await d.dhcp.removeNetwork(c.req.param('network'), c.req.param('id'));
    return c.body(null, 204);
  });

  // Split brain: more than one alive replica of a router reporting active.
  app.get('/v2.0/ha-split-brains', async (c) => c.json({ split_brains: await d.haReports.splitBrains() }));
  app.get('/metrics', async (c) => {
    const brains = await d.haReports.splitBrains();
    const agents = await d.agents.list(c.get('ctx'), {});
    const lines = [
      '# HELP hanet_router_split_brain Routers with more than one alive replica reporting active.',
      '# TYPE hanet_router_split_brain gauge',
      `hanet_router_split_brain ${brains.length}`,
      '# HELP hanet_agents Agents by type and liveness.',
      '# TYPE hanet_agents gauge',
    ];
    const counts = new Map<string, number>();
    for (const a of agents) {
      const key = `agent_type="${a.agent_type}",alive="${a.alive}"`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [labels, n] of counts) lines.push(`hanet_agents{${labels}} ${n}`);
    return c.text(`${lines.join('\n')}\n`, 200, { 'Content-Type': 'text/plain; version=0.0.4' });
  });
}
