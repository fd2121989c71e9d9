// The lab's shape, decided before anything runs (pure): which nodes exist,
// their roles and addresses, the names of the lab's own namespaces and
// links, and each node's agent configuration. Everything the lab creates on
// the machine is named here, which is what lets `hanet lab down` find it.
import { join } from 'node:path';
import type { AgentRole } from '../domain/agent.js';

/** The underlay (management and tunnel) network: TEST-NET-1, only ever inside the fabric. */
export const MGMT_PREFIX = '192.0.2';
export const MGMT_PREFIXLEN = 24;
/** The external provider network's upstream router, as the seeds number it. */
export const UPSTREAM_CIDR = '10.5.0.1/16';
export const UPSTREAM_IP = '10.5.0.1';
/** The physical network name of the external bridge, mapped to eth1 on network nodes. */
export const EXTERNAL_PHYSNET = 'physnet1';

export type NodeKind = 'network' | 'compute';

export interface LabNode {
  readonly name: string;
  readonly kind: NodeKind;
  readonly roles: readonly AgentRole[];
  readonly mgmtIp: string;
  /** Network nodes have eth1 on the external provider bridge. */
  readonly external: boolean;
}

export interface LabShape {
  readonly networkNodes: number;
  readonly computeNodes: number;
}

export const MAX_NETWORK_NODES = 80;
export const MAX_COMPUTE_NODES = 100;

export function labNodes(shape: LabShape): LabNode[] {
  if (!Number.isInteger(shape.networkNodes) || shape.networkNodes < 0 || shape.networkNodes > MAX_NETWORK_NODES) {
    throw new Error(`--network-nodes must be a whole number from 0 to ${MAX_NETWORK_NODES}`);
  }
  if (!Number.isInteger(shape.computeNodes) || shape.computeNodes < 0 || shape.computeNodes > MAX_COMPUTE_NODES) {
    throw new Error(`--compute-nodes must be a whole number from 0 to ${MAX_COMPUTE_NODES}`);
  }
  const nodes: LabNode[] = [];
  for (let i = 0; i < shape.networkNodes; i++) {
    nodes.push({ name: `net-${i}`, kind: 'network', roles: ['l2', 'l3', 'dhcp'], mgmtIp: `${MGMT_PREFIX}.${10 + i}`, external: true });
  }
  for (let i = 0; i < shape.computeNodes; i++) {
    nodes.push({ name: `compute-${i}`, kind: 'compute', roles: ['l2'], mgmtIp: `${MGMT_PREFIX}.${100 + i}`, external: false });
  }
  return nodes;
}

/** Names on the machine, all derived from the lab's name so two labs never meet. */
export function labNames(lab: string) {
  return {
    /** Holds the switches: br-mgmt (underlay) and br-ext (external provider network). */
    fabricNs: `hanet-${lab}-fabric`,
    /** The "upstream" host on the external network. */
    upstreamNs: `hanet-${lab}-upstream`,
    mgmtBridge: 'br-mgmt',
    extBridge: 'br-ext',
    /** Fabric ends of a node's eth0 and eth1 (15 characters at most: m-compute-99). */
    mgmtLink: (node: string) => `m-${node}`,
    extLink: (node: string) => `e-${node}`,
  };
}

export function labPaths(dir: string) {
  return {
    dir,
    state: join(dir, 'lab.json'),
    serverDir: join(dir, 'server'),
    serverLog: join(dir, 'server', 'server.log'),
    agentSocket: join(dir, 'server', 'agent.sock'),
    cloudsYaml: join(dir, 'clouds.yaml'),
    nodeDir: (node: string) => join(dir, 'nodes', node),
    /** A VM's DHCP client files: lease, pid and the log of every DHCP event (dhcp.log). */
    vmDir: (vm: string) => join(dir, 'vms', vm),
  };
}

/** The agent's INI file for one node; its host name comes from the node's hostname. */
export function agentIni(node: LabNode, options: { server: string; token: string; statePath: string; dnsmasqLogDir: string }): string {
  const lines = [
    `roles = ${node.roles.join(',')}`,
    `server = ${options.server}`,
    `agent_token = ${options.token}`,
    `state_path = ${options.statePath}`,
    // Every DHCP exchange logged: what a lab is for.
    ...(node.roles.includes('dhcp') ? [`dnsmasq_base_log_dir = ${options.dnsmasqLogDir}`] : []),
    '',
    '[vxlan]',
    `local_ip = ${node.mgmtIp}`,
  ];
  if (node.external) lines.push('', '[linux_bridge]', `physical_interface_mappings = ${EXTERNAL_PHYSNET}:eth1`);
  return `${lines.join('\n')}\n`;
}

/** A lab VM's name doubles as part of its namespace name inside its node. */
export function vmNamespace(vm: string): string {
  return `vm-${vm}`;
}

export function checkVmName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,19}$/.test(name)) throw new Error(`VM name '${name}': use 1-20 lower-case letters, digits and dashes`);
}
