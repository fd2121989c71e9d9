// The Neutron v2.0 API as a Hono app: fetch(Request) → Response, with no
// socket of its own, so tests drive it in-process with app.request().
import type { SnapshotSettings } from '../agent-api/protocol.js';
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { registerAgentApi } from '../agent-api/app.js';
import { AGENT_API_PREFIX } from '../agent-api/protocol.js';
import { KEYSTONE_UNAVAILABLE, KeystoneUnavailable } from '../identity/external-keystone.js';
import { UNAUTHORIZED } from '../identity/identity-service.js';
import { keystoneError } from '../identity/keystone-app.js';
import { AGENT_SPEC } from '../domain/agent.js';
import { AgentNotFound, ExtensionNotFound, FloatingIPNotFound, HTTPMethodNotAllowed, HTTPNotFound, NetworkNotFound, PortNotFound, RouterNotFound, SubnetNotFound } from '../domain/errors.js';
import { FLOATINGIP_SPEC } from '../domain/floatingip.js';
import { NETWORK_SPEC } from '../domain/network.js';
import { PORT_SPEC } from '../domain/port.js';
import { ROUTER_SPEC } from '../domain/router.js';
import { SUBNET_SPEC } from '../domain/subnet.js';
import type { Logger } from '../log.js';
import type { AgentService } from '../service/agents.js';
import type { ChangeFeed } from '../service/change-feed.js';
import type { RequestContext } from '../service/context.js';
import type { ServiceDeps } from '../service/deps.js';
import type { DhcpScheduling } from '../service/dhcp-scheduling.js';
import type { FloatingIpService } from '../service/floatingips.js';
import type { HaReportService } from '../service/ha-reports.js';
import type { L3Scheduling } from '../service/l3-scheduling.js';
import type { NetworkService } from '../service/networks.js';
import type { PortService } from '../service/ports.js';
import type { RouterInterfaceService } from '../service/router-interfaces.js';
import type { RouterService } from '../service/routers.js';
import type { SubnetService } from '../service/subnets.js';
import type { TagService } from '../service/tags.js';
import { registerCollection } from './collection-routes.js';
import type { ApiEnv } from './env.js';
import { createErrorHandler } from './error-handler.js';
import { EXTENSIONS } from './extensions.js';
import { registerL3Routes } from './l3-routes.js';
import { BINDING_ATTRS, checkNetworkUse, checkPortUse, isOwn, PolicyNotAuthorized, PROVIDER_ATTRS, type ResourcePolicy } from './policy.js';
import { SYSTEM_CONTEXT } from '../service/context.js';

export interface ApiDeps {
  readonly deps: ServiceDeps;
  readonly log: Logger;
  readonly networks: NetworkService;
  readonly subnets: SubnetService;
  readonly ports: PortService;
  readonly routers: RouterService;
  readonly interfaces: RouterInterfaceService;
  readonly floatingips: FloatingIpService;
  readonly agents: AgentService;
  readonly l3: L3Scheduling;
  readonly dhcp: DhcpScheduling;
  readonly haReports: HaReportService;
  readonly changes: ChangeFeed;
  readonly tags: TagService;
  /** The shared secret of the agent protocol (empty: every agent call is refused). */
  readonly agentToken: string;
  readonly reportInterval: number;
  readonly snapshotSettings: SnapshotSettings;
  /**
   * Builds the caller's context from the request (noauth: always admin);
   * undefined: no valid credentials, answered with 401. Throws
   * KeystoneUnavailable when an external Keystone cannot say: a 503.
   */
  readonly authenticate: (req: Request) => Promise<Omit<RequestContext, 'requestId'> | undefined>;
  /** The identity endpoint a 401 points at, as keystonemiddleware's WWW-Authenticate: Keystone uri="...". */
  readonly identityUri?: (requestUrl: URL) => string;
}

const RESOURCES = [NETWORK_SPEC, SUBNET_SPEC, PORT_SPEC, ROUTER_SPEC, FLOATINGIP_SPEC, AGENT_SPEC];

function origin(url: string): string {
  return new URL(url).origin;
}

/**
 * Each resource's policy for non-admins (policy.ts). Lookups for the checks
 * run as the system, since the answer depends on what is found.
 */
function policies(deps: ApiDeps) {
  const asSystem = SYSTEM_CONTEXT;
  const network = (id: string) => deps.networks.get(asSystem, id) as unknown as Promise<{ id: string } & Record<string, unknown>>;
  return {
    network: {
      visible: (ctx, v) => isOwn(ctx, v) || v.shared === true || v['router:external'] === true,
      adminOnly: PROVIDER_ATTRS,
    },
    subnet: {
      // A shared network's subnets are everyone's to see; an external network's are not (Neutron).
      visible: async (ctx, v) => isOwn(ctx, v) || (await network(v.network_id as string).catch(() => undefined))?.shared === true,
      adminOnly: [],
      checkRefs: (ctx, attrs) => checkNetworkUse(ctx, attrs.network_id, network, { owned: true, action: 'create_subnet' }),
    },
    port: {
      visible: isOwn,
      adminOnly: BINDING_ATTRS,
      checkRefs: (ctx, attrs) => checkNetworkUse(ctx, attrs.network_id, network, { action: 'create_port' }),
    },
    router: {
      visible: isOwn,
      adminOnly: ['ha', 'distributed'],
      checkRefs: async (ctx, attrs) => {
        const gateway = attrs.external_gateway_info as { network_id?: unknown; enable_snat?: unknown; external_fixed_ips?: unknown } | null | undefined;
        // Which addresses the gateway takes, and whether it NATs, are the admin's to say (Neutron's policy).
        for (const key of ['enable_snat', 'external_fixed_ips'] as const) {
          if (gateway?.[key] !== undefined) throw new PolicyNotAuthorized(`create_router:external_gateway_info:${key}`);
        }
        await checkNetworkUse(ctx, gateway?.network_id, network, { action: 'create_router' });
      },
    },
    floatingip: {
      visible: isOwn,
      adminOnly: [],
      checkRefs: async (ctx, attrs) => {
        await checkNetworkUse(ctx, attrs.floating_network_id, network, { action: 'create_floatingip' });
        await checkPortUse(ctx, attrs.port_id, (id) => deps.ports.get(asSystem, id));
      },
    },
    // Agents are the admin's: a non-admin's list is empty.
    agent: { visible: () => false, adminOnly: [] },
  } satisfies Record<string, ResourcePolicy>;
}
export type Policies = ReturnType<typeof policies>;

