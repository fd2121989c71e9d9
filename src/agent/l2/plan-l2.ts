// The L2 role's planner (pure): from the networks a host needs and what its
// namespace holds now, the actions that close the gap. A Linux bridge per
// network (brq<network id[:11]>, Neutron's linuxbridge naming); for VXLAN a
// vxlan-<vni> device on it, learning on (GARP must move a router's MAC to the
// new master) and one all-zero fdb entry per peer host (head-end
// replication); for flat networks the mapped physical interface on it.
// Bridges and VXLAN devices no network needs any more are removed.
import type { SnapshotL2Network } from '../../agent-api/protocol.js';

export const BRIDGE_PREFIX = 'brq';
export const VXLAN_PREFIX = 'vxlan-';

export function bridgeName(networkId: string): string {
  return `${BRIDGE_PREFIX}${networkId.slice(0, 11)}`;
}

export function vxlanName(vni: number): string {
  return `${VXLAN_PREFIX}${vni}`;
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
  readonly links: readonly { ifname: string; kind?: string; master?: string }[];
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
}

export function planL2(desired: readonly SnapshotL2Network[], observed: ObservedL2, settings: L2Settings): L2Plan {
  const actions: L2Action[] = [];
  const problems: string[] = [];
  const links = new Map(observed.links.map((l) => [l.ifname, l]));
  const wanted = new Set<string>();

  for (const net of desired) {
    const bridge = bridgeName(net.id);
    wanted.add(bridge);
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

  // Ownership by name: our prefixes, not wanted any more, go.
  for (const link of observed.links) {
    const ours = (link.kind === 'bridge' && link.ifname.startsWith(BRIDGE_PREFIX)) || (link.kind === 'vxlan' && link.ifname.startsWith(VXLAN_PREFIX));
    if (ours && !wanted.has(link.ifname)) actions.push({ kind: 'remove-link', ifname: link.ifname });
  }
  return { actions, problems };
}
