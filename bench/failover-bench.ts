// Router failover in the lab: a VM pings its gateway every 10 ms while the
// node holding the router's master is killed. Per run: the outage (the
// gap between replies around the kill) and the delay from the takeover (the first
// reply after the gap) until the API shows the new active replica. Runs
// with the project's default VRRP settings and with Neutron's (VRRPv2,
// advert_int 2, multicast), then measures keepalived's CPU on a node that
// hosts N routers at the default interval.
//   node dist/bench/failover-bench.js [--runs 5] [--routers 100]
import { sleep, waitUntil } from '../src/lab/wait.js';
import { TestLab } from '../test/support/lab.js';
import { outageAfter } from '../src/lab/ping.js';
import { cpuSeconds, keepalivedPids, sumKb } from './lib/ha-fleet.js';
import { machineLine, writeJsonFile } from './lib/report.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

interface Profile {
  readonly name: string;
  readonly settings: readonly string[];
  /** How long each ping runs: long enough for the slowest takeover. */
  readonly pingSeconds: number;
}

const PROFILES: Profile[] = [
  { name: 'default (VRRPv3, advert_int 0.1, unicast)', settings: [], pingSeconds: 4 },
  { name: "Neutron's (VRRPv2, advert_int 2, multicast)", settings: ['ha_vrrp_version=2', 'ha_vrrp_advert_int=2', 'ha_vrrp_unicast=false'], pingSeconds: 12 },
];

type L3Agent = { host: string; alive: boolean; ha_state: string };

async function setUpRouter(lab: TestLab): Promise<string> {
  const { network } = await lab.api.post<{ network: { id: string } }>('/v2.0/networks', { network: { name: 'bench' } });
  const { subnet } = await lab.api.post<{ subnet: { id: string } }>('/v2.0/subnets', { subnet: { network_id: network.id, cidr: '192.168.200.0/24', ip_version: 4 } });
  const { router } = await lab.api.post<{ router: { id: string } }>('/v2.0/routers', { router: { name: 'bench' } });
  await lab.api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
  await lab.lab(['vm', 'create', 'vm1', '--network', 'bench']);
  return router.id;
}

async function agentsOf(lab: TestLab, routerId: string): Promise<L3Agent[]> {
  return (await lab.api.get<{ agents: L3Agent[] }>(`/v2.0/routers/${routerId}/l3-agents`)).agents;
}

/** Polls every 50 ms (the API delay is measured with it). */
const waitFor = <T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string) => waitUntil(what, timeoutMs, probe, 50);

