// keepalived.conf for one HA router, rendered as Neutron lays it out (seed
// 000): one vrrp_instance, state BACKUP and nopreempt everywhere, the VIP on
// the HA interface, and every real address in virtual_ipaddress_excluded so
// that only the master holds them. Pure: the agent writes the text
// atomically and signals keepalived only when it changed.
import { eui64InterfaceId } from '../../domain/mac.js';
import { formatIp, parseIp } from '../../domain/ip.js';

/** ha-/qr-/qg- plus the first 11 characters of the port id (15 in all, the kernel's limit). */
export function routerDeviceName(prefix: 'ha-' | 'qr-' | 'qg-', portId: string): string {
  return `${prefix}${portId.slice(0, 11)}`;
}

export interface KeepalivedInterface {
  readonly device: string;
  readonly mac: string;
  /** Addresses with prefix length, e.g. 192.168.200.1/24. */
  readonly cidrs: readonly string[];
}

export interface KeepalivedRouter {
  readonly vrid: number;
  readonly haDevice: string;
  /** 169.254.0.<vrid>/24. */
  readonly haVip: string;
  /** This replica's HA address (the unicast source). */
  readonly haAddress: string;
  /** The other replicas' HA addresses (unicast peers). */
  readonly peers: readonly string[];
  readonly interfaces: readonly KeepalivedInterface[];
  readonly gateway: (KeepalivedInterface & { readonly nexthop: string | null }) | null;
  readonly floatingIps: readonly string[];
  readonly routes: readonly { readonly destination: string; readonly nexthop: string }[];
}

export interface KeepalivedSettings {
  readonly vrrpVersion: 2 | 3;
  /** Seconds; VRRPv3 takes fractions, VRRPv2 whole seconds. */
  readonly advertInt: number;
  readonly priority: number;
  /** Missed adverts before a backup takes over; 3 (the RFCs') is not written. */
  readonly downTimerAdverts?: number;
  readonly garpMasterRepeat: number;
  /** Seconds between GARPs of a master; 0 = none. */
  readonly garpMasterRefresh: number;
  /**
   * When a split brain heals, the master that stays sends GARPs again
   * (garp_lower_prio_repeat), told by the one stepping down with a last
   * advert (higher_prio_send_advert). Without it the network may keep
   * pointing at the replica that stepped down, whose GARPs were the last.
   */
  readonly garpOnHeal?: boolean;
  /**
   * no_track on every qr-/qg- address and route, so that only the HA device
   * can put the replica in FAULT. Those devices are veths: their carrier
   * follows our own plumbing, never a cable, so tracking them detects
   * nothing. It did cause failovers: a reload that finds a device made a
   * moment before, up but with its carrier not yet on (the kernel sets it
   * asynchronously), puts a master in FAULT, and a backup takes the router
   * (seen in the lab at router-gateway-set on a busy machine).
   */
  readonly untrackPorts?: boolean;
  readonly unicast: boolean;
  readonly authType?: 'PASS' | 'AH';
  readonly authPassword?: string;
  /** The FIFO keepalived writes each transition to (global_defs notify_fifo), read by the agent. */
  readonly notifyFifo?: string;
  /** Emit global_defs (Neutron's notification_email_from/router_id, vrrp_version). */
  readonly globalDefs: boolean;
}

/** The IPv6 link-local keepalived manages for a qr- device (EUI-64 of its MAC), as in the seed. */
export function linkLocalOf(mac: string): string {
  return `${formatIp({ version: 6, value: (0xfe80n << 112n) | eui64InterfaceId(mac) })}/64`;
}

function sortKey(cidr: string): [number, bigint] {
  const ip = parseIp(cidr.split('/')[0]!)!;
  const linkLocal = ip.version === 6 && ip.value >> 118n === 0x3fan;
  return [linkLocal ? 3 : ip.version === 4 ? 1 : 2, ip.value];
}

