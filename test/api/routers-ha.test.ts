// HA routers and DHCP scheduling with simulated agents speaking the real
// agent protocol: both seeds' sequences, scheduling counts, VRIDs, the HA
// network's life, dead agents, replacement replicas, split brain, conversion.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { makeNetworkWithSubnet, reportAgents, startTestApi, type TestApi } from './harness.js';
import { CHANGES_CHANNEL } from '../../src/service/change-feed.js';

const NODES = ['net-0', 'net-1', 'net-2'];
let api: TestApi;
before(async () => {
  api = await startTestApi({ dhcp_agents_per_network: '3', agent_down_time: '15', ha_replace_dead_agent_after: '60', dhcp_failover_after: '30' });
});
after(() => api.close());
beforeEach(() => api.reset());

async function createRouter(body: Record<string, unknown> = {}) {
  const res = await api.post('/v2.0/routers', { router: { name: 'testrouter', ...body } });
  assert.equal(res.status, 201, res.text);
  return res.body.router;
}

async function l3Agents(routerId: string) {
  const res = await api.get(`/v2.0/routers/${routerId}/l3-agents`);
  assert.equal(res.status, 200, res.text);
  return res.body.agents as { id: string; host: string; alive: boolean; ha_state: string | null }[];
}

describe('seed 000: HA DHCP and an HA router on three network nodes', () => {
  it('serves the network from three DHCP agents with ports .2/.3/.4, and runs the router on all three', async () => {
    await reportAgents(api, NODES);
    const { networkId, subnetId } = await makeNetworkWithSubnet(api);

    const dhcpAgents = (await api.get(`/v2.0/networks/${networkId}/dhcp-agents`)).body.agents;
    assert.deepEqual(dhcpAgents.map((a: { host: string }) => a.host).sort(), NODES);
    const dhcpPorts = (await api.get(`/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`)).body.ports;
    assert.deepEqual(dhcpPorts.map((p: { fixed_ips: { ip_address: string }[] }) => p.fixed_ips[0]!.ip_address).sort(), ['192.168.200.2', '192.168.200.3', '192.168.200.4']);
    for (const p of dhcpPorts) assert.match(p.device_id, new RegExp(`^dhcp[0-9a-f-]{36}-${networkId}$`));

    const router = await createRouter();
    assert.equal(router.ha, true);
    assert.equal(router.distributed, false);
    assert.equal(router.status, 'ACTIVE');
    const haNet = (await api.get(`/v2.0/networks?name=${encodeURIComponent(`HA network tenant ${router.tenant_id}`)}`)).body.networks;
    assert.equal(haNet.length, 1);
    assert.equal(haNet[0].tenant_id, '');
    const haSubnet = (await api.get(`/v2.0/subnets/${haNet[0].subnets[0]}`)).body.subnet;
    assert.equal(haSubnet.cidr, '169.254.192.0/18');
    assert.equal(haSubnet.enable_dhcp, false);
    assert.equal(haSubnet.name, `HA subnet tenant ${router.tenant_id}`);

    const hosting = await l3Agents(router.id);
    assert.deepEqual(hosting.map((a) => a.host), NODES);
    assert.deepEqual(hosting.map((a) => a.ha_state), ['standby', 'standby', 'standby']);

    const iface = await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnetId });
    assert.equal(iface.status, 200, iface.text);
    assert.deepEqual(Object.keys(iface.body).sort(), ['id', 'network_id', 'port_id', 'project_id', 'subnet_id', 'subnet_ids', 'tags', 'tenant_id']);
    assert.equal(iface.body.subnet_id, subnetId);

    const routerPorts = (await api.get(`/v2.0/ports?device_id=${router.id}`)).body.ports;
    const owners = routerPorts.map((p: { device_owner: string }) => p.device_owner).sort();
    assert.deepEqual(owners, ['network:ha_router_replicated_interface', 'network:router_ha_interface', 'network:router_ha_interface', 'network:router_ha_interface']);
    const haPorts = routerPorts.filter((p: { name: string }) => p.name === `HA port tenant ${router.tenant_id}`);
    assert.deepEqual(haPorts.map((p: { fixed_ips: { ip_address: string }[] }) => p.fixed_ips[0]!.ip_address).sort(), ['169.254.192.1', '169.254.192.2', '169.254.192.3']);
    const qr = routerPorts.find((p: { device_owner: string }) => p.device_owner === 'network:ha_router_replicated_interface');
    assert.deepEqual(qr.fixed_ips, [{ subnet_id: subnetId, ip_address: '192.168.200.1' }]);
  });

  it('reports HA states: one active, two standby; the interface port follows the active host and goes ACTIVE when wired', async () => {
    await reportAgents(api, NODES);
    const { subnetId } = await makeNetworkWithSubnet(api);
    const router = await createRouter();
    const iface = (await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnetId })).body;
    assert.equal((await api.agent('POST', '/hosts/net-1/ha-states', { states: { [router.id]: 'master' } })).status, 200);
    await api.agent('POST', '/hosts/net-0/ha-states', { states: { [router.id]: 'backup' } });
    await api.agent('POST', '/hosts/net-2/ha-states', { states: { [router.id]: 'backup' } });
    const states = Object.fromEntries((await l3Agents(router.id)).map((a) => [a.host, a.ha_state]));
    assert.deepEqual(states, { 'net-0': 'standby', 'net-1': 'active', 'net-2': 'standby' });
    const port = (await api.get(`/v2.0/ports/${iface.port_id}`)).body.port;
    assert.equal(port['binding:host_id'], 'net-1');
    await api.agent('POST', '/hosts/net-1/port-status', { ports: { [iface.port_id]: 'ACTIVE' } });
    assert.equal((await api.get(`/v2.0/ports/${iface.port_id}`)).body.port.status, 'ACTIVE');
    await api.agent('POST', '/hosts/net-0/port-status', { ports: { [iface.port_id]: 'DOWN' } });
    assert.equal((await api.get(`/v2.0/ports/${iface.port_id}`)).body.port.status, 'ACTIVE', 'a standby replica does not decide the status');
  });

  it('moves the router ports to a new active without waking the agents; a VM port moving still wakes them', async () => {
    await reportAgents(api, NODES);
    const { networkId, subnetId } = await makeNetworkWithSubnet(api);
    const router = await createRouter();
    const iface = (await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnetId })).body;
    const vm = (await api.post('/v2.0/ports', { port: { network_id: networkId } })).body.port;
    let heard = 0;
    const stop = await api.listen(CHANGES_CHANNEL, () => heard++);
    const heardOnce = async () => {
      for (let i = 0; i < 100 && heard === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100)); // any second notification arrives meanwhile
      return heard;
    };
    try {
      await api.agent('POST', '/hosts/net-2/ha-states', { states: { [router.id]: 'master' } });
      assert.equal((await api.get(`/v2.0/ports/${iface.port_id}`)).body.port['binding:host_id'], 'net-2');
      // No snapshot holds a router port's binding host: the next notification is the VM port's.
      assert.equal((await api.put(`/v2.0/ports/${vm.id}`, { port: { 'binding:host_id': 'compute-0' } })).status, 200);
      assert.equal(await heardOnce(), 1);
    } finally {
      await stop();
    }
  });
});

