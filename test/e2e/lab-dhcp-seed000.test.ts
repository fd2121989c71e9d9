// Seed 000's DHCP half in the lab, end to end: a network with
// dhcp_agents_per_network=3 gets three qdhcp-<net> namespaces, DHCP ports
// .2/.3/.4 and identical host files; a new port reaches every host file at
// once and a VM booted on it gets its lease from a real DHCP client; when
// the node that gave the lease dies, the VM renews from another without
// losing its address, and after dhcp_failover_after the fourth network node
// takes the dead one's place.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sleep, waitUntil } from '../../src/lab/wait.js';
import { isRoot, TestLab } from '../support/lab.js';

const NODES = ['net-0', 'net-1', 'net-2', 'net-3'];
const until = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => waitUntil(what, timeoutMs, probe, 50);

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

describe('seed 000: DHCP for a network on three agents', { skip: !isRoot && 'needs root' }, () => {
  const lab = new TestLab('e2e-dhcp');
  let networkId = '';
  let subnetId = '';
  let serving: string[] = [];
  let vmPort: Port | undefined;
  const dir = (node: string) => `${lab.dir}/nodes/${node}/state/dhcp/${networkId}`;
  const hostFile = (node: string) => readOr(`${dir(node)}/host`);
  type Port = { id: string; mac_address: string; 'binding:host_id': string; fixed_ips: { ip_address: string }[] };
  const entries = (file: string) => file.split('\n').filter(Boolean).length;
  const dhcpPorts = async () => (await lab.api.get<{ ports: Port[] }>(`/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`)).ports;
  type DhcpAgent = { host: string; alive: boolean };
  const dhcpAgents = async () => (await lab.api.get<{ agents: DhcpAgent[] }>(`/v2.0/networks/${networkId}/dhcp-agents`)).agents;
  /** The nodes running a DHCP server for the network: namespace and dnsmasq. */
  async function servers(nodes: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (const node of nodes) {
      const namespaces = await lab.exec(node, ['ip', 'netns', 'list']);
      const processes = await lab.exec(node, ['ps', '-eo', 'args']);
      if (namespaces.includes(`qdhcp-${networkId}`) && processes.includes(`--dhcp-hostsfile=${dir(node)}/host`)) found.push(node);
    }
    return found;
  }

  before(async () => {
    await lab.teardown();
    await lab.up([
      '--network-nodes', '4', '--compute-nodes', '1',
      '--set', 'dhcp_agents_per_network=3',
      '--set', 'report_interval=1', '--set', 'agent_down_time=4', '--set', 'dhcp_failover_after=2',
      // Short T1/T2, so the renewal after the node kill comes within seconds.
      '--set', 'dhcp_renewal_time=4', '--set', 'dhcp_rebinding_time=6',
    ]);
  });
  after(() => lab.teardown());

  it('runs dnsmasq in qdhcp-<net> on three nodes, with DHCP ports .2 .3 .4 and the same host file everywhere', async () => {
    const env = await lab.openstackEnv();
    const { execFile } = await import('node:child_process');
    const openstack = (args: string[]) =>
      new Promise<string>((resolve, reject) => execFile('openstack', args, { env }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))));
    networkId = (await openstack(['network', 'create', 'testdhcp', '-f', 'value', '-c', 'id'])).trim();
    subnetId = (await openstack(['subnet', 'create', '--network', 'testdhcp', '--subnet-range', '192.168.200.0/24', 'subnet-testdhcp', '-f', 'value', '-c', 'id'])).trim();
    serving = await until('three DHCP servers', 20_000, async () => {
      const found = await servers(NODES);
      return found.length === 3 && found.every((n) => entries(hostFile(n)) === 3) ? found : undefined;
    });
    const ports = await dhcpPorts();
    assert.deepEqual(ports.map((p) => p.fixed_ips[0]!.ip_address).sort(), ['192.168.200.2', '192.168.200.3', '192.168.200.4']);
    assert.deepEqual(ports.map((p) => p['binding:host_id']).sort(), [...serving].sort());
    const expected = hostFile(serving[0]!);
    for (const p of ports) assert.ok(expected.includes(`${p.mac_address},host-${p.fixed_ips[0]!.ip_address.replaceAll('.', '-')}.openstacklocal,${p.fixed_ips[0]!.ip_address}\n`));
    for (const node of serving) assert.equal(hostFile(node), expected, `${node}'s host file`);
    const args = await lab.exec(serving[0]!, ['ps', '-eo', 'args']);
    const ownPort = ports.find((p) => p['binding:host_id'] === serving[0])!;
    const line = args.split('\n').find((l) => l.startsWith('dnsmasq '))!;
    for (const flag of ['--no-hosts', '--no-resolv', '--strict-order', '--bind-interfaces', `--interface=tap${ownPort.id.slice(0, 11)}`, '--except-interface=lo', '--dhcp-lease-max=256', '--domain=openstacklocal']) {
      assert.ok(line.split(' ').includes(flag), `dnsmasq has ${flag}: ${line}`);
    }
    assert.match(line, new RegExp(`--dhcp-range=set:subnet-${subnetId},192\\.168\\.200\\.0,static,255\\.255\\.255\\.0,86400s`));
    assert.match(await lab.exec(serving[0]!, ['ip', '-n', `qdhcp-${networkId}`, '-o', 'addr', 'show', `tap${ownPort.id.slice(0, 11)}`]), / 192\.168\.200\.\d\/24 /);
  });

  // The speed target (300 ms) is measured by bench/dhcp-bench.ts on a quiet
  // machine; here other labs share the cores, so the bound is only "at once".
  it('puts a new port into every host file at once, and a VM booted on it gets its address, gateway and DNS servers by DHCP', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      vmPort = (await lab.api.post<{ port: Port }>('/v2.0/ports', { port: { network_id: networkId, name: `p${i}` } })).port;
      const mac = vmPort.mac_address;
      await until(`${mac} in every host file`, 5_000, async () => (serving.every((n) => hostFile(n).includes(mac)) ? true : undefined));
      delays.push(Date.now() - t0);
      await sleep(200);
    }
    assert.ok(Math.max(...delays) < 2_000, `port create → host entry on every agent: ${delays.join(', ')} ms`);

    await lab.lab(['vm', 'create', 'vm1', '--port', vmPort!.id]);
    const vmIp = vmPort!.fixed_ips[0]!.ip_address;
    assert.match(await lab.exec('vm1', ['ip', '-4', '-o', 'addr', 'show', 'eth0']), new RegExp(` ${vmIp.replaceAll('.', '\\.')}/24 `));
    const bound = readOr(`${lab.dir}/vms/vm1/dhcp.log`).split('\n').find((l) => l.includes('reason=BOUND'))!;
    assert.match(bound, /routers=192\.168\.200\.1 /);
    assert.match(bound, /dns=192\.168\.200\.2 192\.168\.200\.3 192\.168\.200\.4 /);
    assert.match(bound, /mtu=1450 /);
    assert.match(await lab.exec('vm1', ['ip', 'route']), /default via 192\.168\.200\.1 dev eth0/);
    // Every DHCP server answers for the VM (the ping checks the path to each).
    for (const ip of ['192.168.200.2', '192.168.200.3', '192.168.200.4']) assert.match(await lab.exec('vm1', ['ping', '-c', '1', '-W', '1', ip]), /1 received/);
  });

  it('kills the node that gave the lease: the VM renews from another and keeps its address; three alive agents serve the network again', async () => {
    const log = `${lab.dir}/vms/vm1/dhcp.log`;
    const leasedFrom = /server=(\S+)/.exec(readOr(log).trim().split('\n').at(-1)!)![1]!;
    const victim = (await dhcpPorts()).find((p) => p.fixed_ips[0]!.ip_address === leasedFrom)!['binding:host_id'];
    const killedAt = Date.now(); // the node goes dark as the command starts
    await lab.lab(['node', 'kill', victim]);
    // From here on the victim is dark: every renewal logged comes from a live server.
    const linesBefore = readOr(log).trim().split('\n').length;
    let lost = 0;
    const renewal = await until('a renewal from a live server', 20_000, async () => {
      if (!/ 192\.168\.200\.\d+\/24 /.test(await lab.exec('vm1', ['ip', '-4', '-o', 'addr', 'show', 'eth0']))) lost++;
      const fresh = readOr(log).trim().split('\n').slice(linesBefore);
      return fresh.find((l) => /reason=(RENEW|REBIND)/.test(l));
    });
    assert.equal(lost, 0, 'the VM never lost its address');
    assert.doesNotMatch(readOr(log).trim().split('\n').slice(linesBefore).join('\n'), /reason=(EXPIRE|FAIL|RELEASE)/);
    assert.match(renewal, /ip=192\.168\.200\.\d+ /);
    const others = NODES.filter((n) => n !== victim);
    const replacement = others.find((n) => !serving.includes(n))!;
    // The renewal may come before the dead agent is declared dead: wait for the three others.
    const agents = await until('three alive DHCP agents on the network, the dead one not among them', 30_000, async () => {
      const a = await dhcpAgents();
      return a.length === 3 && a.every((x) => x.alive && x.host !== victim) ? a : undefined;
    });
    assert.ok(Date.now() - killedAt >= 4_000, 'not before the agent was dead');
    assert.deepEqual(agents.map((a) => a.host).sort(), others.sort());
    await until(`a DHCP server on ${replacement}`, 15_000, async () => ((await servers([replacement])).length === 1 ? true : undefined));
    await until('the same host file on the three, with the VM and the new DHCP port', 10_000, async () => {
      const files = others.map(hostFile);
      return files.every((f) => f === files[0]) && entries(files[0]!) === 8 && files[0]!.includes(vmPort!.mac_address) ? true : undefined;
    });
    const ports = await dhcpPorts();
    assert.equal(ports.length, 3, "the dead agent's DHCP port is gone, the new agent has one");
    // The renewal may come from the replacement holding the dead port's
    // address again (the lowest free one), but never from the dead node.
    const renewedFrom = /server=(\S+)/.exec(renewal)![1]!;
    const renewer = ports.find((p) => p.fixed_ips[0]!.ip_address === renewedFrom);
    assert.ok(renewer && renewer['binding:host_id'] !== victim, `renewed from ${renewedFrom}, a DHCP port of a live node`);
  });

  it('a killed node that comes back removes what it served before', async () => {
    const agents = (await dhcpAgents()).map((a) => a.host);
    const victim = NODES.find((n) => !agents.includes(n))!;
    assert.ok(existsSync(dir(victim)), 'the dead node left its DHCP files');
    await lab.lab(['node', 'start', victim]);
    await until(`${victim}'s old DHCP files removed`, 15_000, async () => (existsSync(dir(victim)) ? undefined : true));
    assert.doesNotMatch(await lab.exec(victim, ['ip', 'netns', 'list']), /qdhcp-/);
  });
});
