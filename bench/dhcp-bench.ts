// DHCP readiness in the lab (3 network nodes, dhcp_agents_per_network=3):
//  - from a port create (the API call starting) until its host entry is in
//    the host file of every DHCP agent of the network, over --ports ports;
//  - a DHCP client's lease (DISCOVER, OFFER, REQUEST, ACK) in a VM, minus the
//    cost of starting a command there, over --leases rounds.
//   node dist/bench/dhcp-bench.js [--ports 200] [--leases 30]
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { vmNamespace } from '../src/lab/lab-layout.js';
import { nodeArgv } from '../src/lab/lab-node.js';
import type { LabState } from '../src/lab/lab-state.js';
import { sleep, waitUntil } from '../src/lab/wait.js';
import { exec } from '../src/linux/exec.js';
import { TestLab } from '../test/support/lab.js';
import { machineLine, writeJsonFile } from './lib/report.js';
import { percentile } from './lib/stats.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

const NODES = ['net-0', 'net-1', 'net-2'];

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Polls the three host files every millisecond until all hold the MAC; the time since `t0`. */
async function hostEntryEverywhere(files: readonly string[], mac: string, t0: number): Promise<number> {
  const deadline = t0 + 10_000;
  while (!files.every((f) => readOr(f).includes(mac))) {
    if (performance.now() > deadline) throw new Error(`the host entry of ${mac} did not reach every agent within 10 s`);
    await sleep(1);
  }
  return performance.now() - t0;
}

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { n: xs.length, p50_ms: Number(percentile(sorted, 0.5).toFixed(1)), p99_ms: Number(percentile(sorted, 0.99).toFixed(1)), max_ms: Number(sorted.at(-1)!.toFixed(1)) };
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const ports = arg('ports', 200);
  const leases = arg('leases', 30);
  console.log(machineLine(new Date()));
  const lab = new TestLab('bench-dhcp');
  await lab.teardown();
  await lab.up(['--network-nodes', '3', '--compute-nodes', '1', '--set', 'dhcp_agents_per_network=3']);
  try {
    const { network } = await lab.api.post<{ network: { id: string } }>('/v2.0/networks', { network: { name: 'bench' } });
    await lab.api.post('/v2.0/subnets', { subnet: { network_id: network.id, cidr: '10.20.0.0/16', ip_version: 4 } });
    const files = NODES.map((n) => `${lab.dir}/nodes/${n}/state/dhcp/${network.id}/host`);
    await waitUntil('three DHCP servers', 30_000, async () => (files.every((f) => readOr(f).split('\n').length > 3) ? true : undefined));

    const readiness: number[] = [];
    for (let i = 0; i < ports; i++) {
      const t0 = performance.now();
      const { port } = await lab.api.post<{ port: { mac_address: string } }>('/v2.0/ports', { port: { network_id: network.id, name: `p${i}` } });
      readiness.push(await hostEntryEverywhere(files, port.mac_address, t0));
    }
    const hostEntry = stats(readiness);
    console.log(`port create → host entry on all 3 agents: p50 ${hostEntry.p50_ms} ms, p99 ${hostEntry.p99_ms} ms, max ${hostEntry.max_ms} ms (${ports} ports)`);

    await lab.lab(['vm', 'create', 'vm1', '--network', 'bench']);
    await sleep(1_500); // past the restarts the VM's port caused
    // Straight into the VM (not through the CLI), so that starting the command costs little next to the lease.
    const state = JSON.parse(readFileSync(`${lab.dir}/lab.json`, 'utf8')) as LabState;
    const inVm = (argv: string[]) => exec(nodeArgv(state.processes['compute-0']!.init, ['ip', 'netns', 'exec', vmNamespace('vm1'), ...argv]));
    const udhcpc = ['busybox', 'udhcpc', '-i', 'eth0', '-q', '-n', '-f', '-t', '3', '-T', '1', '-s', '/bin/true'];
    const base: number[] = [];
    const lease: number[] = [];
    for (let i = 0; i < leases; i++) {
      base.push(await timed(() => inVm(['busybox', 'true'])));
      lease.push(await timed(() => inVm(udhcpc)));
    }
    const baseline = percentile([...base].sort((a, b) => a - b), 0.5);
    const offer = stats(lease.map((ms) => Math.max(0, ms - baseline)));
    console.log(`DHCP lease (DISCOVER → ACK) in a VM: p50 ${offer.p50_ms} ms, p99 ${offer.p99_ms} ms (${leases} leases; ${baseline.toFixed(1)} ms of command start subtracted)`);
    console.log('\n| figure | n | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|');
    console.log(`| port create → host entry on all 3 agents | ${hostEntry.n} | ${hostEntry.p50_ms} | ${hostEntry.p99_ms} | ${hostEntry.max_ms} |`);
    console.log(`| DHCP lease in a VM (DISCOVER → ACK) | ${offer.n} | ${offer.p50_ms} | ${offer.p99_ms} | ${offer.max_ms} |`);
    writeJsonFile('bench/results/dhcp.json', { machine: machineLine(new Date()), host_entry: hostEntry, lease: offer });
  } finally {
    await lab.lab(['down']);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
