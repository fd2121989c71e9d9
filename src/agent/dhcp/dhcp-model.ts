// What one network's DHCP server should look like on this node, derived from
// its snapshot (pure): the qdhcp-<network_id> namespace holding the agent's
// DHCP port as tap<port[:11]> with its addresses (the veth's node end has the
// same name and is plugged by the L2 role), dnsmasq's command line and files.
import { join } from 'node:path';
import type { SnapshotDhcpNetwork, SnapshotDhcpSettings } from '../../agent-api/protocol.js';
import { tapName } from '../l2/plan-l2.js';
import { type DhcpHost, dnsmasqArgv, renderAddnHosts, renderHosts, renderOpts, servedHosts, servedSubnets } from './dnsmasq-config.js';

export const DHCP_NS_PREFIX = 'qdhcp-';

export function dhcpNamespace(networkId: string): string {
  return `${DHCP_NS_PREFIX}${networkId}`;
}

/** Where a network's files live: <state_path>/dhcp/<network_id>/, as Neutron keeps them. */
export function dhcpPaths(statePath: string, networkId: string) {
  const dir = join(statePath, 'dhcp', networkId);
  return {
    dir,
    host: join(dir, 'host'),
    addnHosts: join(dir, 'addn_hosts'),
    opts: join(dir, 'opts'),
    leases: join(dir, 'leases'),
    pid: join(dir, 'pid'),
  };
}
export type DhcpPaths = ReturnType<typeof dhcpPaths>;

/** The files dnsmasq re-reads on SIGHUP. */
export type DhcpFile = 'host' | 'addnHosts' | 'opts';
export const DHCP_FILES: readonly DhcpFile[] = ['host', 'addnHosts', 'opts'];

export interface DhcpDevice {
  /** tap<port[:11]>, inside the namespace and (its veth peer) on the node. */
  readonly name: string;
  readonly mac: string;
  readonly mtu: number;
  readonly cidrs: readonly string[];
}

export interface DesiredDhcp {
  readonly networkId: string;
  readonly namespace: string;
  readonly device: DhcpDevice;
  readonly files: Readonly<Record<DhcpFile, string>>;
  /** Every address dnsmasq serves: the leases it must hold so it renews any client's lease. */
  readonly hosts: readonly DhcpHost[];
  readonly argv: readonly string[];
}

/**
 * undefined: this node should run no DHCP server for the network (no DHCP
 * port yet, or no IPv4 subnet with DHCP on), and one that runs is removed.
 */
export function desiredDhcp(network: SnapshotDhcpNetwork, settings: SnapshotDhcpSettings, paths: DhcpPaths, logDir?: string): DesiredDhcp | undefined {
  const port = network.port;
  if (!port || servedSubnets(network).length === 0) return undefined;
  const cidrs = port.fixed_ips.filter((ip) => !ip.ip_address.includes(':')).map((ip) => `${ip.ip_address}/${ip.prefixlen}`);
  if (cidrs.length === 0) return undefined;
  const device = tapName(port.id);
  return {
    networkId: network.id,
    namespace: dhcpNamespace(network.id),
    device: { name: device, mac: port.mac_address, mtu: port.mtu, cidrs },
    files: { host: renderHosts(network, settings.dns_domain), addnHosts: renderAddnHosts(network, settings.dns_domain), opts: renderOpts(network) },
    hosts: servedHosts(network),
    argv: dnsmasqArgv(network, settings, { device, paths, logDir: logDir && join(logDir, network.id) }),
  };
}
