// A fleet of HA routers in the lab, for the scale benchmark: creates N
// routers (each with one interface on a network of its own) through the API
// and reads what the data plane says about them: the VRRP state each node's
// keepalived last announced (<node>/state/ha_confs/<router>/state, recorded by
// its agent), when it was recorded, and the node's keepalived processes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { NeutronClient } from '../../src/client/neutron-client.js';
import { processesWith, procStatFields, readCmdline } from '../../src/linux/proc.js';
import { phase } from './phase.js';

/** One project's HA network holds 254 VRIDs; the fleet spreads routers over projects of this many. */
const ROUTERS_PER_PROJECT = 200;

export interface FleetRouter {
  readonly id: string;
  readonly networkId: string;
  /** The interface's address, the gateway of a VM on the router's network. */
  readonly gateway: string;
}

/** Router i's subnet: 10.(100 + i / 256).(i % 256).0/24. */
export function fleetCidr(i: number): { cidr: string; gateway: string } {
  const prefix = `10.${100 + (i >> 8)}.${i & 255}`;
  return { cidr: `${prefix}.0/24`, gateway: `${prefix}.1` };
}

/** Creates routers [from, to) with `concurrency` clients; DHCP off, so only the L3 side is measured. */
export async function createFleet(api: NeutronClient, from: number, to: number, concurrency: number): Promise<FleetRouter[]> {
  const routers: FleetRouter[] = [];
  await phase(to - from, concurrency, async (k) => {
    const i = from + k;
    const project_id = `scale${Math.floor(i / ROUTERS_PER_PROJECT)}`.padEnd(32, '0');
    const { cidr, gateway } = fleetCidr(i);
    const { network } = await api.post<{ network: { id: string } }>('/v2.0/networks', { network: { name: `scale-${i}`, project_id } });
    const { subnet } = await api.post<{ subnet: { id: string } }>('/v2.0/subnets', { subnet: { network_id: network.id, cidr, ip_version: 4, enable_dhcp: false, project_id } });
    const { router } = await api.post<{ router: { id: string } }>('/v2.0/routers', { router: { name: `scale-${i}`, project_id } });
    await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
    routers.push({ id: router.id, networkId: network.id, gateway });
    return 0;
  });
  return routers;
}

export type VrrpState = 'master' | 'backup' | 'fault';

export interface RecordedState {
  readonly state: VrrpState;
  /** When the agent recorded it, as it read keepalived's notify FIFO (ms since the epoch). */
  readonly atMs: number;
}

export const haConfsDir = (labDir: string, node: string) => `${labDir}/nodes/${node}/state/ha_confs`;

/** Per router, the state the node's keepalived last recorded. */
export function recordedStates(labDir: string, node: string): Map<string, RecordedState> {
  const states = new Map<string, RecordedState>();
  let routers: string[];
  try {
    routers = readdirSync(haConfsDir(labDir, node));
  } catch {
    return states;
  }
  for (const id of routers) {
    const file = `${haConfsDir(labDir, node)}/${id}/state`;
    try {
      const state = readFileSync(file, 'utf8').trim();
      if (state === 'master' || state === 'backup' || state === 'fault') states.set(id, { state, atMs: statSync(file).mtimeMs });
    } catch {
      // not written yet
    }
  }
  return states;
}

/** Per router, the nodes (of `nodes`) whose keepalived says master. */
export function mastersByRouter(labDir: string, nodes: readonly string[]): Map<string, string[]> {
  const masters = new Map<string, string[]>();
  for (const node of nodes) {
    for (const [id, s] of recordedStates(labDir, node)) {
      if (!masters.has(id)) masters.set(id, []);
      if (s.state === 'master') masters.get(id)!.push(node);
    }
  }
  return masters;
}

/** Routers that do not have exactly one master among `nodes` (missing ones count). */
export function notSingleMaster(labDir: string, nodes: readonly string[], routers: readonly FleetRouter[]): FleetRouter[] {
  const masters = mastersByRouter(labDir, nodes);
  return routers.filter((r) => masters.get(r.id)?.length !== 1);
}

/** The keepalived processes of a node (found by their config path under the lab's directory). */
export function keepalivedPids(labDir: string, node: string): number[] {
  return processesWith(`${haConfsDir(labDir, node)}/`).filter((p) => readCmdline(p)?.startsWith('keepalived'));
}

/** Clock ticks a process used so far (user + system), with those of the children it reaped if asked; 0 when gone. */
function cpuTicks(pid: number, withChildren: boolean): number {
  try {
    const f = procStatFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  } catch {
    return 0; // gone
  }
}

/** CPU seconds (user + system) the processes used so far; gone ones count 0. */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((ticks, pid) => ticks + cpuTicks(pid, false), 0) / 100;
}

/** CPU seconds a process used so far, with those of the children it reaped (its commands); 0 when gone. */
export function cpuSecondsWithChildren(pid: number): number {
  return cpuTicks(pid, true) / 100;
}

/** Sum of a /proc/<pid>/<file> field in kB (VmRSS in status, Pss in smaps_rollup). */
export function sumKb(pids: readonly number[], file: 'status' | 'smaps_rollup', field: 'VmRSS' | 'Pss'): number {
  let kb = 0;
  const pattern = new RegExp(`^${field}:\\s+(\\d+)`, 'm');
  for (const pid of pids) {
    try {
      kb += Number(pattern.exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb;
}

/** The machine's busy share (all cores, 0–100 %) between two readings of /proc/stat. */
export function cpuTimes(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3]! + v[4]!;
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export function memAvailableKb(): number {
  return Number(/^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
}
