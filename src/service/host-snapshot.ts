// The desired state of one host, as its agent reconciles it: the routers
// its L3 agent hosts, the networks its DHCP agent serves, the L2 networks it
// needs with the tunnel addresses of the other hosts on them, and the ports
// bound to it. The revision is a digest of the content, so an agent can tell
// "nothing changed" without comparing the whole document. The queries with
// a row per router or port come back as one JSON value (db/json-rows.ts):
// PGlite decodes each field of each row in JavaScript otherwise, and
// snapshots are what the server builds most while routers are created.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type {
  HostSnapshot,
  SnapshotDhcpNetwork,
  SnapshotL2Network,
  SnapshotPort,
  SnapshotRouter,
  SnapshotSubnet,
  SnapshotSettings,
} from '../agent-api/protocol.js';
import { AGENT_ROLES } from '../domain/agent.js';
import { cidrOf } from '../domain/ip.js';
import { haVip } from '../domain/vrid.js';
import { selectRowsAsJson } from '../db/json-rows.js';
import type { Tx } from '../db/transact.js';
import type { ServiceDeps } from './deps.js';

type Db = Tx | ServiceDeps['db'];

/** Ports with their addresses (prefix lengths from their subnets) and their network's MTU. */
async function loadPorts(db: Db, portIds: readonly string[]): Promise<Map<string, SnapshotPort & { binding_host_id: string }>> {
  const out = new Map<string, SnapshotPort & { binding_host_id: string }>();
  if (portIds.length === 0) return out;
  const ports = await selectRowsAsJson(
    db,
    db
      .selectFrom('ports')
      .innerJoin('networks', 'networks.id', 'ports.network_id')
      .select(['ports.id', 'ports.network_id', 'ports.mac_address', 'ports.binding_host_id', 'networks.mtu'])
      .where('ports.id', 'in', portIds),
    sql`t.id`,
  );
  const ips = await selectRowsAsJson(
    db,
    db
      .selectFrom('ip_allocations')
      .innerJoin('subnets', 'subnets.id', 'ip_allocations.subnet_id')
      .select(['ip_allocations.port_id', 'ip_allocations.subnet_id', 'ip_allocations.ip_address', 'ip_allocations.position', 'subnets.cidr'])
      .where('ip_allocations.port_id', 'in', portIds),
    sql`t.position`,
  );
  for (const p of ports) out.set(p.id, { id: p.id, network_id: p.network_id, mac_address: p.mac_address, mtu: p.mtu, fixed_ips: [], binding_host_id: p.binding_host_id });
  for (const ip of ips) {
    (out.get(ip.port_id)!.fixed_ips as { subnet_id: string; ip_address: string; prefixlen: number }[]).push({
      subnet_id: ip.subnet_id,
      ip_address: ip.ip_address,
      prefixlen: cidrOf(ip.cidr).prefix,
    });
  }
  return out;
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Rows grouped by a key, so building a snapshot stays linear in its routers and networks. */
function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

export async function buildHostSnapshot(db: Db, host: string, settings: SnapshotSettings): Promise<HostSnapshot> {
  const agents = await db.selectFrom('agents').select(['id', 'agent_type']).where('host', '=', host).execute();
  const l3 = agents.find((a) => a.agent_type === AGENT_ROLES.l3.agent_type);
  const dhcp = agents.find((a) => a.agent_type === AGENT_ROLES.dhcp.agent_type);

  const routers = l3 ? await buildRouters(db, l3.id) : [];
  const dhcpNetworks = dhcp ? await buildDhcpNetworks(db, host, dhcp.id) : [];
  const boundPortIds = (await db.selectFrom('ports').select('id').where('binding_host_id', '=', host).where('device_owner', 'not like', 'network:%').execute()).map((p) => p.id);
  const boundPorts = [...(await loadPorts(db, boundPortIds)).values()].map(({ binding_host_id: _, ...p }) => p).sort(byId);

  const networkIds = new Set<string>();
  for (const r of routers) {
    if (r.ha_port) networkIds.add(r.ha_port.network_id);
    r.interfaces.forEach((i) => networkIds.add(i.network_id));
    if (r.gateway) networkIds.add(r.gateway.network_id);
  }
  dhcpNetworks.forEach((n) => networkIds.add(n.id));
  boundPorts.forEach((p) => networkIds.add(p.network_id));
  const l2Networks = await buildL2Networks(db, host, [...networkIds]);

  const content = { host, routers, dhcp_networks: dhcpNetworks, l2_networks: l2Networks, bound_ports: boundPorts, vrrp: settings.vrrp, dhcp: settings.dhcp };
  const revision = createHash('sha1').update(JSON.stringify(content)).digest('hex');
  return { ...content, revision };
}

async function buildRouters(db: Db, agentId: string): Promise<SnapshotRouter[]> {
  const routers = await selectRowsAsJson(
    db,
    db
      .selectFrom('l3_bindings')
      .innerJoin('routers', 'routers.id', 'l3_bindings.router_id')
      .leftJoin('ha_vrids', 'ha_vrids.router_id', 'routers.id')
      .select(['routers.id', 'routers.admin_state_up', 'routers.ha', 'routers.enable_snat', 'routers.routes', 'l3_bindings.ha_port_id', 'ha_vrids.vr_id'])
      .where('l3_bindings.agent_id', '=', agentId),
    sql`t.id`,
  );
  if (routers.length === 0) return [];
  const routerIds = routers.map((r) => r.id);
  const routerPorts = await selectRowsAsJson(db, db.selectFrom('router_ports').select(['router_id', 'port_id', 'port_type']).where('router_id', 'in', routerIds), sql`t.port_id`);
  const ports = await loadPorts(db, routerPorts.map((p) => p.port_id));
  const gatewaySubnets = await db
    .selectFrom('subnets')
    .select(['network_id', 'gateway_ip'])
    .where('network_id', 'in', [...new Set([...ports.values()].map((p) => p.network_id))])
    .execute();
  const fips = await db
    .selectFrom('floatingips')
    .select(['id', 'router_id', 'floating_ip_address', 'fixed_ip_address'])
    .where('router_id', 'in', routerIds)
    .where('fixed_ip_address', 'is not', null)
    .execute();
  const strip = (p: SnapshotPort & { binding_host_id: string }): SnapshotPort => ({ id: p.id, network_id: p.network_id, mac_address: p.mac_address, mtu: p.mtu, fixed_ips: p.fixed_ips });
  const portsOfRouter = groupBy(routerPorts, (rp) => rp.router_id);
  const gatewaysOfNetwork = groupBy(gatewaySubnets, (s) => s.network_id);
  const fipsOfRouter = groupBy(fips, (f) => f.router_id!);

  return routers
    .map((r) => {
      const mine = portsOfRouter.get(r.id) ?? [];
      const portOf = (type: string) => mine.filter((rp) => rp.port_type === type).map((rp) => ports.get(rp.port_id)!).filter(Boolean);
      const haPorts = portOf('ha');
      const haPort = haPorts.find((p) => p.id === r.ha_port_id) ?? null;
      const gw = portOf('gateway')[0];
      return {
        id: r.id,
        admin_state_up: r.admin_state_up,
        ha: r.ha,
        vrid: r.ha ? (r.vr_id ?? null) : null,
        ha_vip: r.ha && r.vr_id ? haVip(r.vr_id) : null,
        ha_port: haPort && strip(haPort),
        ha_peers: haPorts.filter((p) => p.id !== r.ha_port_id).flatMap((p) => p.fixed_ips.map((ip) => ip.ip_address)).sort(),
        interfaces: portOf('interface').map(strip).sort(byId),
        gateway: gw
          ? {
              ...strip(gw),
              enable_snat: r.enable_snat,
              gateway_ips: (gatewaysOfNetwork.get(gw.network_id) ?? []).filter((s) => s.gateway_ip).map((s) => s.gateway_ip!),
            }
          : null,
        routes: r.routes,
        floating_ips: (fipsOfRouter.get(r.id) ?? [])
          .map((f) => ({ id: f.id, floating_ip_address: f.floating_ip_address, fixed_ip_address: f.fixed_ip_address! }))
          .sort(byId),
      };
    })
    .sort(byId);
}

async function buildDhcpNetworks(db: Db, host: string, agentId: string): Promise<SnapshotDhcpNetwork[]> {
  const networks = await db
    .selectFrom('dhcp_bindings')
    .innerJoin('networks', 'networks.id', 'dhcp_bindings.network_id')
    .select(['networks.id', 'networks.mtu'])
    .where('dhcp_bindings.agent_id', '=', agentId)
    .execute();
  if (networks.length === 0) return [];
  const networkIds = networks.map((n) => n.id);
  const subnets = await db.selectFrom('subnets').selectAll().where('network_id', 'in', networkIds).orderBy('created_at').execute();
  const allocations = await db
    .selectFrom('ip_allocations')
    .innerJoin('ports', 'ports.id', 'ip_allocations.port_id')
    .select(['ports.id as port_id', 'ports.mac_address', 'ports.device_owner', 'ports.binding_host_id', 'ip_allocations.ip_address', 'ip_allocations.subnet_id', 'ip_allocations.network_id'])
    .where('ip_allocations.network_id', 'in', networkIds)
    .execute();
  const dhcpPortIds = [...new Set(allocations.filter((a) => a.device_owner === 'network:dhcp' && a.binding_host_id === host).map((a) => a.port_id))];
  const ownPorts = await loadPorts(db, dhcpPortIds);
  const subnetsOfNetwork = groupBy(subnets, (s) => s.network_id);
  const allocationsOfNetwork = groupBy(allocations, (a) => a.network_id);
  const ownPortOfNetwork = new Map([...ownPorts.values()].map((p) => [p.network_id, p]));
  return networks
    .map((n) => {
      const networkSubnets = subnetsOfNetwork.get(n.id) ?? [];
      const dhcpSubnets = new Set(networkSubnets.filter((s) => s.enable_dhcp).map((s) => s.id));
      const own = ownPortOfNetwork.get(n.id);
      const mine = (allocationsOfNetwork.get(n.id) ?? []).filter((a) => dhcpSubnets.has(a.subnet_id));
      return {
        id: n.id,
        mtu: n.mtu,
        port: own ? { id: own.id, network_id: own.network_id, mac_address: own.mac_address, mtu: own.mtu, fixed_ips: own.fixed_ips } : null,
        subnets: networkSubnets.map(
          (s): SnapshotSubnet => ({
            id: s.id,
            cidr: s.cidr,
            ip_version: s.ip_version,
            gateway_ip: s.gateway_ip,
            enable_dhcp: s.enable_dhcp,
            dns_nameservers: s.dns_nameservers,
            host_routes: s.host_routes,
          }),
        ),
        hosts: mine
          .map((a) => ({ port_id: a.port_id, mac_address: a.mac_address, ip_address: a.ip_address, subnet_id: a.subnet_id }))
          .sort((a, b) => (a.port_id + a.ip_address < b.port_id + b.ip_address ? -1 : 1)),
        dhcp_addresses: mine.filter((a) => a.device_owner === 'network:dhcp').map((a) => a.ip_address).sort(),
      };
    })
    .sort(byId);
}

/**
 * A network is on a host when a router, a DHCP server or a bound port of it
 * lives there. The other hosts with the network are its tunnel peers; their
 * addresses come from their L2 agents' configurations (tunnel_ip). Each
 * (network, host) pair comes once: a tenant's HA network alone has a row per
 * router, replica and binding otherwise (about 2,000 at 250 routers).
 */
async function buildL2Networks(db: Db, host: string, networkIds: readonly string[]): Promise<SnapshotL2Network[]> {
  if (networkIds.length === 0) return [];
  const networks = await selectRowsAsJson(db, db.selectFrom('networks').select(['id', 'network_type', 'segmentation_id', 'physical_network', 'mtu']).where('id', 'in', networkIds), sql`t.id`);
  const viaRouters = await selectRowsAsJson(
    db,
    db
      .selectFrom('router_ports')
      .innerJoin('ports', 'ports.id', 'router_ports.port_id')
      .innerJoin('l3_bindings', 'l3_bindings.router_id', 'router_ports.router_id')
      .innerJoin('agents', 'agents.id', 'l3_bindings.agent_id')
      .select(['ports.network_id', 'agents.host'])
      .distinct()
      .where('ports.network_id', 'in', networkIds),
    sql`t.network_id, t.host`,
  );
  const viaDhcp = await db
    .selectFrom('dhcp_bindings')
    .innerJoin('agents', 'agents.id', 'dhcp_bindings.agent_id')
    .select(['dhcp_bindings.network_id', 'agents.host'])
    .distinct()
    .where('dhcp_bindings.network_id', 'in', networkIds)
    .execute();
  const viaPorts = await db
    .selectFrom('ports')
    .select(['network_id', 'binding_host_id as host'])
    .distinct()
    .where('network_id', 'in', networkIds)
    .where('binding_host_id', '!=', '')
    .where('device_owner', 'not like', 'network:%')
    .execute();
  const l2Agents = await db.selectFrom('agents').select(['host', 'configurations']).where('agent_type', '=', AGENT_ROLES.l2.agent_type).execute();
  const tunnelOf = new Map(l2Agents.map((a) => [a.host, a.configurations.tunnel_ip as string | undefined]));
  const hostsOfNetwork = new Map<string, Set<string>>();
  for (const x of [...viaRouters, ...viaDhcp, ...viaPorts]) {
    if (!hostsOfNetwork.has(x.network_id)) hostsOfNetwork.set(x.network_id, new Set());
    hostsOfNetwork.get(x.network_id)!.add(x.host);
  }
  return networks
    .map((n) => {
      const hosts = new Set(hostsOfNetwork.get(n.id));
      hosts.delete(host);
      const tunnels = [...hosts].map((h) => tunnelOf.get(h)).filter((t): t is string => typeof t === 'string');
      return {
        id: n.id,
        network_type: n.network_type,
        segmentation_id: n.segmentation_id,
        physical_network: n.physical_network,
        mtu: n.mtu,
        remote_tunnels: [...new Set(tunnels)].sort(),
      };
    })
    .sort(byId);
}
