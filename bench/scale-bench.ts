// HA routers at scale in the lab (3 network nodes and a compute node, all on
// this machine). For each N of --routers, on a fresh lab, going up until an
// N no longer converges within the target (CONVERGENCE_TARGET_S):
//  - convergence: create N HA routers (each with one interface) and time
//    until every router has exactly one master on the data plane and the
//    API shows that master as its active replica; then hold 10 s and measure
//    keepalived's CPU, processes and memory on a node and the machine's load;
//  - agent restart (--restart N values): a VM pings its gateway through a
//    router whose master is on the node; that node's agent is stopped and
//    started; time to its "full resync done", VRRP transitions (recorded
//    states and keepalived PIDs compared before and after), lost pings;
//  - server restart: agents keep forwarding (lost pings) and are resynced
//    (each agent's "full resync done") within seconds of the server's return;
//  - mass failover: a node is killed with the routers it masters; per router
//    the outage is the time from the kill to the survivor's transition to
//    master (as its agent read it from keepalived's notify FIFO), the VM's
//    ping gives the real outage of one of them, and the API delay is until
//    the API shows a new active for every one. Two rounds kill net-0, then
//    net-1 (each comes back as backup), so the second node masters more.
//   node dist/bench/scale-bench.js [--routers 100,250,500] [--restart 250] [--convergence-only]
import { readFileSync } from 'node:fs';
import { Lab } from '../src/lab/lab.js';
import { readLabState } from '../src/lab/lab-state.js';
import { outageAfter } from '../src/lab/ping.js';
import { sleep, waitUntil } from '../src/lab/wait.js';
import { TestLab } from '../test/support/lab.js';
import {
  cpuSeconds,
  cpuSecondsWithChildren,
  cpuTimes,
  createFleet,
  type FleetRouter,
  keepalivedPids,
  mastersByRouter,
  memAvailableKb,
  notSingleMaster,
  recordedStates,
  sumKb,
} from './lib/ha-fleet.js';
import { namespaceCleanupDone } from './lib/netns-cleanup.js';
import { machineLine, writeJsonFile } from './lib/report.js';
import { percentile } from './lib/stats.js';

const NODES = ['net-0', 'net-1', 'net-2'];
/** The bound for 250 routers; a larger N is not tried once an N takes longer. */
const CONVERGENCE_TARGET_S = 60;
const VM = 'vm1';

const listArg = (name: string, fallback: number[]): number[] => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]!.split(',').filter(Boolean).map(Number) : fallback;
};

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
const round1 = (v: number) => Number(v.toFixed(1));

export interface Convergence {
  routers: number;
  api_s: number;
  data_plane_s: number;
  seconds: number;
  rss_mb_per_router: number;
  pss_mb_per_router: number;
  mem_mb_per_replica: number;
  processes_per_router: number;
  keepalived_cpu_pct: number;
  machine_busy_pct: number;
  transitions_while_steady: number;
  single_master_after_steady: boolean;
  /** Core-seconds from the first create until converged: the server, the agents with their commands, the whole machine. */
  cpu_s: { server: number; agents: number; machine: number };
}

/** What the server and the agents have used so far, and the machine's busy core-seconds. */
function cpuSoFar(lab: TestLab): { server: number; agents: number; machine: number } {
  const state = readLabState(`${lab.dir}/lab.json`)!;
  const agents = Object.values(state.processes).map((p) => (p.agent ? cpuSecondsWithChildren(p.agent) : 0));
  return { server: state.server ? cpuSecondsWithChildren(state.server) : 0, agents: agents.reduce((a, b) => a + b, 0), machine: cpuTimes().busy / 100 };
}

export interface AgentRestart {
  routers: number;
  seconds: number;
  vrrp_transitions: number;
  keepalived_restarted: number;
  lost_pings: number;
}

export interface ServerRestart {
  routers: number;
  resync_s: number;
  lost_pings: number;
}

export interface MassFailover {
  routers: number;
  killed: string;
  mastered: number;
  median_ms: number;
  max_ms: number;
  vm_outage_ms: number | null;
  api_s: number;
}

async function api<T>(lab: TestLab, path: string): Promise<T> {
  return lab.api.get<T>(path);
}

type L3Agent = { host: string; alive: boolean; ha_state: string };

/** The hosts the API shows active, per router. */
async function apiActives(lab: TestLab, routers: readonly FleetRouter[]): Promise<Map<string, string[]>> {
  const actives = new Map<string, string[]>();
  let next = 0;
  const loop = async () => {
    while (next < routers.length) {
      const r = routers[next++]!;
      const { agents } = await api<{ agents: L3Agent[] }>(lab, `/v2.0/routers/${r.id}/l3-agents`);
      actives.set(r.id, agents.filter((a) => a.ha_state === 'active').map((a) => a.host));
    }
  };
  await Promise.all(Array.from({ length: 8 }, loop));
  return actives;
}

