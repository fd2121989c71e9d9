// Seed 000 in the lab, end to end: an HA router on three network nodes with
// keepalived; one master holds the VIPs and the API agrees; killing it moves
// the gateway within a fraction of a second; the dead agent shows alive
// false and ha_state unknown; the node comes back as standby; restarting
// the master's agent loses no ping and causes no VRRP transition; a split
// brain shows in the API, and when it heals the replica that stays master
// takes the traffic back at once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sleep, waitUntil } from '../../src/lab/wait.js';
import { isRoot, TestLab } from '../support/lab.js';
import { outageAfter, parsePing } from '../../src/lab/ping.js';

const NODES = ['net-0', 'net-1', 'net-2'];
const until = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => waitUntil(what, timeoutMs, probe, 100);

describe('seed 000: an HA router on three network nodes', { skip: !isRoot && 'needs root' }, () => {
  const lab = new TestLab('e2e-l3a');
  let routerId = '';
  let vip = '';
  const hostsUp = new Set(NODES);

  type L3Agent = { host: string; alive: boolean; ha_state: string };
  const l3Agents = async () => (await lab.api.get<{ agents: L3Agent[] }>(`/v2.0/routers/${routerId}/l3-agents`)).agents;
  const stateFile = (node: string) => `${lab.dir}/nodes/${node}/state/ha_confs/${routerId}/state`;
  const addresses = async (node: string) => lab.exec(node, ['ip', '-n', `qrouter-${routerId}`, '-o', 'addr', 'show']);
  /** The nodes that hold the VIP right now. */
  async function vipHolders(): Promise<string[]> {
    const holders: string[] = [];
    for (const node of hostsUp) if ((await addresses(node)).includes(` ${vip}/`)) holders.push(node);
    return holders;
  }
  const activeIn = async (agents?: L3Agent[]) => (agents ?? (await l3Agents())).filter((a) => a.ha_state === 'active').map((a) => a.host);

  before(async () => {
    await lab.teardown();
    await lab.up(['--network-nodes', '3', '--compute-nodes', '1', '--set', 'report_interval=1', '--set', 'agent_down_time=4']);
  });
  after(() => lab.teardown());

  it('builds qrouter-<id> on every node; exactly one master holds the VIP and the gateway, and the API agrees', async () => {
    const { network } = await lab.api.post<{ network: { id: string } }>('/v2.0/networks', { network: { name: 'testdhcp' } });
    const { subnet } = await lab.api.post<{ subnet: { id: string } }>('/v2.0/subnets', {
      subnet: { network_id: network.id, cidr: '192.168.200.0/24', ip_version: 4, name: 'subnet-testdhcp' },
    });
    const { router } = await lab.api.post<{ router: { id: string; ha: boolean } }>('/v2.0/routers', { router: { name: 'testrouter' } });
    assert.equal(router.ha, true);
    routerId = router.id;
    await lab.api.put(`/v2.0/routers/${routerId}/add_router_interface`, { subnet_id: subnet.id });
    // Replicas that start together may both be master for a moment before
    // the lower priority yields: wait for the settled picture.
    const active = await until('one active and two standby replicas in the API', 15_000, async () => {
      const agents = await l3Agents();
      return agents.map((a) => a.ha_state).sort().join() === 'active,standby,standby' ? activeIn(agents) : undefined;
    });
    for (const node of NODES) assert.match(await lab.exec(node, ['ip', 'netns', 'list']), new RegExp(`qrouter-${routerId}`));
    const conf = readFileSync(`${lab.dir}/nodes/${active[0]}/state/ha_confs/${routerId}/keepalived.conf`, 'utf8');
    vip = conf.match(/(169\.254\.0\.\d+)\/24 dev ha-/)![1]!;
    assert.match(conf, /192\.168\.200\.1\/24 dev qr-/);
    assert.deepEqual(await vipHolders(), active, 'the VIP is where the API says the router is active');
    assert.match(await addresses(active[0]!), / 192\.168\.200\.1\/24 /);
    assert.equal(readFileSync(stateFile(active[0]!), 'utf8').trim(), 'master');
    for (const node of NODES.filter((n) => n !== active[0])) {
      assert.doesNotMatch(await addresses(node), /192\.168\.200\.1\//, `${node} holds no gateway address`);
      assert.doesNotMatch(await addresses(node), /fe80:/, `${node} has no link-local on the shared MAC`);
    }
    await lab.lab(['vm', 'create', 'vm1', '--network', 'testdhcp']);
    assert.match(await lab.exec('vm1', ['ping', '-c', '3', '-i', '0.2', '-W', '1', '192.168.200.1']), /3 received/);
  });

  it('fails over in under a second when the master node dies; the dead agent shows alive false, ha_state unknown', async () => {
    const [master] = await vipHolders();
    const ping = lab.exec('vm1', ['ping', '-D', '-i', '0.01', '-W', '1', '-w', '5', '192.168.200.1']);
    await sleep(1_500);
    const killedAt = Date.now();
    await lab.lab(['node', 'kill', master!]);
    hostsUp.delete(master!);
    const run = parsePing(await ping);
    assert.ok(run.lastReplyAt! * 1000 > killedAt + 1_000, 'the ping resumed after the kill');
    assert.ok(run.maxGapMs < 1_000, `outage ${run.maxGapMs} ms`);
    const [next] = await vipHolders();
    assert.ok(next && next !== master);
    assert.equal(readFileSync(stateFile(next), 'utf8').trim(), 'master');
    const agents = await until('the dead agent to show unknown', 15_000, async () => {
      const a = await l3Agents();
      return a.find((x) => x.host === master)?.ha_state === 'unknown' ? a : undefined;
    });
    assert.deepEqual(await activeIn(agents), [next]);
    assert.equal(agents.find((a) => a.host === master)!.alive, false);
  });

  it('brings the dead node back as a standby that holds no VIP', async () => {
    const master = NODES.find((n) => !hostsUp.has(n))!;
    await lab.lab(['node', 'start', master]);
    hostsUp.add(master);
    await until(`${master} standby in the API`, 15_000, async () => {
      const a = await l3Agents();
      return a.find((x) => x.host === master && x.alive && x.ha_state === 'standby') ? true : undefined;
    });
    await until(`${master}'s keepalived to report backup`, 10_000, async () => {
      try {
        return readFileSync(stateFile(master), 'utf8').trim() === 'backup' ? true : undefined;
      } catch {
        return undefined;
      }
    });
    await sleep(1_000);
    assert.equal((await vipHolders()).length, 1);
    assert.ok(!(await vipHolders()).includes(master));
  });

  it("restarts the master's agent without a lost ping or a VRRP transition", async () => {
    const [master] = await vipHolders();
    const pidFile = `${lab.dir}/nodes/${master}/state/ha_confs/${routerId}/keepalived.pid`;
    const keepalivedPid = readFileSync(pidFile, 'utf8').trim();
    const syslog = () => readFileSync(`${lab.dir}/nodes/${master}/syslog.log`, 'utf8').split('\n').filter((l) => /Entering \w+ STATE/.test(l)).length;
    const transitions = syslog();
    const ping = lab.exec('vm1', ['ping', '-D', '-i', '0.01', '-W', '1', '-w', '4', '192.168.200.1']);
    await sleep(500);
    await lab.lab(['agent', 'stop', '--kill', master!]);
    await lab.lab(['agent', 'start', master!]);
    const out = await ping;
    assert.match(out, / 0% packet loss/);
    await sleep(1_000);
    assert.equal(readFileSync(pidFile, 'utf8').trim(), keepalivedPid, 'keepalived was adopted, not restarted');
    assert.equal(syslog(), transitions, 'no VRRP transition');
    assert.deepEqual(await vipHolders(), [master]);
  });

  it('shows a split brain in the API, and when it heals the master that stays takes the traffic back at once', async () => {
    const [master] = await vipHolders();
    const priority = (node: string) => Number(/priority (\d+)/.exec(readFileSync(`${lab.dir}/nodes/${node}/state/ha_confs/${routerId}/keepalived.conf`, 'utf8'))![1]);
    // A backup the master outranks: cut off from VRRP it becomes a second
    // master, and its GARPs (the last ones) draw the VM's traffic to it. At
    // the heal it steps down: the master must GARP again, and the replica
    // stepping down must send nothing from the shared MAC after that (nat.ts).
    const cut = NODES.find((n) => n !== master && priority(n) < priority(master!));
    assert.ok(cut, `a backup with a lower priority than the master ${master}`);
    const namespace = `qrouter-${routerId}`;
    await lab.exec(cut, ['ip', 'netns', 'exec', namespace, 'nft', 'add table ip cut; add chain ip cut in { type filter hook input priority 0; }; add chain ip cut out { type filter hook output priority 0; }; add rule ip cut in ip protocol vrrp drop; add rule ip cut out ip protocol vrrp drop']);
    await until('two masters', 5_000, async () => ((await vipHolders()).length === 2 ? true : undefined));
    const brains = await until('the split brain in the API', 10_000, async () => {
      const { split_brains } = await lab.api.get<{ split_brains: { router_id: string; active_hosts: string[] }[] }>('/v2.0/ha-split-brains');
      return split_brains.length > 0 ? split_brains : undefined;
    });
    assert.deepEqual(brains.map((b) => [b.router_id, [...b.active_hosts].sort()]), [[routerId, [master!, cut].sort()]]);
    // Past the second round of GARPs keepalived sends 5 s after becoming master.
    await sleep(5_000);
    const ping = lab.exec('vm1', ['ping', '-D', '-i', '0.01', '-W', '1', '-w', '5', '192.168.200.1']);
    await sleep(1_000);
    const healedAt = Date.now();
    await lab.exec(cut, ['ip', 'netns', 'exec', namespace, 'nft', 'delete table ip cut']);
    const out = await ping;
    const outage = outageAfter(out, healedAt / 1000);
    assert.ok(outage && parsePing(out).lastReplyAt! * 1000 > healedAt + 2_000, 'replies after the heal');
    assert.ok(outage.gapMs < 1_000, `outage after the heal ${outage.gapMs} ms`);
    assert.deepEqual(await vipHolders(), [master]);
    await until('no split brain in the API', 10_000, async () => ((await lab.api.get<{ split_brains: unknown[] }>('/v2.0/ha-split-brains')).split_brains.length === 0 ? true : undefined));
  });
});
