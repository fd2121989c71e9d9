// The agent protocol: token, registration, the host snapshot and the watch stream.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { makeNetworkWithSubnet, reportAgents, startTestApi, type TestApi } from './harness.js';

let api: TestApi;
before(async () => {
  api = await startTestApi({ dhcp_agents_per_network: '2' });
});
after(() => api.close());
beforeEach(() => api.reset());

describe('agent protocol', () => {
  it('answers 401 without the agent token, and with a wrong one', async () => {
    const body = { host: 'net-0', roles: [{ role: 'l3', configurations: {} }] };
    assert.equal((await api.post('/agent/v1/report', body)).status, 401);
    const wrong = await api.request('POST', '/agent/v1/report', body);
    assert.equal(wrong.body.NeutronError.type, 'NotAuthenticated');
    assert.equal((await api.get('/agent/v1/hosts/net-0/snapshot')).status, 401);
    assert.deepEqual((await api.get('/v2.0/agents')).body.agents, []);
  });

  it('answers a report with the agent ids and the report interval', async () => {
    const res = await api.agent('POST', '/report', { host: 'net-0', roles: [{ role: 'l3', configurations: {} }, { role: 'l2', configurations: { tunnel_ip: '10.0.0.1' } }] });
    assert.equal(res.status, 200);
    assert.equal(res.body.report_interval, 5);
    assert.deepEqual(res.body.agents.map((a: { agent_type: string }) => a.agent_type), ['L3 agent', 'Linux bridge agent']);
  });

  it('validates reports', async () => {
    assert.equal((await api.agent('POST', '/report', { host: 'bad host!', roles: [{ role: 'l3' }] })).status, 400);
    assert.equal((await api.agent('POST', '/report', { host: 'net-0', roles: [{ role: 'router' }] })).status, 400);
  });

  it('hands each host the routers, DHCP networks and L2 networks it should run', async () => {
    await reportAgents(api, ['net-0', 'net-1', 'net-2']);
    const { networkId, subnetId } = await makeNetworkWithSubnet(api);
    const router = (await api.post('/v2.0/routers', { router: { name: 'r' } })).body.router;
    await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnetId });
    const snap = (await api.agent('GET', '/hosts/net-1/snapshot')).body;
    assert.equal(snap.host, 'net-1');
    assert.match(snap.revision, /^[0-9a-f]{40}$/);
    assert.equal(snap.routers.length, 1);
    const r = snap.routers[0];
    assert.equal(r.id, router.id);
    assert.ok(r.vrid >= 1 && r.vrid <= 254);
    assert.equal(r.ha_vip, `169.254.0.${r.vrid}/24`);
    assert.equal(r.ha_port.fixed_ips[0].prefixlen, 18);
    assert.equal(r.ha_peers.length, 2);
    assert.deepEqual(r.interfaces[0].fixed_ips, [{ subnet_id: subnetId, ip_address: '192.168.200.1', prefixlen: 24 }]);
    const l2 = snap.l2_networks.find((n: { id: string }) => n.id === networkId);
    assert.equal(l2.network_type, 'vxlan');
    assert.deepEqual(l2.remote_tunnels, ['10.99.0.10', '10.99.0.12']);
    const served = (await api.get(`/v2.0/networks/${networkId}/dhcp-agents`)).body.agents.map((a: { host: string }) => a.host);
    const dhcpHost = served[0];
    const dhcpSnap = (await api.agent('GET', `/hosts/${dhcpHost}/snapshot`)).body;
    const net = dhcpSnap.dhcp_networks[0];
    assert.equal(net.id, networkId);
    assert.equal(net.dhcp_addresses.length, 2);
    assert.ok(net.hosts.some((h: { ip_address: string }) => h.ip_address === '192.168.200.1'));
    assert.equal((await api.agent('GET', '/hosts/net-1/snapshot')).body.revision, snap.revision, 'unchanged state, same revision');
    await api.put(`/v2.0/routers/${router.id}`, { router: { name: 'renamed' } });
    assert.equal((await api.agent('GET', '/hosts/net-1/snapshot')).body.revision, snap.revision, 'a rename changes nothing a host runs');
    await api.put(`/v2.0/routers/${router.id}`, { router: { routes: [{ destination: '10.50.0.0/16', nexthop: '192.168.200.9' }] } });
    assert.notEqual((await api.agent('GET', '/hosts/net-1/snapshot')).body.revision, snap.revision);
  });
});