/** Waits until every router has one master among `nodes` and the API agrees; returns when each held. */
async function waitConverged(lab: TestLab, routers: readonly FleetRouter[], nodes: readonly string[], t0: number, timeoutMs: number): Promise<{ dataPlaneMs: number; apiMs: number }> {
  await waitUntil(`${routers.length} routers with one master each`, timeoutMs, () => (notSingleMaster(lab.dir, nodes, routers).length === 0 ? true : undefined), 250);
  const dataPlaneMs = performance.now() - t0;
  await waitUntil(
    'the API to show every master as active',
    timeoutMs,
    async () => {
      const masters = mastersByRouter(lab.dir, nodes);
      const actives = await apiActives(lab, routers);
      return routers.every((r) => actives.get(r.id)?.length === 1 && actives.get(r.id)![0] === masters.get(r.id)?.[0]) ? true : undefined;
    },
    250,
  );
  return { dataPlaneMs, apiMs: performance.now() - t0 };
}

async function convergence(lab: TestLab, n: number): Promise<{ row: Convergence; routers: FleetRouter[] }> {
  const memBefore = memAvailableKb();
  const before = cpuSoFar(lab);
  const t0 = performance.now();
  const routers = await createFleet(lab.api, 0, n, 8);
  const apiMs = performance.now() - t0;
  log(`${n} routers created through the API in ${seconds(apiMs)} s`);
  const done = await waitConverged(lab, routers, NODES, t0, 600_000);
  const after = cpuSoFar(lab);
  log(`converged: data plane ${seconds(done.dataPlaneMs)} s, API ${seconds(done.apiMs)} s`);

  await sleep(5_000);
  const pids = keepalivedPids(lab.dir, 'net-0');
  const routersOnNode = recordedStates(lab.dir, 'net-0').size;
  const windowStart = Date.now();
  const cpu0 = cpuSeconds(pids);
  const machine0 = cpuTimes();
  const w0 = performance.now();
  await sleep(10_000);
  const cpuPct = ((cpuSeconds(pids) - cpu0) / ((performance.now() - w0) / 1000)) * 100;
  const machine1 = cpuTimes();
  let transitions = 0;
  for (const node of NODES) for (const s of recordedStates(lab.dir, node).values()) if (s.atMs >= windowStart) transitions++;
  const row: Convergence = {
    routers: n,
    api_s: seconds(apiMs),
    data_plane_s: seconds(done.dataPlaneMs),
    seconds: seconds(done.apiMs),
    rss_mb_per_router: Number((sumKb(pids, 'status', 'VmRSS') / 1024 / routersOnNode).toFixed(2)),
    pss_mb_per_router: Number((sumKb(pids, 'smaps_rollup', 'Pss') / 1024 / routersOnNode).toFixed(2)),
    mem_mb_per_replica: Number(((memBefore - memAvailableKb()) / 1024 / (3 * n)).toFixed(2)),
    processes_per_router: Number((pids.length / routersOnNode).toFixed(2)),
    keepalived_cpu_pct: round1(cpuPct),
    machine_busy_pct: round1(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100),
    transitions_while_steady: transitions,
    single_master_after_steady: notSingleMaster(lab.dir, NODES, routers).length === 0,
    cpu_s: { server: round1(after.server - before.server), agents: round1(after.agents - before.agents), machine: round1(after.machine - before.machine) },
  };
  log(JSON.stringify(row));
  return { row, routers };
}

function pingLoss(output: string): number {
  const m = /(\d+) packets transmitted, (\d+) received/.exec(output);
  if (!m) throw new Error(`no ping summary in: ${output.slice(-300)}`);
  return Number(m[1]) - Number(m[2]);
}

/**
 * Starts a ping from the VM to `gateway` every 10 ms for about `secs`
 * seconds; resolves with ping's output. A count, not a deadline (-w): at a
 * deadline the last request is still out and would count as lost.
 */
function startPing(lab: TestLab, gateway: string, secs: number): Promise<string> {
  return lab.exec(VM, ['ping', '-D', '-i', '0.01', '-W', '1', '-c', String(secs * 100), gateway], (secs * 4 + 30) * 1000).catch((e: { stdout?: string }) => e.stdout ?? '');
}

