// The lab's wires. The "switches" live in the lab's own fabric namespace,
// never in the machine's root namespace: br-mgmt (the underlay that carries
// VXLAN between nodes) and br-ext (the external provider network, with the
// upstream host on it). Nothing is addressed or routed in the root namespace.
import { existsSync } from 'node:fs';
import { IpRoute2 } from '../linux/iproute2.js';
import { Sysctl, sysctlPath } from '../linux/sysctl.js';
import { type LabNode, labNames, MGMT_PREFIXLEN, UPSTREAM_CIDR } from './lab-layout.js';
import { nodeExec } from './lab-node.js';
import { raiseNeighbourLimits } from './neighbour-limits.js';

const root = new IpRoute2();

export async function createFabric(lab: string): Promise<void> {
  const n = labNames(lab);
  await raiseNeighbourLimits();
  await root.ensureNamespace(n.fabricNs);
  await bridgeFilteringOff(n.fabricNs);
  for (const bridge of [n.mgmtBridge, n.extBridge]) {
    await root.ensureBridge(n.fabricNs, bridge);
    await root.disableIpv6(n.fabricNs, bridge);
  }
  await root.ensureNamespace(n.upstreamNs);
  await root.ensureVeth({ namespace: n.fabricNs, name: 'x-upstream', peer: 'eth0', peerNamespace: n.upstreamNs });
  await root.setMaster(n.fabricNs, 'x-upstream', n.extBridge);
  await root.setUp(n.fabricNs, 'x-upstream');
  await root.ensureAddress(n.upstreamNs, 'eth0', UPSTREAM_CIDR);
  await root.setUp(n.upstreamNs, 'eth0');
}

/**
 * Bridged frames skip netfilter in the fabric, as in the nodes
 * (lab-node-init.sh): with br_netfilter loaded on the machine a new namespace
 * has it on, and every VXLAN packet between nodes crossed br-mgmt's hooks.
 */
async function bridgeFilteringOff(namespace: string): Promise<void> {
  const keys = ['iptables', 'ip6tables', 'arptables'].map((t) => `net.bridge.bridge-nf-call-${t}`).filter((k) => existsSync(sysctlPath(k)));
  if (keys.length > 0) await new Sysctl().set(namespace, Object.fromEntries(keys.map((k) => [k, 0])));
}

export async function removeFabric(lab: string): Promise<string[]> {
  const n = labNames(lab);
  const present = await root.listNamespaces();
  const ours = [n.fabricNs, n.upstreamNs].filter((ns) => present.includes(ns));
  for (const ns of ours) await root.removeNamespace(ns);
  return ours;
}

/** Cables a node: eth0 on br-mgmt with its underlay address, and eth1 on br-ext for network nodes. */
export async function attachNode(lab: string, node: LabNode, init: number): Promise<void> {
  const n = labNames(lab);
  const inNode = new IpRoute2(nodeExec(init));
  const cables: [string, string, string][] = [[n.mgmtLink(node.name), 'eth0', n.mgmtBridge]];
  if (node.external) cables.push([n.extLink(node.name), 'eth1', n.extBridge]);
  for (const [fabricEnd, nodeEnd, bridge] of cables) {
    // Replaced, not kept: a killed node's old cable may still be on its way out.
    await root.replaceVeth({ namespace: n.fabricNs, name: fabricEnd, peer: nodeEnd, peerNamespace: String(init) });
    await root.disableIpv6(n.fabricNs, fabricEnd);
    await root.setMaster(n.fabricNs, fabricEnd, bridge);
    await root.setUp(n.fabricNs, fabricEnd);
    await inNode.setUp(undefined, nodeEnd);
  }
  await inNode.ensureAddress(undefined, 'eth0', `${node.mgmtIp}/${MGMT_PREFIXLEN}`);
}

/** Cuts (or restores) a node's underlay cable: its tunnels stop, its external link stays. */
export async function setMgmtLink(lab: string, node: string, up: boolean): Promise<void> {
  const n = labNames(lab);
  if (up) await root.setUp(n.fabricNs, n.mgmtLink(node));
  else await root.setDown(n.fabricNs, n.mgmtLink(node));
}

/** Cuts every cable of a node (underlay and external), as a dead machine's links go dark. */
export async function cutCables(lab: string, node: LabNode): Promise<void> {
  const n = labNames(lab);
  await root.setDown(n.fabricNs, n.mgmtLink(node.name));
  if (node.external) await root.setDown(n.fabricNs, n.extLink(node.name));
}
