// The L2 planner and executor on a real namespace standing in for a host:
// build a tenant network's bridge and VXLAN device, follow a peer change,
// remove what is no longer wanted, and find nothing left to do afterwards.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { SnapshotL2Network } from '../../src/agent-api/protocol.js';
import { applyL2, observeL2 } from '../../src/agent/l2/apply-l2.js';
import { planL2 } from '../../src/agent/l2/plan-l2.js';
import { IpRoute2 } from '../../src/linux/iproute2.js';

const ip = new IpRoute2();
const HOST = `hanet-t${process.pid}-host`;
const settings = { localIp: '192.0.2.10', tunnelDevice: 'eth0', physicalInterfaces: {} };
const net = (remote: string[]): SnapshotL2Network => ({
  id: '3f3f6372-0c96-4521-9d60-2524c139ab72',
  network_type: 'vxlan',
  segmentation_id: 200,
  physical_network: null,
  mtu: 1450,
  remote_tunnels: remote,
});

async function reconcile(desired: SnapshotL2Network[]): Promise<number> {
  const plan = planL2({ networks: desired, ports: [] }, await observeL2(ip, HOST), settings);
  assert.deepEqual(plan.problems, []);
  await applyL2(ip, HOST, plan.actions);
  return plan.actions.length;
}

before(async () => {
  await ip.ensureNamespace(HOST);
  await ip.ensureVeth({ namespace: HOST, name: 'eth0', peer: 'eth0-peer' });
  await ip.ensureAddress(HOST, 'eth0', '192.0.2.10/24');
  await ip.setUp(HOST, 'eth0');
});
after(() => ip.removeNamespace(HOST));

it('converges a host to its L2 networks and stays converged', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  assert.equal(await reconcile([net(['192.0.2.11', '192.0.2.12'])]), 4);
  assert.equal(await reconcile([net(['192.0.2.11', '192.0.2.12'])]), 0, 'a second pass finds nothing to do');
  assert.equal((await ip.getLink(HOST, 'vxlan-200'))?.master, 'brq3f3f6372-0c');
  assert.deepEqual(await ip.floodEntries(HOST, 'vxlan-200'), ['192.0.2.11', '192.0.2.12']);

  assert.equal(await reconcile([net(['192.0.2.12', '192.0.2.13'])]), 2);
  assert.deepEqual(await ip.floodEntries(HOST, 'vxlan-200'), ['192.0.2.12', '192.0.2.13']);

  assert.equal(await reconcile([]), 2, 'the bridge and the VXLAN device go');
  assert.equal(await ip.getLink(HOST, 'brq3f3f6372-0c'), undefined);
  assert.equal(await ip.getLink(HOST, 'vxlan-200'), undefined);
  assert.ok(await ip.getLink(HOST, 'eth0'), 'what is not ours stays');
});
