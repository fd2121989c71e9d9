// The L2 role's executor: observes the host namespace the planner needs to
// see, and carries out the planner's actions through the iproute2 wrappers,
// in order. Every action is idempotent, so a failure part-way is repaired by
// the next reconcile.
import type { IpRoute2 } from '../../linux/iproute2.js';
import { type L2Action, type ObservedL2, VXLAN_PREFIX } from './plan-l2.js';

/** The links of the namespace, and the flood entries of our VXLAN devices. */
export async function observeL2(ip: IpRoute2, namespace: string | undefined): Promise<ObservedL2> {
  const links = (await ip.listLinks(namespace)).map((l) => ({ ifname: l.ifname, kind: l.linkinfo?.info_kind, master: l.master, up: l.flags.includes('UP') }));
  const floodEntries: Record<string, string[]> = {};
  for (const link of links) {
    if (link.kind === 'vxlan' && link.ifname.startsWith(VXLAN_PREFIX)) floodEntries[link.ifname] = await ip.floodEntries(namespace, link.ifname);
  }
  return { links, floodEntries };
}

export async function applyL2(ip: IpRoute2, namespace: string | undefined, actions: readonly L2Action[]): Promise<void> {
  for (const action of actions) {
    switch (action.kind) {
      case 'ensure-bridge':
        await ip.ensureBridge(namespace, action.bridge, { mtu: action.mtu });
        await ip.disableIpv6(namespace, action.bridge);
        break;
      case 'ensure-vxlan':
        await ip.ensureVxlan(namespace, action);
        await ip.disableIpv6(namespace, action.device);
        break;
      case 'set-master':
        await ip.setMaster(namespace, action.ifname, action.bridge);
        await ip.setUp(namespace, action.ifname);
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
}
