// Router interfaces, gateways, routes and the scheduler endpoints: each
// error case answers with Neutron's type and status, and changes nothing.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { agentIds, makeNetworkWithSubnet, reportAgents, startTestApi, type TestApi } from './harness.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(() => api.close());
beforeEach(async () => {
  await api.reset();
  await reportAgents(api, ['net-0', 'net-1', 'net-2']);
});

function assertError(res: { status: number; body: any; text: string }, status: number, type: string) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.NeutronError.type, type, res.text);
}

async function router(body: Record<string, unknown> = {}) {
  return (await api.post('/v2.0/routers', { router: { name: 'r', ...body } })).body.router;
}

async function externalNetwork() {
  const net = (await api.post('/v2.0/networks', { network: { name: 'ext_net', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' } })).body.network;
  const subnet = (await api.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.5.0.0/16', ip_version: 4, enable_dhcp: false, allocation_pools: [{ start: '10.5.150.0', end: '10.5.200.254' }] } })).body.subnet;
  return { networkId: net.id as string, subnetId: subnet.id as string };
}

describe('router interfaces', () => {
  it('need exactly one of subnet_id and port_id, as UUIDs', async () => {
    const r = await router();
    const { subnetId } = await makeNetworkWithSubnet(api);
    assertError(await api.put(`/v2.0/routers/${r.id}/add_router_interface`, {}), 400, 'BadRequest');
    assertError(await api.put(`/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: subnetId, port_id: subnetId }), 400, 'BadRequest');
    assertError(await api.put(`/v2.0/routers/${r.id}/add_router_interface`, { port_id: 'not-a-uuid' }), 400, 'HTTPBadRequest');
    assertError(await api.put(`/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1' }), 404, 'SubnetNotFound');
    assertError(await api.put('/v2.0/routers/7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1/add_router_interface', { subnet_id: subnetId }), 404, 'RouterNotFound');
  });

  it('refuse an overlapping subnet (400) and the same port twice (409), and attach by port', async () => {
    const r = await router();
    const a = await makeNetworkWithSubnet(api, '10.1.0.0/24');
    const b = await makeNetworkWithSubnet(api, '10.1.0.0/25');
    assert.equal((await api.put(`/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: a.subnetId })).status, 200);
    assertError(await api.put(`/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: b.subnetId }), 400, 'BadRequest');
    assertError(await api.put(`/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: a.subnetId }), 400, 'BadRequest');
    const c = await makeNetworkWithSubnet(api, '10.2.0.0/24');
    const port = (await api.post('/v2.0/ports', { port: { network_id: c.networkId, fixed_ips: [{ subnet_id: c.subnetId, ip_address: '10.2.0.1' }] } })).body.port;
    const byPort = await api.put(`/v2.0/routers/${r.id}/add_router_interface`, { port_id: port.id });
    assert.equal(byPort.status, 200, byPort.text);
    assert.equal(byPort.body.port_id, port.id);
    assert.equal((await api.get(`/v2.0/ports/${port.id}`)).body.port.device_owner, 'network:ha_router_replicated_interface');
    assertError(await api.put(`/v2.0/routers/${r.id}/add_router_interface`, { port_id: port.id }), 409, 'PortInUse');
  });

  it('keep the router (409 RouterInUse) and their ports (409 L3PortInUse) from deletion, and remove by subnet or port', async () => {
    const r = await router();
    const { subnetId } = await makeNetworkWithSubnet(api);
    const iface = (await api.put(`/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: subnetId })).body;
    assertError(await api.del(`/v2.0/routers/${r.id}`), 409, 'RouterInUse');
    assertError(await api.del(`/v2.0/ports/${iface.port_id}`), 409, 'L3PortInUse');
    const other = await makeNetworkWithSubnet(api, '10.9.0.0/24');
    assertError(await api.put(`/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: other.subnetId }), 404, 'RouterInterfaceNotFoundForSubnet');
    assertError(await api.put(`/v2.0/routers/${r.id}/remove_router_interface`, { port_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1' }), 404, 'RouterInterfaceNotFound');
    const removed = await api.put(`/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: subnetId });
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.body.port_id, iface.port_id);
    assert.equal((await api.get(`/v2.0/ports/${iface.port_id}`)).status, 404);
    assert.equal((await api.del(`/v2.0/routers/${r.id}`)).status, 204);
  });
});

describe('external gateway', () => {
  it('creates one gateway port, honours external_fixed_ips and enable_snat, and clears with {} or null', async () => {
    const ext = await externalNetwork();
    const r = await router();
    const set = await api.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: ext.networkId } } });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.body.router.external_gateway_info, {
      network_id: ext.networkId,
      enable_snat: true,
      external_fixed_ips: [{ subnet_id: ext.subnetId, ip_address: '10.5.150.0' }],
    });
    const fixed = await api.put(`/v2.0/routers/${r.id}`, {
      router: { external_gateway_info: { network_id: ext.networkId, enable_snat: false, external_fixed_ips: [{ ip_address: '10.5.160.7' }] } },
    });
    assert.equal(fixed.status, 200, fixed.text);
    assert.equal(fixed.body.router.external_gateway_info.enable_snat, false);
    assert.equal(fixed.body.router.external_gateway_info.external_fixed_ips[0].ip_address, '10.5.160.7');
    assert.equal((await api.get(`/v2.0/ports?device_owner=network:router_gateway`)).body.ports.length, 1);
    const other = await router({ name: 'r2' });
    const taken = await api.put(`/v2.0/routers/${other.id}`, { router: { external_gateway_info: { network_id: ext.networkId, external_fixed_ips: [{ ip_address: '10.5.160.7' }] } } });
    assertError(taken, 409, 'IpAddressAlreadyAllocated');
    assert.equal((await api.get(`/v2.0/routers/${other.id}`)).body.router.external_gateway_info, null);
    assert.equal((await api.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: {} } })).body.router.external_gateway_info, null);
    assert.equal((await api.get(`/v2.0/ports?device_owner=network:router_gateway`)).body.ports.length, 0);
  });

  it('refuses a network that is not external (400) or missing (404)', async () => {
    const r = await router();
    const { networkId } = await makeNetworkWithSubnet(api);
    assertError(await api.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: networkId } } }), 400, 'BadRequest');
    assertError(await api.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1' } } }), 404, 'NetworkNotFound');
  });
});

