// The lab end to end, as root, with real namespaces, bridges and VXLAN:
// 3 network nodes and 2 compute nodes come up with every agent alive; two
// VMs on one tenant network on two compute nodes ping each other over
// VXLAN; agents killed and restarted leave the bridges in place and lose no
// ping, and so does a server restart; a port deleted through the API disappears from its node; and
// `hanet lab down` leaves nothing behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { sleep, waitUntil } from '../../src/lab/wait.js';
import { isRoot, TestLab } from '../support/lab.js';

const run = promisify(execFile);
const until = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => waitUntil(what, timeoutMs, probe, 50);

/** `ip -j link` of a node: name → ifindex. */
async function links(lab: TestLab, node: string): Promise<Map<string, number>> {
  const list = JSON.parse(await lab.exec(node, ['ip', '-j', 'link'])) as { ifname: string; ifindex: number }[];
  return new Map(list.map((l) => [l.ifname, l.ifindex]));
}

describe('the lab, L2', { skip: !isRoot && 'needs root' }, () => {
  const lab = new TestLab('e2e-l2');
  let vm2Port = '';

  before(async () => {
    await lab.teardown();
    const { stderr } = await lab.up(['--network-nodes', '3', '--compute-nodes', '2']);
    assert.match(stderr, /agents alive: 11\/11/);
  });
  after(async () => {
    await lab.teardown();
  });

  it('shows every agent alive, also to the openstack CLI', async () => {
    const env = await lab.openstackEnv();
    const { stdout } = await run('openstack', ['network', 'agent', 'list', '-f', 'json'], { env, timeout: 60_000 });
    const agents = JSON.parse(stdout) as { Host: string; 'Agent Type': string; Alive: boolean }[];
    assert.equal(agents.length, 11);
    assert.ok(agents.every((a) => a.Alive === true));
    assert.deepEqual([...new Set(agents.map((a) => a.Host))].sort(), ['compute-0', 'compute-1', 'net-0', 'net-1', 'net-2']);
    assert.equal((await lab.exec('net-1', ['hostname'])).trim(), 'net-1', "a node's hostname is its name");
  });

  it('connects two VMs on two compute nodes over VXLAN', async () => {
    const { network } = await lab.api.post<{ network: { id: string } }>('/v2.0/networks', { network: { name: 'tenant' } });
    await lab.api.post('/v2.0/subnets', { subnet: { network_id: network.id, cidr: '192.168.200.0/24', ip_version: 4, name: 'tenant-sub' } });
    await lab.lab(['vm', 'create', 'vm1', '--network', 'tenant', '--node', 'compute-0']);
    const { stdout } = await lab.lab(['vm', 'create', 'vm2', '--network', network.id, '--node', 'compute-1']);
    const [, , port, ip] = stdout.trim().split('\n')[1]!.split(/\s+/);
    vm2Port = port!;
    assert.equal((await lab.api.get<{ port: { status: string } }>(`/v2.0/ports/${vm2Port}`)).port.status, 'ACTIVE');
    const out = await lab.exec('vm1', ['ping', '-c', '3', '-i', '0.2', '-W', '2', ip!]);
    assert.match(out, /3 received/);
    const vxlan = [...(await links(lab, 'compute-0')).keys()].find((n) => n.startsWith('vxlan-'));
    assert.ok(vxlan, 'compute-0 has the VXLAN device');
    const fdb = await lab.exec('compute-0', ['bridge', 'fdb', 'show', 'dev', vxlan!]);
    assert.match(fdb, /00:00:00:00:00:00 dst 192\.0\.2\.101/, 'head-end replication towards compute-1');
  });

  it('keeps bridges and forwarding while agents, and then the server, are stopped and started', async () => {
    const before0 = await links(lab, 'compute-0');
    const before1 = await links(lab, 'compute-1');
    const vm2Ip = (await lab.exec('vm2', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).match(/inet ([\d.]+)/)![1]!;
    const ping = lab.exec('vm1', ['ping', '-c', '120', '-i', '0.05', '-W', '1', vm2Ip]);
    await sleep(500);
    await lab.lab(['agent', 'stop', '--kill', 'compute-0']);
    await lab.lab(['agent', 'stop', 'compute-1']);
    await sleep(500);
    await lab.lab(['agent', 'start', 'compute-0']);
    await lab.lab(['agent', 'start', 'compute-1']);
    await lab.lab(['server', 'stop']);
    await lab.lab(['server', 'start']);
    const out = await ping;
    assert.match(out, /120 packets transmitted, 120 received, 0% packet loss/);
    // The restarted agents resynced and changed nothing: same devices, same ifindexes.
    await sleep(1_000);
    assert.deepEqual(await links(lab, 'compute-0'), before0);
    assert.deepEqual(await links(lab, 'compute-1'), before1);
    // The agents found the restarted server again: heartbeats, and a watch that sees changes.
    await until('compute-0 alive again in the API', 10_000, async () => {
      const { stdout } = await lab.lab(['status']);
      return /compute-0\s+up\s+192\.0\.2\.100\s+pid \d+\s+l2 :-\)/.test(stdout) ? true : undefined;
    });
  });

  it('removes the tap of a port deleted through the API, and the bridge with the last port', async () => {
    const tap = `tap${vm2Port.slice(0, 11)}`;
    assert.ok((await links(lab, 'compute-1')).has(tap));
    await lab.api.delete(`/v2.0/ports/${vm2Port}`);
    await until('the tap to go', 5_000, async () => ((await links(lab, 'compute-1')).has(tap) ? undefined : true));
    await until('the bridge to go', 5_000, async () => ([...(await links(lab, 'compute-1')).keys()].some((n) => n.startsWith('brq')) ? undefined : true));
  });

  it('goes down leaving no namespace, link, process or directory behind', async () => {
    await lab.lab(['down']);
    assert.deepEqual(await lab.leftovers(), []);
  });
});