export function createApp(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ strict: false });
  app.onError(createErrorHandler(deps.log));
  app.notFound(() => {
    throw new HTTPNotFound();
  });

  app.use('*', async (c, next) => {
    const requestId = `req-${randomUUID()}`;
    const started = performance.now();
    // The agent protocol checks its own token; version discovery is open, as in Neutron.
    if (c.req.path !== '/' && !c.req.path.startsWith(AGENT_API_PREFIX)) {
      let who: Awaited<ReturnType<ApiDeps['authenticate']>>;
      try {
        who = await deps.authenticate(c.req.raw);
      } catch (err) {
        if (!(err instanceof KeystoneUnavailable)) throw err;
        // The caller's token may well be valid: not a 401, and not our bug either (a 500).
        deps.log.error({ method: c.req.method, path: c.req.path, requestId, cause: err.message }, 'cannot validate the token at Keystone');
        return c.json(keystoneError(503, KEYSTONE_UNAVAILABLE), 503);
      }
      if (!who) {
        deps.log.info({ method: c.req.method, path: c.req.path, requestId }, 'request without valid credentials');
        const uri = deps.identityUri?.(new URL(c.req.url));
        return c.json(keystoneError(401, UNAUTHORIZED), 401, uri ? { 'WWW-Authenticate': `Keystone uri="${uri}"` } : {});
      }
      c.set('ctx', { ...who, requestId });
    }
    await next();
    c.header('X-Openstack-Request-Id', requestId);
    deps.log.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: +(performance.now() - started).toFixed(2), requestId }, 'request');
  });

  // Version discovery: the path of the self link is what clients use as their base.
  app.get('/', (c) =>
    c.json({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${origin(c.req.url)}/v2.0/`, rel: 'self' }] }] }),
  );
  app.get('/v2.0', (c) =>
    c.json({
      resources: RESOURCES.map((r) => ({
        name: r.singular,
        collection: r.plural,
        links: [{ href: `${origin(c.req.url)}/v2.0/${r.plural}`, rel: 'self' }],
      })),
    }),
  );

  app.get('/v2.0/extensions', (c) => c.json({ extensions: EXTENSIONS }));
  app.get('/v2.0/extensions/:alias', (c) => {
    const found = EXTENSIONS.find((e) => e.alias === c.req.param('alias'));
    if (!found) throw new ExtensionNotFound(c.req.param('alias'));
    return c.json({ extension: found });
  });

  const p = policies(deps);
  registerCollection(app, deps.tags, { spec: NETWORK_SPEC, notFound: (id) => new NetworkNotFound(id), service: deps.networks, taggedAs: 'networks', policy: p.network });
  registerCollection(app, deps.tags, { spec: SUBNET_SPEC, notFound: (id) => new SubnetNotFound(id), service: deps.subnets, taggedAs: 'subnets', policy: p.subnet });
  registerCollection(app, deps.tags, { spec: PORT_SPEC, notFound: (id) => new PortNotFound(id), service: deps.ports, taggedAs: 'ports', policy: p.port });
  registerL3Routes(app, { ...deps, policy: p });
  registerCollection(app, deps.tags, { spec: ROUTER_SPEC, notFound: (id) => new RouterNotFound(id), service: deps.routers, taggedAs: 'routers', policy: p.router });
  registerCollection(app, deps.tags, { spec: FLOATINGIP_SPEC, notFound: (id) => new FloatingIPNotFound(id), service: deps.floatingips, taggedAs: 'floatingips', policy: p.floatingip });
  registerCollection(app, deps.tags, { spec: AGENT_SPEC, notFound: (id) => new AgentNotFound(id), service: deps.agents, policy: p.agent });
  registerAgentApi(app, { deps: deps.deps, log: deps.log, token: deps.agentToken, reportInterval: deps.reportInterval, snapshotSettings: deps.snapshotSettings, agents: deps.agents, l3: deps.l3, dhcp: deps.dhcp, haReports: deps.haReports, changes: deps.changes });

  // A known path with an unsupported method is a 405, as in Neutron.
  app.all('/v2.0/:collection{(networks|subnets|ports|routers|floatingips|agents)}/:id?', (c) => {
    throw new HTTPMethodNotAllowed(c.req.method);
  });

  return app;
}
