// The L2 role's planner (pure): from the networks a host needs and what its
// namespace holds now, the actions that close the gap. A Linux bridge per
// network (brq<network id[:11]>, Neutron's linuxbridge naming); for VXLAN a
// vxlan-<vni> device on it, learning on (GARP must move a router's MAC to the
// new master) and one all-zero fdb entry per peer host (head-end
// replication); for flat networks the mapped physical interface on it.
// Each port's tap (tap<port id[:11]>, created by whoever runs the port: the
// L3 and DHCP roles, or the hypervisor for a VM) is plugged into its
// network's bridge. Bridges and VXLAN devices no network needs any more are
// removed; taps of ports the host no longer has are reported, and removed by
// the caller once they stay unknown (see staleTaps).
import type { HostSnapshot, SnapshotL2Network } from '../../agent-api/protocol.js';

export const BRIDGE_PREFIX = 'brq';
export const VXLAN_PREFIX = 'vxlan-';
export const TAP_PREFIX = 'tap';

export function tapName(portId: string): string {
  return `${TAP_PREFIX}${portId.slice(0, 11)}`;
}

export function bridgeName(networkId: string): string {
  return `${BRIDGE_PREFIX}${networkId.slice(0, 11)}`;
}

export function vxlanName(vni: number): string {
  return `${VXLAN_PREFIX}${vni}`;
}

/** A port the host should have plugged. */
export interface L2Port {
  readonly id: string;
  readonly network_id: string;
}

export interface DesiredL2 {
  readonly networks: readonly SnapshotL2Network[];
  readonly ports: readonly L2Port[];
}

/** Every port of the snapshot that lives on this host: VMs, router ports, DHCP ports. */
export function desiredL2(snapshot: HostSnapshot): DesiredL2 {
  const ports: L2Port[] = [...snapshot.bound_ports];
  for (const r of snapshot.routers) {
    if (r.ha_port) ports.push(r.ha_port);
    ports.push(...r.interfaces);
    if (r.gateway) ports.push(r.gateway);
  }
  for (const n of snapshot.dhcp_networks) if (n.port) ports.push(n.port);
  return { networks: snapshot.l2_networks, ports };
}

export interface L2Settings {
  /** This host's VXLAN endpoint address. */
  readonly localIp: string;
  /** The device that carries the tunnels (VXLAN's `dev`). */
  readonly tunnelDevice: string;
  /** physical_interface_mappings: physical network → interface, for flat networks. */
  readonly physicalInterfaces: Readonly<Record<string, string>>;
}

/** What the host's namespace holds now, as far as the L2 role owns it. */
export interface ObservedL2 {
  readonly links: readonly { ifname: string; kind?: string; master?: string; up?: boolean }[];
  /** vxlan device → destinations of its all-zero (flood) fdb entries. */
  readonly floodEntries: Readonly<Record<string, readonly string[]>>;
}

export type L2Action =
  | { readonly kind: 'ensure-bridge'; readonly bridge: string; readonly mtu: number }
  | { readonly kind: 'ensure-vxlan'; readonly device: string; readonly vni: number; readonly local: string; readonly dev: string; readonly mtu: number; readonly bridge: string }
  | { readonly kind: 'set-master'; readonly ifname: string; readonly bridge: string }
  | { readonly kind: 'add-flood-entry'; readonly device: string; readonly dst: string }
  | { readonly kind: 'remove-flood-entry'; readonly device: string; readonly dst: string }
  | { readonly kind: 'remove-link'; readonly ifname: string };

export interface L2Plan {
  readonly actions: readonly L2Action[];
  /** Networks that cannot be wired here (e.g. a flat network with no mapped interface). */
  readonly problems: readonly string[];
  /** Ports whose tap exists and will be on its bridge once the actions ran: ACTIVE. */
  readonly wiredPorts: readonly string[];
  /** Taps that belong to no port of this host. */
  readonly unknownTaps: readonly string[];
}

/**
 * Whether a link event (a line of `ip -o monitor link`) may leave the L2
 * role something to do. A link that is up and in a bridge needs nothing from
 * it (a tap is only ever plugged into its network's bridge), and the kernel
 * announces such links again and again with nothing changed: with 250
 * routers a node saw bursts of dozens every two seconds, and each woke a
 * pass that read every link and flood entry of the node. A new or changed
 * link that is down or in no bridge, and a deleted one, may need a pass.
 */
