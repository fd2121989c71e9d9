// What one router should look like on this node, derived from its snapshot
// (pure): the namespace, a device per port (ha-, qr-, qg- with the port's MAC,
// the same on every replica, and the tap that the L2 role plugs), the
// keepalived.conf of an HA router, the NAT ruleset, and for a legacy router
// the addresses and routes the agent sets itself.
import { join } from 'node:path';
import type { SnapshotPort, SnapshotRouter, SnapshotVrrp } from '../../agent-api/protocol.js';
import { parseIp } from '../../domain/ip.js';
import { tapName } from '../l2/plan-l2.js';
import { type KeepalivedRouter, renderKeepalivedConf, routerDeviceName } from './keepalived-conf.js';
import { renderNat } from './nat.js';

export const ROUTER_NS_PREFIX = 'qrouter-';

export function routerNamespace(routerId: string): string {
  return `${ROUTER_NS_PREFIX}${routerId}`;
}

/** Where a router's files live: <state_path>/ha_confs/<router_id>/, as Neutron keeps them. */
export function routerPaths(statePath: string, routerId: string) {
  const dir = join(statePath, 'ha_confs', routerId);
  return {
    dir,
    conf: join(dir, 'keepalived.conf'),
    pid: join(dir, 'keepalived.pid'),
    vrrpPid: join(dir, 'keepalived.pid-vrrp'),
    state: join(dir, 'state'),
    /** keepalived's notify_fifo: its transitions, in order, for the agent to read. */
    fifo: join(dir, 'notify.fifo'),
    nat: join(dir, 'nat.nft'),
    /** The digest of the snapshot part the last complete pass applied (L3Role.intact). */
    synced: join(dir, 'synced'),
    /** Left at keepalived's first start here: a later start reminds its peers of it first (reachPeers). */
    started: join(dir, 'keepalived.started'),
  };
}
export type RouterPaths = ReturnType<typeof routerPaths>;

export interface RouterDevice {
  /** ha-, qr- or qg- plus the port id's first 11 characters, inside the namespace. */
  readonly device: string;
  /** Its veth peer on the node, plugged by the L2 role. */
  readonly tap: string;
  readonly mac: string;
  readonly mtu: number;
  /** Addresses the agent configures itself: the HA address, or every address of a legacy router. */
  readonly cidrs: readonly string[];
}

export interface DesiredRouter {
  readonly id: string;
  readonly namespace: string;
  readonly devices: readonly RouterDevice[];
  /** HA routers only. */
  readonly keepalivedConf: string | undefined;
  /** HA routers only: the other replicas' HA addresses. */
  readonly haPeers: readonly string[];
  readonly nat: { readonly text: string; readonly rules: number };
  /** Legacy routers only: the routes the agent sets (HA routers' are keepalived's virtual_routes). */
  readonly routes: readonly { readonly destination: string; readonly via: string }[];
}

/** The sysctls of a router namespace, as Neutron sets them (namespaces.py, ha_router.py). */
export const ROUTER_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv4.ip_forward': '1',
  'net.ipv4.conf.all.arp_ignore': '1',
  'net.ipv4.conf.all.arp_announce': '2',
  'net.ipv4.ip_nonlocal_bind': '1',
  'net.netfilter.nf_conntrack_tcp_be_liberal': '1',
  'net.ipv6.conf.all.forwarding': '0',
  // No kernel-made IPv6 link-locals: a backup must never send from the shared MAC.
  'net.ipv6.conf.all.addr_gen_mode': '1',
  'net.ipv6.conf.default.addr_gen_mode': '1',
};

const cidrsOf = (port: SnapshotPort) => port.fixed_ips.map((ip) => `${ip.ip_address}/${ip.prefixlen}`);

function device(prefix: 'ha-' | 'qr-' | 'qg-', port: SnapshotPort, cidrs: readonly string[]): RouterDevice {
  return { device: routerDeviceName(prefix, port.id), tap: tapName(port.id), mac: port.mac_address, mtu: port.mtu, cidrs };
}

/**
 * VRRP priority of this replica: `first` (ha_vrrp_priority) for the lowest
 * HA address, 10 less for each next one. nopreempt keeps a returning node a backup whatever its
 * priority; distinct priorities make the backups' takeover timers differ, so
 * two backups never both become master for a moment after the master dies.
 */
export function replicaPriority(own: string, peers: readonly string[], first: number): number {
  const value = (ip: string) => parseIp(ip)?.value ?? 0n;
  const rank = peers.filter((p) => value(p) < value(own)).length;
  return Math.max(1, first - 10 * rank);
}

export function desiredRouter(router: SnapshotRouter, vrrp: SnapshotVrrp, notifyFifo: string): DesiredRouter {
  const ha = router.ha && router.ha_port !== null && router.vrid !== null && router.ha_vip !== null;
  const devices: RouterDevice[] = [];
  if (ha) devices.push(device('ha-', router.ha_port!, cidrsOf(router.ha_port!)));
  for (const iface of router.interfaces) devices.push(device('qr-', iface, ha ? [] : cidrsOf(iface)));
  if (router.gateway) devices.push(device('qg-', router.gateway, ha ? [] : cidrsOf(router.gateway)));
  const nexthop = router.gateway?.gateway_ips.find((ip) => !ip.includes(':')) ?? null;
  let keepalivedConf: string | undefined;
  if (ha) {
    const haAddress = router.ha_port!.fixed_ips[0]!.ip_address;
    const model: KeepalivedRouter = {
      vrid: router.vrid!,
      haDevice: routerDeviceName('ha-', router.ha_port!.id),
      haVip: router.ha_vip!,
      haAddress,
      peers: router.ha_peers,
      interfaces: router.interfaces.map((i) => ({ device: routerDeviceName('qr-', i.id), mac: i.mac_address, cidrs: cidrsOf(i) })),
      gateway: router.gateway ? { device: routerDeviceName('qg-', router.gateway.id), mac: router.gateway.mac_address, cidrs: cidrsOf(router.gateway), nexthop } : null,
      floatingIps: router.floating_ips.map((f) => f.floating_ip_address),
      routes: router.routes,
    };
    keepalivedConf = renderKeepalivedConf(model, {
      vrrpVersion: vrrp.version,
      advertInt: vrrp.advert_int,
      priority: replicaPriority(haAddress, router.ha_peers, vrrp.priority),
      downTimerAdverts: vrrp.down_timer_adverts,
      garpMasterRepeat: vrrp.garp_master_repeat,
      garpMasterRefresh: vrrp.garp_master_refresh,
      garpOnHeal: true,
      untrackPorts: true,
      unicast: vrrp.unicast,
      authType: vrrp.auth_type,
      authPassword: vrrp.auth_password || undefined,
      notifyFifo,
      globalDefs: true,
    });
  }
  const routes: { destination: string; via: string }[] = [];
  if (!ha) {
    if (nexthop) routes.push({ destination: 'default', via: nexthop });
    for (const r of router.routes) routes.push({ destination: r.destination, via: r.nexthop });
  }
  return { id: router.id, namespace: routerNamespace(router.id), devices, keepalivedConf, haPeers: ha ? router.ha_peers : [], nat: renderNat(router), routes };
}
