import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostSnapshot, SnapshotRouter } from '../agent-api/protocol.js';
import { silentLogger } from '../log.js';
import { NodeAgent } from './node-agent.js';
import type { Role } from './role.js';

const snapshot = (routers: string[]): HostSnapshot => ({
  host: 'net-0',
  revision: routers.join(','),
  routers: routers.map((id) => ({ id }) as SnapshotRouter),
  dhcp_networks: [],
  l2_networks: [],
  bound_ports: [],
  vrrp: { version: 3, advert_int: 0.1, auth_type: 'PASS', auth_password: '', garp_master_repeat: 5, garp_master_refresh: 1, unicast: true, down_timer_adverts: 3, priority: 50 },
  dhcp: { lease_duration: 86400, dns_domain: 'openstacklocal', renewal_time: 0, rebinding_time: 0 },
});

describe('NodeAgent', () => {
  it("runs each role's items, and once more the items a new snapshot dropped (so they are torn down)", async () => {
    const seen: string[] = [];
    const role: Role = {
      name: 'l3',
      keys: (s) => s.routers.map((r) => r.id),
      sync: async (key, s) => void seen.push(`${key}:${s.routers.some((r) => r.id === key) ? 'want' : 'gone'}`),
    };
    const agent = new NodeAgent({ roles: [role], log: silentLogger() });
    agent.poke('l3', 'r1');
    await agent.idle();
    assert.deepEqual(seen, [], 'nothing runs before the first snapshot');
    agent.apply(snapshot(['r1', 'r2']));
    await agent.idle();
    agent.apply(snapshot(['r2']));
    await agent.idle();
    assert.deepEqual(seen.sort(), ['r1:gone', 'r1:want', 'r2:want', 'r2:want']);
    await agent.stop();
  });

  it('leaves items whose part of the snapshot did not change alone, except on a resync (this role has no check) or after a failed pass', async () => {
    const seen: string[] = [];
    let fail = false;
    const role: Role = {
      name: 'l3',
      keys: (s) => s.routers.map((r) => r.id),
      // r1's digest changes with the number of routers, r2's never.
      digest: (key, s) => (key === 'r1' ? String(s.routers.length) : 'same'),
      sync: async (key) => {
        seen.push(key);
        if (fail && key === 'r2') throw new Error('boom');
      },
    };
    const agent = new NodeAgent({ roles: [role], log: silentLogger() });
    agent.apply(snapshot(['r1', 'r2']));
    await agent.idle();
    agent.apply(snapshot(['r1', 'r2', 'r3']));
    await agent.idle();
    assert.deepEqual(seen.sort(), ['r1', 'r1', 'r2', 'r3']);
    seen.length = 0;
    await agent.apply(snapshot(['r1', 'r2', 'r3']), { resync: 'check' });
    await agent.idle();
    assert.deepEqual(seen.sort(), ['r1', 'r2', 'r3']);
    seen.length = 0;
    fail = true;
    await agent.apply(snapshot(['r1', 'r2', 'r3']), { resync: 'check' });
    await agent.idle();
    fail = false;
    agent.apply(snapshot(['r1', 'r2', 'r3', 'r4']));
    await agent.stop();
    assert.ok(seen.filter((k) => k === 'r2').length >= 2, 'r2 runs again after its pass failed');
  });

  it("on a resync runs only the items that fail their role's check, and all of a role without one", async () => {
    const seen: string[] = [];
    const broken = new Set<string>();
    const checked: Role = {
      name: 'l3',
      keys: (s) => s.routers.map((r) => r.id),
      digest: () => 'same',
      intact: async (key) => !broken.has(key),
      sync: async (key) => void seen.push(`l3/${key}`),
    };
    const unchecked: Role = { name: 'l2', keys: () => ['host'], digest: () => 'same', sync: async (key) => void seen.push(`l2/${key}`) };
    const agent = new NodeAgent({ roles: [checked, unchecked], log: silentLogger() });
    broken.add('r3');
    await agent.apply(snapshot(['r1', 'r2', 'r3']), { resync: 'full' });
    await agent.idle();
    assert.deepEqual(seen.sort(), ['l2/host', 'l3/r3'], 'a restarted agent runs only what its check finds changed');
    seen.length = 0;
    broken.clear();
    broken.add('r2');
    await agent.apply(snapshot(['r1', 'r2', 'r3']), { resync: 'check' });
    await agent.idle();
    await agent.stop();
    assert.deepEqual(seen.sort(), ['l2/host', 'l3/r2']);
  });
});
