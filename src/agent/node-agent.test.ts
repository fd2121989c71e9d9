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
  vrrp: { version: 3, advert_int: 0.1, auth_type: 'PASS', auth_password: '', garp_master_repeat: 5, garp_master_refresh: 1, unicast: true },
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
});
