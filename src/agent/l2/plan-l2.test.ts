import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SnapshotL2Network } from '../../agent-api/protocol.js';
import { bridgeName, linkEventNeedsL2, planL2, staleTaps } from './plan-l2.js';

const settings = { localIp: '192.0.2.10', tunnelDevice: 'eth0', physicalInterfaces: { physnet1: 'eth1' } };
const tenant: SnapshotL2Network = {
  id: '3f3f6372-0c96-4521-9d60-2524c139ab72',
  network_type: 'vxlan',
  segmentation_id: 200,
  physical_network: null,
  mtu: 1450,
  remote_tunnels: ['192.0.2.11', '192.0.2.12'],
};
const only = (networks: SnapshotL2Network[]) => ({ networks, ports: [] });
const external: SnapshotL2Network = { id: 'e0e0e0e0-0000-4000-8000-000000000001', network_type: 'flat', segmentation_id: null, physical_network: 'physnet1', mtu: 1500, remote_tunnels: [] };

describe('planL2', () => {
  it('builds a bridge, a VXLAN device and one flood entry per peer on an empty host', () => {
    const { actions, problems } = planL2(only([tenant]), { links: [], floodEntries: {} }, settings);
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
    assert.deepEqual(planL2(only([tenant]), observed, settings), { actions: [], problems: [], wiredPorts: [], unknownTaps: [] });
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
    assert.deepEqual(planL2(only([tenant]), observed, settings).actions, [
      { kind: 'add-flood-entry', device: 'vxlan-200', dst: '192.0.2.12' },
      { kind: 'remove-flood-entry', device: 'vxlan-200', dst: '192.0.2.99' },
      { kind: 'remove-link', ifname: 'brqdeadbeef-00' },
      { kind: 'remove-link', ifname: 'vxlan-999' },
    ]);
  });

  it('bridges flat networks to their mapped interface, and says when none is mapped', () => {
    assert.deepEqual(planL2(only([external]), { links: [{ ifname: 'eth1', kind: 'veth' }], floodEntries: {} }, settings).actions, [
      { kind: 'ensure-bridge', bridge: 'brqe0e0e0e0-00', mtu: 1500 },
      { kind: 'set-master', ifname: 'eth1', bridge: 'brqe0e0e0e0-00' },
    ]);
    const unmapped = planL2(only([{ ...external, physical_network: 'physnet9' }]), { links: [], floodEntries: {} }, settings);
    assert.match(unmapped.problems[0]!, /no interface mapped for physical network physnet9/);
  });

  it('plugs the taps of its ports into their bridges, and names the taps of ports it does not have', () => {
    const port = { id: 'a1b2c3d4-e5f6-4789-8abc-def012345678', network_id: tenant.id };
    const missing = { id: 'ffffffff-e5f6-4789-8abc-def012345678', network_id: tenant.id };
    const observed = {
      links: [
        { ifname: 'brq3f3f6372-0c', kind: 'bridge' },
        { ifname: 'vxlan-200', kind: 'vxlan', master: 'brq3f3f6372-0c' },
        { ifname: 'tapa1b2c3d4-e5', kind: 'veth', up: false },
        { ifname: 'tap00000000-00', kind: 'veth', master: 'brq3f3f6372-0c', up: true },
      ],
      floodEntries: { 'vxlan-200': ['192.0.2.11', '192.0.2.12'] },
    };
    const plan = planL2({ networks: [tenant], ports: [port, missing] }, observed, settings);
    assert.deepEqual(plan.actions, [{ kind: 'set-master', ifname: 'tapa1b2c3d4-e5', bridge: 'brq3f3f6372-0c' }]);
    assert.deepEqual(plan.wiredPorts, [port.id], 'a port whose tap does not exist yet is not wired');
    assert.deepEqual(plan.unknownTaps, ['tap00000000-00']);
  });
});

describe('staleTaps', () => {
  it('removes a tap only once it stayed unknown for the grace period', () => {
    const none = new Set<string>();
    const first = staleTaps(['tapa', 'tapb'], none, new Map([['tapb', 0]]), 1_000, 5_000);
    assert.deepEqual(first.remove, []);
    assert.deepEqual([...first.firstSeen], [['tapa', 1_000], ['tapb', 0]]);
    assert.equal(first.recheckInMs, 4_000);
    const later = staleTaps(['tapa', 'tapb'], none, first.firstSeen, 5_000, 5_000);
    assert.deepEqual(later.remove, ['tapb']);
    const gone = staleTaps([], none, later.firstSeen, 9_000, 5_000);
    assert.deepEqual([gone.remove, gone.firstSeen.size, gone.recheckInMs], [[], 0, undefined], 'a tap that became known again is forgotten');
  });

  it('removes at once the tap of a port the host had until now', () => {
    assert.deepEqual(staleTaps(['tapa'], new Set(['tapa']), new Map(), 0, 5_000).remove, ['tapa']);
  });
});

describe('linkEventNeedsL2', () => {
  it('passes over a link that is up and in a bridge, the kernel repeating itself', () => {
    assert.equal(linkEventNeedsL2('920: tap8bf533b3-e1@eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 master brq77b6cfae-f4 state UP \\    link/ether b6:a9:03:46:25:b6'), false);
  });

  it('wakes the role for a new link in no bridge, one that is down, and one deleted', () => {
    assert.equal(linkEventNeedsL2('921: tap1df6b825-a9@if2: <BROADCAST,MULTICAST> mtu 1450 qdisc noop state DOWN \\    link/ether 7a:0e:39:ab:90:f7'), true);
    assert.equal(linkEventNeedsL2('921: tap1df6b825-a9@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 state UP \\    link/ether 7a:0e:39:ab:90:f7'), true);
    assert.equal(linkEventNeedsL2('921: tap1df6b825-a9@if2: <NO-CARRIER,BROADCAST,MULTICAST> mtu 1450 master brqec766d02-c4 state DOWN \\    link/ether 7a:0e:39:ab:90:f7'), true);
    assert.equal(linkEventNeedsL2('Deleted 893: vxlan-227: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 master brqf97c3af0-65 state UNKNOWN \\    link/ether 5e:e7:b6:b0:7b:74'), true);
  });
});