export function linkEventNeedsL2(line: string): boolean {
  if (line.startsWith('Deleted ')) return true;
  const flags = /<([^>]*)>/.exec(line)?.[1]?.split(',') ?? [];
  return !flags.includes('UP') || !/ master \S+/.test(line);
}

export function planL2(desired: DesiredL2, observed: ObservedL2, settings: L2Settings): L2Plan {
  const actions: L2Action[] = [];
  const problems: string[] = [];
  const links = new Map(observed.links.map((l) => [l.ifname, l]));
  const wanted = new Set<string>();
  const bridges = new Set<string>();
  for (const net of desired.networks) {
    const bridge = bridgeName(net.id);
    wanted.add(bridge);
    bridges.add(bridge);
    if (links.get(bridge)?.kind !== 'bridge') actions.push({ kind: 'ensure-bridge', bridge, mtu: net.mtu });
    if (net.network_type === 'vxlan' && net.segmentation_id !== null) {
      const device = vxlanName(net.segmentation_id);
      wanted.add(device);
      const have = links.get(device);
      if (have?.kind !== 'vxlan') {
        actions.push({ kind: 'ensure-vxlan', device, vni: net.segmentation_id, local: settings.localIp, dev: settings.tunnelDevice, mtu: net.mtu, bridge });
      } else if (have.master !== bridge) {
        actions.push({ kind: 'set-master', ifname: device, bridge });
      }
      const current = new Set(observed.floodEntries[device] ?? []);
      for (const dst of net.remote_tunnels) if (!current.has(dst)) actions.push({ kind: 'add-flood-entry', device, dst });
      for (const dst of current) if (!net.remote_tunnels.includes(dst)) actions.push({ kind: 'remove-flood-entry', device, dst });
    } else if (net.network_type === 'flat') {
      const iface = net.physical_network ? settings.physicalInterfaces[net.physical_network] : undefined;
      if (!iface) problems.push(`network ${net.id}: no interface mapped for physical network ${net.physical_network ?? '(none)'}`);
      else if (links.get(iface)?.master !== bridge) actions.push({ kind: 'set-master', ifname: iface, bridge });
    } else {
      problems.push(`network ${net.id}: network type ${net.network_type} is not supported here`);
    }
  }

  const wiredPorts: string[] = [];
  const taps = new Set<string>();
  for (const port of desired.ports) {
    const tap = tapName(port.id);
    const bridge = bridgeName(port.network_id);
    taps.add(tap);
    const have = links.get(tap);
    if (!have || !bridges.has(bridge)) continue; // not created yet, or its network is not wired here
    if (have.master !== bridge || !have.up) actions.push({ kind: 'set-master', ifname: tap, bridge });
    wiredPorts.push(port.id);
  }
  // Ownership by name: our prefixes, not wanted any more, go.
  const unknownTaps: string[] = [];
  for (const link of observed.links) {
    const ours = (link.kind === 'bridge' && link.ifname.startsWith(BRIDGE_PREFIX)) || (link.kind === 'vxlan' && link.ifname.startsWith(VXLAN_PREFIX));
    if (ours && !wanted.has(link.ifname)) actions.push({ kind: 'remove-link', ifname: link.ifname });
    if (link.kind === 'veth' && link.ifname.startsWith(TAP_PREFIX) && !taps.has(link.ifname)) unknownTaps.push(link.ifname);
  }
  return { actions, problems, wiredPorts, unknownTaps };
}

/**
 * Taps to remove now: a tap whose port this host had in its last pass (the
 * port was deleted or moved) goes at once; any other unknown tap only once
 * it stayed unknown for `graceMs`, since a tap may show up just before the
 * snapshot that names its port (the port was created, then plugged).
 * Returns the sightings to keep for the next pass.
 */
export function staleTaps(
  unknown: readonly string[],
  hadPort: ReadonlySet<string>,
  firstSeen: ReadonlyMap<string, number>,
  now: number,
  graceMs: number,
): { remove: string[]; firstSeen: Map<string, number>; recheckInMs: number | undefined } {
  const next = new Map<string, number>();
  const remove: string[] = [];
  let recheckInMs: number | undefined;
  for (const tap of unknown) {
    const since = firstSeen.get(tap) ?? now;
    if (hadPort.has(tap) || now - since >= graceMs) {
      remove.push(tap);
    } else {
      next.set(tap, since);
      const left = since + graceMs - now;
      recheckInMs = recheckInMs === undefined ? left : Math.min(recheckInMs, left);
    }
  }
  return { remove, firstSeen: next, recheckInMs };
}