describe('scheduling', () => {
  it('seed 001: min = max = 2 on three agents gives two replicas', async () => {
    await api.close();
    api = await startTestApi({ min_l3_agents_per_router: '2', max_l3_agents_per_router: '2' });
    try {
      await reportAgents(api, NODES);
      const router = await createRouter();
      assert.equal((await l3Agents(router.id)).length, 2);
      // Least loaded first: the next router goes to the agent left out, plus one more.
      const second = await createRouter({ name: 'r2' });
      const hosts = [...(await l3Agents(router.id)), ...(await l3Agents(second.id))].map((a) => a.host);
      assert.deepEqual([...new Set(hosts)].sort(), NODES);
    } finally {
      await api.close();
      api = await startTestApi({ dhcp_agents_per_network: '3', agent_down_time: '15', ha_replace_dead_agent_after: '60', dhcp_failover_after: '30' });
    }
  });

  it('refuses an HA router with fewer alive agents than the minimum, creating nothing', async () => {
    await reportAgents(api, ['net-0']);
    const res = await api.post('/v2.0/routers', { router: { name: 'lonely' } });
    assert.equal(res.status, 409);
    assert.equal(res.body.NeutronError.type, 'HANotEnoughAvailableAgents');
    assert.match(res.body.NeutronError.message, /Minimum required 2, available 1/);
    assert.deepEqual((await api.get('/v2.0/routers')).body.routers, []);
    assert.deepEqual((await api.get('/v2.0/networks')).body.networks, [], 'no HA network left behind');
  });

  it('places a legacy router on one agent', async () => {
    await reportAgents(api, NODES);
    const router = await createRouter({ ha: false });
    const hosting = await l3Agents(router.id);
    assert.equal(hosting.length, 1);
    assert.equal(hosting[0]!.ha_state, null);
  });

  it('gives routers created before enough agents existed their replicas when agents register', async () => {
    await api.close();
    api = await startTestApi({ min_l3_agents_per_router: '0' });
    try {
      const router = await createRouter();
      assert.equal((await l3Agents(router.id)).length, 0);
      await reportAgents(api, NODES);
      assert.equal((await l3Agents(router.id)).length, 3);
    } finally {
      await api.close();
      api = await startTestApi({ dhcp_agents_per_network: '3', agent_down_time: '15', ha_replace_dead_agent_after: '60', dhcp_failover_after: '30' });
    }
  });

  it('gives concurrent routers distinct VRIDs', async () => {
    await reportAgents(api, NODES);
    const created = await Promise.all(Array.from({ length: 12 }, (_, i) => api.post('/v2.0/routers', { router: { name: `r${i}` } })));
    assert.ok(created.every((r) => r.status === 201), created.map((r) => r.text).join('\n'));
    const vrids = await api.db.selectFrom('ha_vrids').select(['vr_id', 'network_id']).execute();
    assert.equal(vrids.length, 12);
    assert.equal(new Set(vrids.map((v) => v.vr_id)).size, 12);
    assert.equal(new Set(vrids.map((v) => v.network_id)).size, 1, 'one HA network for the project');
  });
});

