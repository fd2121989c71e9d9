// Wires services and the HTTP app over one opened database. Shared by the
// server process and the in-process API tests, so both run the same graph.
import { randomInt, randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { createApp } from '../api/app.js';
import type { ApiEnv } from '../api/env.js';
import type { ServerConfig } from '../config/server-config.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../log.js';
import { AgentService } from '../service/agents.js';
import { ChangeFeed } from '../service/change-feed.js';
import type { ServiceDeps } from '../service/deps.js';
import { DhcpScheduling } from '../service/dhcp-scheduling.js';
import { FloatingIpService } from '../service/floatingips.js';
import { HaReportService } from '../service/ha-reports.js';
import { Healer } from '../service/healer.js';
import { L3Scheduling } from '../service/l3-scheduling.js';
import { NetworkService } from '../service/networks.js';
import { PortService } from '../service/ports.js';
import { noauthProjectId } from '../service/project-defaults.js';
import { RouterInterfaceService } from '../service/router-interfaces.js';
import { RouterService } from '../service/routers.js';
import { SubnetService } from '../service/subnets.js';
import { TagService } from '../service/tags.js';
import type { RequestContext } from '../service/context.js';
import { ExternalKeystone } from '../identity/external-keystone.js';
import { IdentityService } from '../identity/identity-service.js';

export interface ComposeOptions {
  readonly db: Db;
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly clock?: () => Date;
}

export interface ComposedApi {
  readonly app: Hono<ApiEnv>;
  /** Notified by the database's change notifications; the agent watch streams listen to it. */
  readonly changes: ChangeFeed;
  /** The periodic repairs the server runs. */
  readonly healer: Healer;
  /** The built-in identity store (auth_strategy = keystone without [keystone_authtoken] auth_url), for the identity port. */
  readonly identity: IdentityService | undefined;
  /** The external Keystone tokens are validated at ([keystone_authtoken] auth_url). */
  readonly externalKeystone: ExternalKeystone | undefined;
}

type Authenticate = (req: Request) => Promise<Omit<RequestContext, 'requestId'> | undefined>;

/** noauth, as Neutron: every request is admin, in the server's own project. */
async function noauthAuthenticator(db: Db): Promise<Authenticate> {
  const projectId = await noauthProjectId(db);
  return async () => ({ projectId, isAdmin: true, roles: ['admin'] });
}

/** keystone: the X-Auth-Token names a valid project-scoped token; its project and roles are the caller's. */
function tokenAuthenticator(identity: IdentityService): Authenticate {
  return async (req) => {
    const token = req.headers.get('x-auth-token');
    const data = token ? await identity.validate(token) : undefined;
    if (!data?.project) return undefined;
    return { projectId: data.project.id, isAdmin: data.roles.includes('admin'), roles: data.roles };
  };
}

/** keystone with auth_url: the same, asked of the external Keystone (which may throw KeystoneUnavailable: a 503). */
function externalTokenAuthenticator(keystone: ExternalKeystone): Authenticate {
  return async (req) => {
    const token = req.headers.get('x-auth-token');
    const data = token ? await keystone.validate(token) : undefined;
    return data && { projectId: data.projectId, isAdmin: data.isAdmin, roles: data.roles };
  };
}

/** How the caller is known, and where a 401 sends it for a token. */
async function authentication(config: ServerConfig, db: Db, identity: IdentityService | undefined, keystone: ExternalKeystone | undefined) {
  const configured = config.keystone_www_authenticate_uri || undefined;
  if (keystone) return { authenticate: externalTokenAuthenticator(keystone), identityUri: () => configured ?? keystone.url };
  if (identity) return { authenticate: tokenAuthenticator(identity), identityUri: (url: URL) => configured ?? `${url.protocol}//${url.hostname}:${config.identity_bind_port}` };
  return { authenticate: await noauthAuthenticator(db) };
}

export async function composeApi(options: ComposeOptions): Promise<ComposedApi> {
  const { db, config, log } = options;
  const deps: ServiceDeps & { config: ServerConfig } = {
    db,
    config,
    clock: options.clock ?? (() => new Date()),
    newId: randomUUID,
    randomByte: () => randomInt(256),
  };
  const agents = new AgentService(deps);
  const ports = new PortService(deps);
  const networks = new NetworkService(deps);
  const dhcp = new DhcpScheduling(deps, agents, ports);
  const subnets = new SubnetService(deps, (tx, networkId) => dhcp.scheduleNetwork(tx, networkId));
  const l3 = new L3Scheduling({ deps, agents, networks, subnets, ports });
  const routers = new RouterService(deps, ports, l3, agents);
  const interfaces = new RouterInterfaceService(deps, routers, ports);
  const haReports = new HaReportService(deps, agents, log);
  const changes = new ChangeFeed();
  const external = config.auth_strategy === 'keystone' && config.keystone_auth_url !== '';
  const identity = config.auth_strategy === 'keystone' && !external ? new IdentityService({ db, clock: deps.clock, tokenExpiration: config.token_expiration }) : undefined;
  if (identity && config.admin_password) await identity.bootstrap({ user: config.admin_user, password: config.admin_password, project: config.admin_project });
  const externalKeystone = external
    ? new ExternalKeystone({
        authUrl: config.keystone_auth_url,
        serviceUser: {
          username: config.keystone_username,
          password: config.keystone_password,
          projectName: config.keystone_project_name,
          userDomainName: config.keystone_user_domain_name,
          projectDomainName: config.keystone_project_domain_name,
        },
        tokenCacheTime: config.keystone_token_cache_time,
        log,
        clock: () => deps.clock().getTime(),
      })
    : undefined;
  const app = createApp({
    deps,
    log,
    networks,
    subnets,
    ports,
    routers,
    interfaces,
    floatingips: new FloatingIpService(deps, ports),
    agents,
    l3,
    dhcp,
    haReports,
    changes,
    tags: new TagService(deps),
    agentToken: config.agent_token,
    reportInterval: config.report_interval,
    snapshotSettings: {
      vrrp: {
        version: config.ha_vrrp_version as 2 | 3,
        advert_int: config.ha_vrrp_advert_int,
        auth_type: config.ha_vrrp_auth_type,
        auth_password: config.ha_vrrp_auth_password,
        garp_master_repeat: config.ha_vrrp_garp_master_repeat,
        garp_master_refresh: config.ha_vrrp_garp_master_refresh,
        down_timer_adverts: config.ha_vrrp_down_timer_adverts,
        priority: config.ha_vrrp_priority,
        unicast: config.ha_vrrp_unicast,
      },
      dhcp: {
        lease_duration: config.dhcp_lease_duration,
        dns_domain: config.dns_domain,
        renewal_time: config.dhcp_renewal_time,
        rebinding_time: config.dhcp_rebinding_time,
      },
    },
    ...(await authentication(config, db, identity, externalKeystone)),
  });
  return { app, changes, healer: new Healer(deps, l3, dhcp, log), identity, externalKeystone };
}
