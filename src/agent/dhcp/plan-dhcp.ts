// The DHCP role's planner (pure): from what a network's DHCP server should be
// on this node and what its namespace holds now, the actions that close the
// gap. dnsmasq re-reads its host, addn_hosts and opts files on SIGHUP, but
// its leases and command line only when it starts, so it is restarted (the
// other replicas answer meanwhile) when the command line changed or when
// the leases it holds are not exactly the ports' addresses: a port added
// since the start needs a lease here to be renewed here (dnsmasq-config.ts,
// mergeLeases), and a port removed must not keep its address leased.
import { type DhcpHost, hostPairs, leasedPairs } from './dnsmasq-config.js';
import { DHCP_FILES, type DesiredDhcp, type DhcpDevice, type DhcpFile } from './dhcp-model.js';

export interface ObservedDhcp {
  readonly namespace: boolean;
  /** Devices in the namespace (lo excluded). */
  readonly devices: readonly { readonly ifname: string; readonly mac: string | undefined; readonly mtu: number; readonly up: boolean; readonly cidrs: readonly string[] }[];
  readonly files: Readonly<Partial<Record<DhcpFile, string>>>;
  readonly leases: string | undefined;
  /** The running dnsmasq's command line (arguments joined by spaces); undefined when it is not running. */
  readonly dnsmasqCommand: string | undefined;
}

export type DhcpAction =
  | { readonly kind: 'create-namespace' }
  | { readonly kind: 'remove-device'; readonly device: string }
  /** A veth named after the port at both ends: inside the namespace and on the node. */
  | { readonly kind: 'create-device'; readonly spec: DhcpDevice }
  | { readonly kind: 'set-up'; readonly device: string }
  | { readonly kind: 'add-address'; readonly device: string; readonly cidr: string }
  | { readonly kind: 'remove-address'; readonly device: string; readonly cidr: string }
  | { readonly kind: 'write-file'; readonly file: DhcpFile; readonly text: string }
  | { readonly kind: 'stop-dnsmasq' }
  /** Merges dnsmasq's lease file with the hosts when it runs (dnsmasq may have written it since we looked). */
  | { readonly kind: 'write-leases'; readonly hosts: readonly DhcpHost[] }
  | { readonly kind: 'start-dnsmasq'; readonly argv: readonly string[] }
  | { readonly kind: 'reload-dnsmasq' };

export interface DhcpPlan {
  readonly actions: DhcpAction[];
  /** A restart is due but was not allowed now: plan again later. */
  readonly restartDeferred: boolean;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export interface RestartPolicy {
  /** false while the files or dnsmasq changed too recently (the role waits for quiet). */
  readonly allowed: boolean;
  /** A restart has waited long enough: do it now even if the files keep changing. */
  readonly overdue: boolean;
}

/**
 * A due restart waits while the files are changing (they reach dnsmasq by
 * SIGHUP at once; a restart would only delay the next change), unless it
 * is overdue or the device was replaced.
 */
export function planDhcp(desired: DesiredDhcp, observed: ObservedDhcp, restart: RestartPolicy): DhcpPlan {
  const actions: DhcpAction[] = [];
  if (!observed.namespace) actions.push({ kind: 'create-namespace' });
  const { device } = desired;
  for (const d of observed.devices) if (d.ifname !== device.name) actions.push({ kind: 'remove-device', device: d.ifname });

  const have = observed.devices.find((d) => d.ifname === device.name);
  const recreate = !have || have.mac?.toLowerCase() !== device.mac.toLowerCase() || have.mtu !== device.mtu;
  if (recreate) {
    if (have) actions.push({ kind: 'remove-device', device: device.name });
    actions.push({ kind: 'create-device', spec: device });
    for (const cidr of device.cidrs) actions.push({ kind: 'add-address', device: device.name, cidr });
  } else {
    if (!have.up) actions.push({ kind: 'set-up', device: device.name });
    for (const cidr of device.cidrs) if (!have.cidrs.includes(cidr)) actions.push({ kind: 'add-address', device: device.name, cidr });
    for (const cidr of have.cidrs) if (!device.cidrs.includes(cidr)) actions.push({ kind: 'remove-address', device: device.name, cidr });
  }

  let filesChanged = false;
  for (const file of DHCP_FILES) {
    if (observed.files[file] === desired.files[file]) continue;
    actions.push({ kind: 'write-file', file, text: desired.files[file] });
    filesChanged = true;
  }

  const start: DhcpAction[] = [
    { kind: 'write-leases', hosts: desired.hosts },
    { kind: 'start-dnsmasq', argv: desired.argv },
  ];
  if (observed.dnsmasqCommand === undefined) return { actions: [...actions, ...start], restartDeferred: false };
  // --bind-interfaces: a dnsmasq bound to a device that was replaced serves nothing.
  const restartDue = recreate || observed.dnsmasqCommand !== desired.argv.join(' ') || !sameList(leasedPairs(observed.leases), hostPairs(desired.hosts));
  if (restartDue && (recreate || restart.overdue || (restart.allowed && !filesChanged))) return { actions: [...actions, { kind: 'stop-dnsmasq' }, ...start], restartDeferred: false };
  if (filesChanged) actions.push({ kind: 'reload-dnsmasq' });
  return { actions, restartDeferred: restartDue };
}