/** `msg` log lines of a node's agent after `sinceMs`. */
function agentLogTimes(lab: TestLab, node: string, msg: string, sinceMs: number): number[] {
  const times: number[] = [];
  for (const line of readFileSync(`${lab.dir}/nodes/${node}/agent.log`, 'utf8').split('\n')) {
    if (!line.includes(msg)) continue;
    try {
      const entry = JSON.parse(line) as { time: number; msg: string };
      if (entry.msg === msg && entry.time >= sinceMs) times.push(entry.time);
    } catch {
      // a line cut by a crash
    }
  }
  return times;
}

/** Everything that would show a VRRP transition or a keepalived restart. */
function vrrpSnapshot(lab: TestLab): { states: Map<string, string>; pids: Set<number> } {
  const states = new Map<string, string>();
  const pids = new Set<number>();
  for (const node of NODES) {
    for (const [id, s] of recordedStates(lab.dir, node)) states.set(`${node}/${id}`, `${s.state}@${s.atMs}`);
    for (const pid of keepalivedPids(lab.dir, node)) pids.add(pid);
  }
  return { states, pids };
}

async function agentRestart(lab: TestLab, routers: readonly FleetRouter[], probe: FleetRouter): Promise<AgentRestart> {
  const master = mastersByRouter(lab.dir, NODES).get(probe.id)![0]!;
  const before = vrrpSnapshot(lab);
  const ping = startPing(lab, probe.gateway, 25);
  await sleep(2_000);
  await lab.lab(['agent', 'stop', master]);
  const startedAt = Date.now();
  await lab.lab(['agent', 'start', master]);
  const [doneAt] = await waitUntil(`${master}'s agent to finish its resync`, 120_000, () => {
    const t = agentLogTimes(lab, master, 'full resync done', startedAt);
    return t.length > 0 ? t : undefined;
  }, 100);
  const lost = pingLoss(await ping);
  const after = vrrpSnapshot(lab);
  let transitions = 0;
  for (const [key, value] of after.states) if (before.states.get(key) !== value) transitions++;
  const row: AgentRestart = {
    routers: routers.length,
    seconds: seconds(doneAt! - startedAt),
    vrrp_transitions: transitions,
    keepalived_restarted: [...before.pids].filter((p) => !after.pids.has(p)).length,
    lost_pings: lost,
  };
  log(`agent restart on ${master}: ${JSON.stringify(row)}`);
  return row;
}

async function serverRestart(lab: TestLab, routers: readonly FleetRouter[], probe: FleetRouter): Promise<ServerRestart> {
  const ping = startPing(lab, probe.gateway, 15);
  await sleep(1_000);
  await lab.lab(['server', 'stop']);
  await sleep(3_000);
  const startedAt = Date.now();
  await lab.lab(['server', 'start']);
  const resyncedAt = await waitUntil('every agent to resync with the returned server', 120_000, () => {
    const last = NODES.map((n) => agentLogTimes(lab, n, 'full resync done', startedAt)[0]);
    return last.every((t) => t !== undefined) ? Math.max(...(last as number[])) : undefined;
  }, 100);
  const row: ServerRestart = { routers: routers.length, resync_s: seconds(resyncedAt - startedAt), lost_pings: pingLoss(await ping) };
  log(`server restart: ${JSON.stringify(row)}`);
  return row;
}

async function massFailover(lab: TestLab, routers: readonly FleetRouter[], probe: FleetRouter, victim: string): Promise<MassFailover> {
  const masters = mastersByRouter(lab.dir, NODES);
  const mastered = routers.filter((r) => masters.get(r.id)?.[0] === victim);
  const survivors = NODES.filter((n) => n !== victim);
  const ping = startPing(lab, probe.gateway, 10);
  await sleep(2_000);
  // Outages count from the moment the node's cables are cut, not from the
  // call: on a busy machine the lab's own `ip` command took up to a second
  // to run, and that is not the routers' outage. The node goes dark first;
  // the call returns a while later (see Lab.nodeKill): measure meanwhile.
  let darkAt: number | undefined;
  const kill = new Lab({ name: lab.name, dir: lab.dir }).nodeKill(victim, { onDark: () => (darkAt = Date.now()) });
  await waitUntil(`${mastered.length} routers to fail over`, 120_000, () => (notSingleMaster(lab.dir, survivors, mastered).length === 0 ? true : undefined), 100);
  // The new master shown active; the dead one is shown active too until its agent is declared dead.
  const newMasters = mastersByRouter(lab.dir, survivors);
  await waitUntil(
    'the API to show each new active',
    120_000,
    async () => {
      const actives = await apiActives(lab, mastered);
      return mastered.every((r) => actives.get(r.id)?.includes(newMasters.get(r.id)![0]!)) ? true : undefined;
    },
    100,
  );
  await waitUntil('the node to go dark', 60_000, () => darkAt, 10);
  const killedAt = darkAt!;
  const apiMs = Date.now() - killedAt;
  await kill;
  const outages: number[] = [];
  const states = survivors.map((n) => recordedStates(lab.dir, n));
  for (const r of mastered) {
    const took = states.map((s) => s.get(r.id)).find((s) => s?.state === 'master');
    if (took) outages.push(took.atMs - killedAt);
  }
  outages.sort((a, b) => a - b);
  const pingOutput = await ping;
  const vm = masters.get(probe.id)?.[0] === victim ? outageAfter(pingOutput, killedAt / 1000) : undefined;
  const row: MassFailover = {
    routers: routers.length,
    killed: victim,
    mastered: mastered.length,
    median_ms: Math.round(percentile(outages, 0.5)),
    max_ms: Math.round(outages.at(-1) ?? 0),
    vm_outage_ms: vm?.gapMs ?? null,
    api_s: seconds(apiMs),
  };
  log(`mass failover: ${JSON.stringify(row)}`);
  return row;
}