describe('VRID exhaustion', () => {
  it('answers 409 NoVRIDAvailable for a project\'s 255th HA router and creates nothing', async () => {
    await api.close();
    api = await startTestApi({ max_l3_agents_per_router: '1', min_l3_agents_per_router: '1' });
    try {
      await reportAgents(api, ['net-0']);
      for (let i = 0; i < 254; i++) {
        const res = await api.post('/v2.0/routers', { router: { name: `r${i}` } });
        assert.equal(res.status, 201, res.text);
      }
      const portsBefore = (await api.get('/v2.0/ports')).body.ports.length;
      const full = await api.post('/v2.0/routers', { router: { name: 'one-too-many' } });
      assert.equal(full.status, 409);
      assert.equal(full.body.NeutronError.type, 'NoVRIDAvailable');
      assert.match(full.body.NeutronError.message, /limit of number of HA Routers per project is 254/);
      assert.equal((await api.get('/v2.0/routers')).body.routers.length, 254);
      assert.equal((await api.get('/v2.0/ports')).body.ports.length, portsBefore);
      // Another project has VRIDs of its own; a legacy router needs none.
      assert.equal((await api.post('/v2.0/routers', { router: { name: 'other', project_id: 'b'.repeat(32) } })).status, 201);
      assert.equal((await api.post('/v2.0/routers', { router: { name: 'legacy', ha: false } })).status, 201);
    } finally {
      await api.close();
      api = await startTestApi({ dhcp_agents_per_network: '3', agent_down_time: '15', ha_replace_dead_agent_after: '60', dhcp_failover_after: '30' });
    }
  });
});

describe('the HA network', () => {
  it('goes away with the project\'s last HA router', async () => {
    await reportAgents(api, NODES);
    const a = await createRouter({ name: 'a' });
    const b = await createRouter({ name: 'b' });
    assert.equal((await api.del(`/v2.0/routers/${a.id}`)).status, 204);
    assert.equal((await api.get('/v2.0/networks')).body.networks.length, 1);
    assert.equal((await api.del(`/v2.0/routers/${b.id}`)).status, 204);
    assert.deepEqual((await api.get('/v2.0/networks')).body.networks, []);
    assert.deepEqual((await api.get('/v2.0/ports')).body.ports, []);
  });
});