async function oneRun(lab: TestLab, routerId: string, profile: Profile): Promise<{ outageMs: number; apiMs: number }> {
  const master = await waitFor(
    async () => {
      const active = (await agentsOf(lab, routerId)).filter((a) => a.ha_state === 'active' && a.alive);
      return active.length === 1 ? active[0]!.host : undefined;
    },
    30_000,
    'one active replica',
  );
  const ping = lab.exec('vm1', ['ping', '-D', '-i', '0.01', '-W', '1', '-w', String(profile.pingSeconds), '192.168.200.1'], 60_000).catch((e: { stdout?: string }) => e.stdout ?? '');
  await sleep(1_000);
  const killedAt = Date.now() / 1000;
  // The kill command returns a while after the node went dark (see Lab.nodeKill): watch the API meanwhile.
  const kill = lab.lab(['node', 'kill', master]);
  const seenAt = await waitFor(
    async () => ((await agentsOf(lab, routerId)).some((a) => a.ha_state === 'active' && a.host !== master) ? Date.now() : undefined),
    30_000,
    'the API to show a new active',
  );
  await kill;
  const outage = outageAfter(await ping, killedAt);
  if (!outage) throw new Error('no ping reply after the kill');
  await lab.lab(['node', 'start', master]);
  await waitFor(async () => ((await agentsOf(lab, routerId)).find((a) => a.host === master && a.alive && a.ha_state === 'standby') ? true : undefined), 30_000, 'the node back');
  await sleep(1_000);
  return { outageMs: outage.gapMs, apiMs: Math.round(seenAt - outage.resumedAt * 1000) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function keepalivedCpu(routers: number): Promise<{ routers: number; cpu_pct: number; processes: number; rss_mb: number }> {
  const lab = new TestLab('bench-cpu');
  await lab.teardown();
  await lab.up(['--network-nodes', '1', '--compute-nodes', '0', '--set', 'min_l3_agents_per_router=1', '--set', 'max_l3_agents_per_router=1']);
  try {
    const { network } = await lab.api.post<{ network: { id: string } }>('/v2.0/networks', { network: { name: 'n' } });
    const { subnet } = await lab.api.post<{ subnet: { id: string } }>('/v2.0/subnets', { subnet: { network_id: network.id, cidr: '10.0.0.0/16', ip_version: 4 } });
    for (let i = 0; i < routers; i++) {
      const { router } = await lab.api.post<{ router: { id: string } }>('/v2.0/routers', { router: { name: `r${i}` } });
      const { port } = await lab.api.post<{ port: { id: string } }>('/v2.0/ports', { port: { network_id: network.id, fixed_ips: [{ subnet_id: subnet.id }] } });
      await lab.api.put(`/v2.0/routers/${router.id}/add_router_interface`, { port_id: port.id });
    }
    // The pid files hold PIDs of the node's own PID namespace; find the processes by their config path instead.
    const pids = await waitFor(
      async () => {
        const found = keepalivedPids(lab.dir, 'net-0');
        return found.length >= 2 * routers ? found : undefined;
      },
      300_000,
      `${routers} keepalived processes`,
    );
    await sleep(5_000);
    const before = cpuSeconds(pids);
    const t0 = Date.now();
    await sleep(10_000);
    const cpuPct = ((cpuSeconds(pids) - before) / ((Date.now() - t0) / 1000)) * 100;
    const rssKb = sumKb(pids, 'status', 'VmRSS');
    return { routers, cpu_pct: Number(cpuPct.toFixed(1)), processes: pids.length, rss_mb: Number((rssKb / 1024).toFixed(1)) };
  } finally {
    await lab.lab(['down']);
  }
}

async function main(): Promise<void> {
  const runs = arg('runs', 5);
  const routers = arg('routers', 100);
  console.log(machineLine(new Date()));
  const failover: { profile: string; runs: number; median_ms: number; min_ms: number; max_ms: number; api_median_ms: number }[] = [];
  for (const profile of runs > 0 ? PROFILES : []) {
    const lab = new TestLab('bench-failover');
    await lab.teardown();
    await lab.up(['--network-nodes', '3', '--compute-nodes', '1', ...profile.settings.flatMap((s) => ['--set', s])]);
    try {
      const routerId = await setUpRouter(lab);
      const results = [];
      for (let i = 0; i < runs; i++) {
        const r = await oneRun(lab, routerId, profile);
        console.log(`  ${profile.name} run ${i + 1}: outage ${r.outageMs} ms, API shows the new active ${r.apiMs} ms after the takeover`);
        results.push(r);
      }
      const outages = results.map((r) => r.outageMs);
      failover.push({ profile: profile.name, runs, median_ms: median(outages), min_ms: Math.min(...outages), max_ms: Math.max(...outages), api_median_ms: median(results.map((r) => r.apiMs)) });
    } finally {
      await lab.lab(['down']);
    }
  }
  console.log('\n| profile | runs | median outage ms | min | max | API delay ms (median) |\n|---|---:|---:|---:|---:|---:|');
  for (const f of failover) console.log(`| ${f.profile} | ${f.runs} | ${f.median_ms} | ${f.min_ms} | ${f.max_ms} | ${f.api_median_ms} |`);
  const cpu = routers > 0 ? await keepalivedCpu(routers) : undefined;
  if (cpu) console.log(`\nkeepalived on one node hosting ${cpu.routers} routers (default interval): ${cpu.cpu_pct} % of a core, ${cpu.processes} processes, ${cpu.rss_mb} MB RSS`);
  writeJsonFile('bench/results/failover.json', { machine: machineLine(new Date()), failover, keepalived_cpu: cpu ?? null });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