/**
 * The killed node boots again and takes its routers back as backups, once
 * the kernel has freed its namespaces: a node booted meanwhile waits for the
 * kernel's lock past its boot timeout (seen after a node of 250 routers).
 */
async function nodeReturns(lab: TestLab, routers: readonly FleetRouter[], victim: string): Promise<void> {
  log(`${victim}'s namespaces freed by the kernel after ${await namespaceCleanupDone()} s`);
  await lab.lab(['node', 'start', victim], { timeoutMs: 300_000 });
  await waitConverged(lab, routers, NODES, performance.now(), 300_000);
}

export interface ScaleResults {
  convergence: Convergence[];
  agent_restart: AgentRestart[];
  server_restart: ServerRestart[];
  mass_failover: MassFailover[];
  gave_way: string | null;
}

/** `convergenceOnly`: each N is measured up to its convergence and steady state, without restarts or failovers. */
export async function runScale(counts: readonly number[], restartAt: readonly number[], { convergenceOnly = false } = {}): Promise<ScaleResults> {
  const results: ScaleResults = { convergence: [], agent_restart: [], server_restart: [], mass_failover: [], gave_way: null };
  for (const n of counts) {
    const lab = new TestLab('bench-scale');
    await lab.teardown();
    const waited = await namespaceCleanupDone(); // an earlier run's lab may still be going
    if (waited > 2) log(`waited ${waited} s for the kernel's namespace cleanup`);
    log(`lab up for ${n} routers`);
    await lab.up(['--network-nodes', '3', '--compute-nodes', '1']);
    try {
      const { row, routers } = await convergence(lab, n);
      results.convergence.push(row);
      // Going up in N stops where the machine no longer holds the count: this N is still measured to the end.
      if (row.seconds > CONVERGENCE_TARGET_S || !row.single_master_after_steady) {
        results.gave_way = `${n} routers converged in ${row.seconds} s (target ${CONVERGENCE_TARGET_S} s), single master after 10 s steady: ${row.single_master_after_steady}, keepalived ${row.keepalived_cpu_pct} % of a core on one node, the machine ${row.machine_busy_pct} % busy in steady state`;
      }
      if (convergenceOnly) continue;
      const probe = routers[0]!;
      await lab.lab(['vm', 'create', VM, '--network', probe.networkId]);
      if (restartAt.includes(n)) {
        results.agent_restart.push(await agentRestart(lab, routers, probe));
        results.server_restart.push(await serverRestart(lab, routers, probe));
      }
      for (const victim of NODES.slice(0, 2)) {
        results.mass_failover.push(await massFailover(lab, routers, probe, victim));
        await nodeReturns(lab, routers, victim);
      }
      if (results.gave_way) break;
    } catch (err) {
      // Whatever gave way first (a missed target) stays in front.
      results.gave_way = [results.gave_way, `${n} routers: ${(err as Error).message}`].filter(Boolean).join('; then ');
      log(`gave way: ${results.gave_way}`);
      break;
    } finally {
      log('lab down');
      await lab.lab(['down'], { timeoutMs: 600_000 });
      log(`the kernel's namespace cleanup done after ${await namespaceCleanupDone()} s more`);
    }
  }
  return results;
}

async function main(): Promise<void> {
  console.log(machineLine(new Date()));
  const results = await runScale(listArg('routers', [100, 250, 500]), listArg('restart', [250]), { convergenceOnly: process.argv.includes('--convergence-only') });
  writeJsonFile('bench/results/scale.json', { machine: machineLine(new Date()), ...results });
  console.log(JSON.stringify(results, null, 2));
}

if (process.argv[1]?.endsWith('scale-bench.js')) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
