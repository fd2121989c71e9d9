// The L2 role's executor: observes the host namespace the planner needs to
// see, and carries out the planner's actions through the iproute2 wrappers.
// Every action is idempotent, so a failure part-way is repaired by the next
// reconcile.
import { commands, type IpRoute2 } from '../../linux/iproute2.js';
import { type L2Action, type ObservedL2, VXLAN_PREFIX } from './plan-l2.js';

/** The links of the namespace, and the flood entries of our VXLAN devices. */
export async function observeL2(ip: IpRoute2, namespace: string | undefined): Promise<ObservedL2> {
  const links = (await ip.listLinks(namespace)).map((l) => ({ ifname: l.ifname, kind: l.linkinfo?.info_kind, master: l.master, up: l.flags.includes('UP') }));
  const vxlans = links.filter((l) => l.kind === 'vxlan' && l.ifname.startsWith(VXLAN_PREFIX)).map((l) => l.ifname);
  const floodEntries = vxlans.length > 0 ? Object.fromEntries(await ip.allFloodEntries(namespace, vxlans)) : {};
  return { links, floodEntries };
}

/**
 * Carries out the actions in at most three processes: the new bridges, VXLAN
 * devices and plugs in one `ip -batch`, the flood entries in one `bridge
 * -batch`, the removals in another `ip -batch` (flood entries before the
 * devices they belong to go). The commands of a batch that failed run again
 * one by one through the idempotent wrappers (a bridge made meanwhile is
 * fine; a real failure is then reported precisely).
 */
export async function applyL2(ip: IpRoute2, namespace: string | undefined, actions: readonly L2Action[]): Promise<void> {
  const byKind = (kinds: readonly L2Action['kind'][]) => actions.filter((a) => kinds.includes(a.kind));
  // Bridges before the devices plugged into them.
  const wire = [...byKind(['ensure-bridge']), ...byKind(['ensure-vxlan']), ...byKind(['set-master'])];
  await inBatch(ip, namespace, 'ip', wire);
  for (const a of wire) {
    if (a.kind === 'ensure-bridge') await ip.disableIpv6(namespace, a.bridge);
    if (a.kind === 'ensure-vxlan') await ip.disableIpv6(namespace, a.device);
  }
  await inBatch(ip, namespace, 'bridge', byKind(['add-flood-entry', 'remove-flood-entry']));
  await inBatch(ip, namespace, 'ip', byKind(['remove-link']));
}

function commandOf(action: L2Action): string[] {
  switch (action.kind) {
    case 'ensure-bridge':
      return commands.addBridge(action.bridge, action.mtu);
    case 'ensure-vxlan':
      return commands.addVxlan(action);
    case 'set-master':
      return commands.setMaster(action.ifname, action.bridge);
    case 'add-flood-entry':
      return commands.floodEntry('append', action.device, action.dst);
    case 'remove-flood-entry':
      return commands.floodEntry('del', action.device, action.dst);
    case 'remove-link':
      return commands.deleteLink(action.ifname);
  }
}

async function inBatch(ip: IpRoute2, namespace: string | undefined, tool: 'ip' | 'bridge', actions: readonly L2Action[]): Promise<void> {
  for (const i of await ip.batch(namespace, tool, actions.map(commandOf))) await applyOne(ip, namespace, actions[i]!);
}

async function applyOne(ip: IpRoute2, namespace: string | undefined, action: L2Action): Promise<void> {
  switch (action.kind) {
    case 'ensure-bridge':
      await ip.ensureBridge(namespace, action.bridge, { mtu: action.mtu });
      break;
    case 'ensure-vxlan':
      await ip.ensureVxlan(namespace, action);
      break;
    case 'set-master':
      await ip.setMaster(namespace, action.ifname, action.bridge);
      break;
    case 'add-flood-entry':
      await ip.addFloodEntry(namespace, action.device, action.dst);
      break;
    case 'remove-flood-entry':
      await ip.removeFloodEntry(namespace, action.device, action.dst);
      break;
    case 'remove-link':
      await ip.removeLink(namespace, action.ifname);
      break;
  }
}