function excludedAddresses(router: KeepalivedRouter): string[] {
  const entries: { cidr: string; line: string }[] = [];
  for (const iface of router.interfaces) {
    for (const cidr of iface.cidrs) entries.push({ cidr, line: `${cidr} dev ${iface.device}` });
    const ll = linkLocalOf(iface.mac);
    entries.push({ cidr: ll, line: `${ll} dev ${iface.device} scope link` });
  }
  if (router.gateway) {
    for (const cidr of router.gateway.cidrs) entries.push({ cidr, line: `${cidr} dev ${router.gateway.device}` });
    for (const fip of router.floatingIps) entries.push({ cidr: `${fip}/32`, line: `${fip}/32 dev ${router.gateway.device}` });
  }
  return entries
    .sort((a, b) => {
      const [ka, va] = sortKey(a.cidr);
      const [kb, vb] = sortKey(b.cidr);
      return ka - kb || (va < vb ? -1 : va > vb ? 1 : 0);
    })
    .map((e) => e.line);
}

function block(name: string, lines: readonly string[], indent: string): string[] {
  return [`${indent}${name} {`, ...lines.map((l) => `${indent}    ${l}`), `${indent}}`];
}

export function renderKeepalivedConf(router: KeepalivedRouter, s: KeepalivedSettings): string {
  const out: string[] = [];
  if (s.globalDefs) {
    const defs = ['notification_email_from neutron@openstack.local', 'router_id neutron'];
    if (s.vrrpVersion === 3) defs.push('vrrp_version 3');
    if (s.notifyFifo) defs.push(`notify_fifo ${s.notifyFifo}`);
    out.push(...block('global_defs', defs, ''));
  }
  const i = '    ';
  const body: string[] = [
    `${i}state BACKUP`,
    `${i}interface ${router.haDevice}`,
    `${i}virtual_router_id ${router.vrid}`,
    `${i}priority ${s.priority}`,
    `${i}garp_master_repeat ${s.garpMasterRepeat}`,
  ];
  if (s.garpMasterRefresh > 0) body.push(`${i}garp_master_refresh ${s.garpMasterRefresh}`);
  if (s.garpOnHeal) body.push(`${i}garp_lower_prio_repeat ${s.garpMasterRepeat}`, `${i}higher_prio_send_advert`);
  body.push(`${i}nopreempt`, `${i}advert_int ${s.vrrpVersion === 2 ? Math.max(1, Math.round(s.advertInt)) : s.advertInt}`);
  if (s.downTimerAdverts !== undefined && s.downTimerAdverts !== 3) body.push(`${i}down_timer_adverts ${s.downTimerAdverts}`);
  if (s.authPassword) body.push(...block('authentication', [`auth_type ${s.authType ?? 'PASS'}`, `auth_pass ${s.authPassword}`], i));
  if (s.unicast) {
    body.push(`${i}unicast_src_ip ${router.haAddress}`);
    body.push(...block('unicast_peer', [...router.peers].sort(), i));
  }
  body.push(...block('track_interface', [router.haDevice], i));
  body.push(...block('virtual_ipaddress', [`${router.haVip} dev ${router.haDevice}`], i));
  const untracked = (line: string) => (s.untrackPorts ? `${line} no_track` : line);
  const excluded = excludedAddresses(router).map(untracked);
  if (excluded.length > 0) body.push(...block('virtual_ipaddress_excluded', excluded, i));
  const routes: string[] = [];
  if (router.gateway?.nexthop) routes.push(`0.0.0.0/0 via ${router.gateway.nexthop} dev ${router.gateway.device}`);
  for (const r of router.routes) routes.push(`${r.destination} via ${r.nexthop}`);
  if (routes.length > 0) body.push(...block('virtual_routes', routes.map(untracked), i));
  out.push(`vrrp_instance VR_${router.vrid} {`, ...body, '}');
  return `${out.join('\n')}\n`;
}
