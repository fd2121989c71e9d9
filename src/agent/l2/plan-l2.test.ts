import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SnapshotL2Network } from '../../agent-api/protocol.js';
import { bridgeName, planL2 } from './plan-l2.js';

const settings = { localIp: '192.0.2.10', tunnelDevice: 'eth0', physicalInterfaces: { physnet1: 'eth1' } };
const tenant: SnapshotL2Network = {
  id: '3f3f6372-0c96-4521-9d60-2524c139ab72',
  network_type: 'vxlan',
  segmentation_id: 200,
  physical_network: null,
  mtu: 1450,
  remote_tunnels: ['192.0.2.11', '192.0.2.12'],
};
const external: SnapshotL2Network = { id: 'e0e0e0e0-0000-4000-8000-000000000001', network_type: 'flat', segmentation_id: null, physical_network: 'physnet1', mtu: 1500, remote_tunnels: [] };

describe('planL2', () => {
  it('builds a bridge, a VXLAN device and one flood entry per peer on an empty host', () => {
    const { actions, problems } = planL2([tenant], { links: [], floodEntries: {} }, settings);
    assert.deepEqual(problems, []);
    assert.equal(bridgeName(tenant.id), 'brq3f3f6372-0c');
    assert.deepEqual(actions, [
      { kind: 'ensure-bridge', bridge: 'brq3f3f6372-0c', mtu: 1450 },
      { kind: 'ensure-vxlan', device: 'vxlan-200', vni: 200, local: '192.0.2.10', dev: 'eth0', mtu: 1450, bridge: 'brq3f3f6372-0c' },
      { kind: 'add-flood-entry', device: 'vxlan-200', dst: '192.0.2.11' },
      { kind: 'add-flood-entry', device: 'vxlan-200', dst: '192.0.2.12' },
    ]);
  });

  it('does nothing when the host already matches', () => {
    const observed = {
      links: [
        { ifname: 'brq3f3f6372-0c', kind: 'bridge' },
        { ifname: 'vxlan-200', kind: 'vxlan', master: 'brq3f3f6372-0c' },
      ],
      floodEntries: { 'vxlan-200': ['192.0.2.12', '192.0.2.11'] },
    };
    assert.deepEqual(planL2([tenant], observed, settings), { actions: [], problems: [] });
  });

  it('follows peers coming and going, and removes what no network needs', () => {
    const observed = {
      links: [
        { ifname: 'brq3f3f6372-0c', kind: 'bridge' },
        { ifname: 'vxlan-200', kind: 'vxlan', master: 'brq3f3f6372-0c' },
        { ifname: 'brqdeadbeef-00', kind: 'bridge' },
        { ifname: 'vxlan-999', kind: 'vxlan' },
        { ifname: 'eth0', kind: 'veth' },
      ],
      floodEntries: { 'vxlan-200': ['192.0.2.11', '192.0.2.99'] },
    };
    assert.deepEqual(planL2([tenant], observed, settings).actions, [
      { kind: 'add-flood-entry', device: 'vxlan-200', dst: '192.0.2.12' },
      { kind: 'remove-flood-entry', device: 'vxlan-200', dst: '192.0.2.99' },
      { kind: 'remove-link', ifname: 'brqdeadbeef-00' },
      { kind: 'remove-link', ifname: 'vxlan-999' },
    ]);
  });

  it('bridges flat networks to their mapped interface, and says when none is mapped', () => {
    assert.deepEqual(planL2([external], { links: [{ ifname: 'eth1', kind: 'veth' }], floodEntries: {} }, settings).actions, [
      { kind: 'ensure-bridge', bridge: 'brqe0e0e0e0-00', mtu: 1500 },
      { kind: 'set-master', ifname: 'eth1', bridge: 'brqe0e0e0e0-00' },
    ]);
    const unmapped = planL2([{ ...external, physical_network: 'physnet9' }], { links: [], floodEntries: {} }, settings);
    assert.match(unmapped.problems[0]!, /no interface mapped for physical network physnet9/);
  });
});