describe('routes', () => {
  it('need a nexthop on an attached subnet; null means none', async () => {
    const r = await router();
    const { subnetId } = await makeNetworkWithSubnet(api);
    await api.put(`/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: subnetId });
    assertError(await api.put(`/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '10.50.0.0/16', nexthop: '10.60.0.1' }] } }), 400, 'InvalidRoutes');
    const ok = await api.put(`/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '10.50.0.0/16', nexthop: '192.168.200.20' }] } });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body.router.routes, [{ destination: '10.50.0.0/16', nexthop: '192.168.200.20' }]);
    assertError(await api.put(`/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: subnetId }), 409, 'RouterInterfaceInUseByRoute');
    assert.deepEqual((await api.put(`/v2.0/routers/${r.id}`, { router: { routes: null } })).body.router.routes, []);
  });
});

describe('router attributes', () => {
  it('refuse distributed routers and unknown attributes', async () => {
    assertError(await api.post('/v2.0/routers', { router: { distributed: true } }), 400, 'BadRequest');
    assertError(await api.post('/v2.0/routers', { router: { ha: 'maybe' } }), 400, 'HTTPBadRequest');
    assert.deepEqual((await api.get('/v2.0/routers')).body.routers, []);
  });
});

describe('agent scheduler endpoints', () => {
  it('add and remove routers on L3 agents with Neutron\'s answers', async () => {
    const r = await router({ ha: false });
    const l3 = await agentIds(api, 'L3 agent');
    const hosting = (await api.get(`/v2.0/routers/${r.id}/l3-agents`)).body.agents[0];
    const dup = await api.post(`/v2.0/agents/${hosting.id}/l3-routers`, { router_id: r.id });
    assertError(dup, 409, 'RouterHostedByL3Agent');
    const dhcpAgent = (await agentIds(api, 'DHCP agent')).get('net-0')!;
    assertError(await api.post(`/v2.0/agents/${dhcpAgent}/l3-routers`, { router_id: r.id }), 404, 'InvalidL3Agent');
    assert.equal((await api.request('DELETE', `/v2.0/agents/${hosting.id}/l3-routers/${r.id}`, { router_id: r.id })).status, 204);
    const other = l3.get('net-2')!;
    const added = await api.post(`/v2.0/agents/${other}/l3-routers`, { router_id: r.id });
    assert.equal(added.status, 201);
    assert.equal(added.text, 'null');
    assert.deepEqual((await api.get(`/v2.0/agents/${other}/l3-routers`)).body.routers.map((x: { id: string }) => x.id), [r.id]);
    assertError(await api.del(`/v2.0/agents/${hosting.id}/l3-routers/${r.id}`), 409, 'RouterNotHostedByL3Agent');
  });

  it('add and remove networks on DHCP agents', async () => {
    const { networkId } = await makeNetworkWithSubnet(api);
    const dhcp = await agentIds(api, 'DHCP agent');
    const serving = (await api.get(`/v2.0/networks/${networkId}/dhcp-agents`)).body.agents;
    assert.equal(serving.length, 1, 'dhcp_agents_per_network defaults to 1');
    assertError(await api.post(`/v2.0/agents/${serving[0].id}/dhcp-networks`, { network_id: networkId }), 409, 'NetworkHostedByDHCPAgent');
    const spare = [...dhcp.values()].find((id) => id !== serving[0].id)!;
    const added = await api.post(`/v2.0/agents/${spare}/dhcp-networks`, { network_id: networkId });
    assert.equal(added.status, 201);
    assert.equal(added.text, 'null');
    assert.equal((await api.get(`/v2.0/networks/${networkId}/dhcp-agents`)).body.agents.length, 2);
    assert.deepEqual((await api.get(`/v2.0/agents/${spare}/dhcp-networks`)).body.networks.map((n: { id: string }) => n.id), [networkId]);
    assert.equal((await api.del(`/v2.0/agents/${spare}/dhcp-networks/${networkId}`)).status, 204);
    assertError(await api.del(`/v2.0/agents/${spare}/dhcp-networks/${networkId}`), 409, 'NetworkNotHostedByDhcpAgent');
    assert.equal((await api.get(`/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`)).body.ports.length, 1);
  });

  it('show agents with Neutron\'s fields, let admins disable and delete them, and never create them', async () => {
    const agents = (await api.get('/v2.0/agents')).body.agents;
    assert.equal(agents.length, 9);
    const l3 = agents.find((a: { agent_type: string }) => a.agent_type === 'L3 agent');
    for (const key of ['id', 'agent_type', 'binary', 'topic', 'host', 'admin_state_up', 'alive', 'availability_zone', 'configurations', 'created_at', 'started_at', 'heartbeat_timestamp', 'description']) {
      assert.ok(key in l3, key);
    }
    assert.match(l3.heartbeat_timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(l3.availability_zone, 'nova');
    const upd = await api.put(`/v2.0/agents/${l3.id}`, { agent: { admin_state_up: false, description: 'maintenance' } });
    assert.equal(upd.body.agent.admin_state_up, false);
    assertError(await api.put(`/v2.0/agents/${l3.id}`, { agent: { host: 'x' } }), 400, 'HTTPBadRequest');
    assertError(await api.post('/v2.0/agents', { agent: {} }), 405, 'HTTPMethodNotAllowed');
    assert.equal((await api.del(`/v2.0/agents/${l3.id}`)).status, 204);
    assertError(await api.get(`/v2.0/agents/${l3.id}`), 404, 'AgentNotFound');
    assert.equal((await api.get('/v2.0/agents?agent_type=L3+agent')).body.agents.length, 2);
    // A DHCP agent takes its DHCP ports with it.
    const { networkId } = await makeNetworkWithSubnet(api);
    const [serving] = (await api.get(`/v2.0/networks/${networkId}/dhcp-agents`)).body.agents;
    assert.equal((await api.del(`/v2.0/agents/${serving.id}`)).status, 204);
    assert.deepEqual((await api.get(`/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`)).body.ports, []);
  });
});