describe('dead agents', () => {
  it('show alive false and ha_state unknown once their heartbeats stop', async () => {
    await reportAgents(api, NODES);
    const router = await createRouter();
    await api.agent('POST', '/hosts/net-0/ha-states', { states: { [router.id]: 'master' } });
    api.clock.advance(10);
    await reportAgents(api, ['net-1', 'net-2']);
    api.clock.advance(10); // net-0 silent for 20 s > agent_down_time 15 s
    const states = Object.fromEntries((await l3Agents(router.id)).map((a) => [a.host, [a.alive, a.ha_state]]));
    assert.deepEqual(states, { 'net-0': [false, 'unknown'], 'net-1': [true, 'standby'], 'net-2': [true, 'standby'] });
    const agents = (await api.get('/v2.0/agents?host=net-0')).body.agents;
    assert.ok(agents.length === 3 && agents.every((a: { alive: boolean }) => !a.alive));
  });

  it('lose their routers and networks to alive agents after the replacement delays', async () => {
    await reportAgents(api, [...NODES, 'net-3']);
    const { networkId } = await makeNetworkWithSubnet(api);
    const router = await createRouter();
    const before = (await l3Agents(router.id)).map((a) => a.host);
    assert.equal(before.length, 3);
    const dhcpBefore = (await api.get(`/v2.0/networks/${networkId}/dhcp-agents`)).body.agents.map((a: { host: string }) => a.host);
    const victim = before[0]!;
    assert.ok(dhcpBefore.includes(victim));
    const survivors = [...NODES, 'net-3'].filter((h) => h !== victim);

    // Dead, but not for long enough: nothing moves yet.
    api.clock.advance(20);
    await reportAgents(api, survivors);
    await api.heal();
    assert.ok((await l3Agents(router.id)).some((a) => a.host === victim));

    // DHCP moves after 15 + 30 s of silence, routers after 15 + 60 s.
    api.clock.advance(30);
    await reportAgents(api, survivors);
    await api.heal();
    const dhcpAfter = (await api.get(`/v2.0/networks/${networkId}/dhcp-agents`)).body.agents.map((a: { host: string }) => a.host).sort();
    assert.deepEqual(dhcpAfter, survivors.slice().sort());
    assert.ok((await l3Agents(router.id)).some((a) => a.host === victim), 'routers wait longer');

    api.clock.advance(30);
    await reportAgents(api, survivors);
    await api.heal();
    const after = (await l3Agents(router.id)).map((a) => a.host).sort();
    assert.deepEqual(after, survivors.slice().sort());
    const haPorts = (await api.get(`/v2.0/ports?device_id=${router.id}&device_owner=network:router_ha_interface`)).body.ports;
    assert.deepEqual(haPorts.map((p: { 'binding:host_id': string }) => p['binding:host_id']).sort(), after);
  });
});

describe('split brain', () => {
  it('is visible while two alive replicas report active', async () => {
    await reportAgents(api, NODES);
    const router = await createRouter();
    await api.agent('POST', '/hosts/net-0/ha-states', { states: { [router.id]: 'master' } });
    assert.deepEqual((await api.get('/v2.0/ha-split-brains')).body, { split_brains: [] });
    await api.agent('POST', '/hosts/net-2/ha-states', { states: { [router.id]: 'master' } });
    assert.deepEqual((await api.get('/v2.0/ha-split-brains')).body, { split_brains: [{ router_id: router.id, active_hosts: ['net-0', 'net-2'] }] });
    assert.match((await api.get('/metrics')).text, /^hanet_router_split_brain 1$/m);
    assert.equal((await l3Agents(router.id)).filter((a) => a.ha_state === 'active').length, 2);
    await api.agent('POST', '/hosts/net-0/ha-states', { states: { [router.id]: 'backup' } });
    assert.deepEqual((await api.get('/v2.0/ha-split-brains')).body, { split_brains: [] });
  });
});

describe('legacy ↔ HA conversion', () => {
  it('refuses on an admin-up router, converts in one PUT with admin_state_up false', async () => {
    await reportAgents(api, NODES);
    const { subnetId } = await makeNetworkWithSubnet(api);
    const router = await createRouter();
    await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnetId });
    const refused = await api.put(`/v2.0/routers/${router.id}`, { router: { ha: false } });
    assert.equal(refused.status, 400);
    assert.equal(
      refused.body.NeutronError.message,
      'Bad router request: Cannot change HA attribute of active routers. Please set router admin_state_up to False prior to upgrade.',
    );
    const converted = await api.put(`/v2.0/routers/${router.id}`, { router: { ha: false, admin_state_up: false } });
    assert.equal(converted.status, 200, converted.text);
    assert.equal(converted.body.router.ha, false);
    assert.equal((await l3Agents(router.id)).length, 1);
    const owners = (await api.get(`/v2.0/ports?device_id=${router.id}`)).body.ports.map((p: { device_owner: string }) => p.device_owner);
    assert.deepEqual(owners, ['network:router_interface']);
    assert.equal((await api.get(`/v2.0/networks?name=${encodeURIComponent(`HA network tenant ${router.tenant_id}`)}`)).body.networks.length, 0);
    const back = await api.put(`/v2.0/routers/${router.id}`, { router: { ha: true } });
    assert.equal(back.status, 200, back.text);
    assert.equal((await l3Agents(router.id)).length, 3);
  });
});
