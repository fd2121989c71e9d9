import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { makeNetworkWithSubnet, startTestApi, type TestApi } from './harness.js';

let api: TestApi;
before(async () => {
  api = await startTestApi({ vni_ranges: '100:102' });
});
after(() => api.close());
beforeEach(() => api.reset());

describe('networks', () => {
  it('creates a network with the full Neutron attribute set', async () => {
    const res = await api.post('/v2.0/networks', { network: { name: 'testdhcp', admin_state_up: true } });
    assert.equal(res.status, 201);
    const net = res.body.network;
    for (const key of ['id', 'name', 'tenant_id', 'project_id', 'admin_state_up', 'status', 'subnets', 'shared', 'router:external', 'mtu', 'description', 'tags', 'created_at', 'updated_at', 'revision_number', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id']) {
      assert.ok(key in net, key);
    }
    assert.equal(net.status, 'ACTIVE');
    assert.equal(net.mtu, 1450);
    assert.equal(net['provider:network_type'], 'vxlan');
    assert.equal(net['provider:segmentation_id'], 100);
    assert.equal(net.tenant_id, net.project_id);
    assert.match(net.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(res.headers.get('x-openstack-request-id')?.startsWith('req-'), true);
  });

  it('allocates VNIs from the range, reuses freed ones, and answers 503 when none is left', async () => {
    const vnis = [];
    for (let i = 0; i < 3; i++) vnis.push((await api.post('/v2.0/networks', { network: { name: `n${i}` } })).body.network);
    assert.deepEqual(vnis.map((n) => n['provider:segmentation_id']), [100, 101, 102]);
    const full = await api.post('/v2.0/networks', { network: { name: 'n3' } });
    assert.equal(full.status, 503);
    assert.equal(full.body.NeutronError.type, 'NoNetworkAvailable');
    assert.equal((await api.del(`/v2.0/networks/${vnis[1].id}`)).status, 204);
    assert.equal((await api.post('/v2.0/networks', { network: {} })).body.network['provider:segmentation_id'], 101);
  });

  it('creates flat provider networks once per physical network', async () => {
    const body = { network: { name: 'ext_net', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' } };
    const res = await api.post('/v2.0/networks', body);
    assert.equal(res.status, 201);
    assert.equal(res.body.network.mtu, 1500);
    assert.equal(res.body.network['router:external'], true);
    const again = await api.post('/v2.0/networks', body);
    assert.equal(again.status, 409);
    assert.equal(again.body.NeutronError.type, 'FlatNetworkInUse');
  });

  it('rejects an MTU above what the segment carries', async () => {
    const res = await api.post('/v2.0/networks', { network: { mtu: 1500 } });
    assert.equal(res.status, 400);
    assert.match(res.body.NeutronError.message, /maximum is 1450/);
  });

  it('updates, bumping the revision, and shows, filters and deletes', async () => {
    const id = (await api.post('/v2.0/networks', { network: { name: 'a' } })).body.network.id;
    const upd = await api.put(`/v2.0/networks/${id}`, { network: { name: 'b', admin_state_up: 'False' } });
    assert.equal(upd.status, 200);
    assert.equal(upd.body.network.name, 'b');
    assert.equal(upd.body.network.admin_state_up, false);
    assert.equal(upd.body.network.revision_number, 2);
    assert.equal((await api.get(`/v2.0/networks?name=b`)).body.networks.length, 1);
    assert.equal((await api.get(`/v2.0/networks?name=a`)).body.networks.length, 0);
    assert.deepEqual((await api.get(`/v2.0/networks/${id}?fields=name`)).body, { network: { name: 'b' } });
    assert.equal((await api.del(`/v2.0/networks/${id}`)).status, 204);
    assert.equal((await api.get(`/v2.0/networks/${id}`)).status, 404);
  });

  it('bulk-creates all or nothing', async () => {
    const ok = await api.post('/v2.0/networks', { networks: [{ name: 'x' }, { name: 'y' }] });
    assert.equal(ok.status, 201);
    assert.deepEqual(ok.body.networks.map((n: { name: string }) => n.name), ['x', 'y']);
    const bad = await api.post('/v2.0/networks', { networks: [{ name: 'z' }, { name: 'w', mtu: 9000 }] });
    assert.equal(bad.status, 400);
    assert.equal((await api.get('/v2.0/networks?name=z')).body.networks.length, 0);
  });

  it('refuses to delete a network with a port in use, but removes DHCP ports and subnets with it', async () => {
    const { networkId, subnetId } = await makeNetworkWithSubnet(api);
    const port = (await api.post('/v2.0/ports', { port: { network_id: networkId } })).body.port;
    const inUse = await api.del(`/v2.0/networks/${networkId}`);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.NeutronError.type, 'NetworkInUse');
    await api.put(`/v2.0/ports/${port.id}`, { port: { device_owner: 'network:dhcp' } });
    assert.equal((await api.del(`/v2.0/networks/${networkId}`)).status, 204);
    assert.equal((await api.get(`/v2.0/subnets/${subnetId}`)).status, 404);
    assert.equal((await api.get(`/v2.0/ports/${port.id}`)).status, 404);
  });

  it('manages tags', async () => {
    const id = (await api.post('/v2.0/networks', { network: {} })).body.network.id;
    assert.deepEqual((await api.put(`/v2.0/networks/${id}/tags`, { tags: ['a', 'b', 'a'] })).body, { tags: ['a', 'b'] });
    assert.equal((await api.request('PUT', `/v2.0/networks/${id}/tags/c`)).status, 201);
    assert.equal((await api.get(`/v2.0/networks/${id}/tags/c`)).status, 204);
    assert.equal((await api.del(`/v2.0/networks/${id}/tags/a`)).status, 204);
    assert.equal((await api.del(`/v2.0/networks/${id}/tags/zz`)).status, 404);
    assert.deepEqual((await api.get(`/v2.0/networks/${id}`)).body.network.tags, ['b', 'c']);
    assert.equal((await api.get('/v2.0/networks?tags=b,c')).body.networks.length, 1);
    assert.equal((await api.del(`/v2.0/networks/${id}/tags`)).status, 204);
    assert.deepEqual((await api.get(`/v2.0/networks/${id}/tags`)).body, { tags: [] });
  });
});

describe('subnets', () => {
  it('creates the seed subnet with gateway .1 and pool .2-.254, listed on the network', async () => {
    const { networkId, subnetId } = await makeNetworkWithSubnet(api);
    const subnet = (await api.get(`/v2.0/subnets/${subnetId}`)).body.subnet;
    assert.equal(subnet.gateway_ip, '192.168.200.1');
    assert.deepEqual(subnet.allocation_pools, [{ start: '192.168.200.2', end: '192.168.200.254' }]);
    assert.equal(subnet.enable_dhcp, true);
    assert.deepEqual(subnet.dns_nameservers, []);
    assert.deepEqual(subnet.host_routes, []);
    assert.equal(subnet.ip_version, 4);
    const net = (await api.get(`/v2.0/networks/${networkId}`)).body.network;
    assert.deepEqual(net.subnets, [subnetId]);
    assert.equal(net.revision_number, 2);
  });

  it('honours gateway_ip null, explicit pools, DNS servers and host routes', async () => {
    const net = (await api.post('/v2.0/networks', { network: {} })).body.network.id;
    const res = await api.post('/v2.0/subnets', {
      subnet: {
        network_id: net,
        cidr: '10.0.0.0/24',
        ip_version: 4,
        gateway_ip: null,
        allocation_pools: [{ start: '10.0.0.100', end: '10.0.0.110' }],
        dns_nameservers: ['10.0.0.2', '8.8.8.8'],
        host_routes: [{ destination: '10.9.0.0/16', nexthop: '10.0.0.5' }],
        enable_dhcp: 'False',
      },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.subnet.gateway_ip, null);
    assert.deepEqual(res.body.subnet.allocation_pools, [{ start: '10.0.0.100', end: '10.0.0.110' }]);
    assert.equal(res.body.subnet.enable_dhcp, false);
  });

  it('creates IPv6 subnets, normalising the CIDR', async () => {
    const net = (await api.post('/v2.0/networks', { network: {} })).body.network.id;
    const res = await api.post('/v2.0/subnets', { subnet: { network_id: net, cidr: '2001:DB8:0::/64', ip_version: 6, ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.subnet.cidr, '2001:db8::/64');
    assert.equal(res.body.subnet.gateway_ip, '2001:db8::1');
  });

  it('rejects overlapping subnets, version mismatches, bad gateways and bad pools with Neutron errors', async () => {
    const { networkId } = await makeNetworkWithSubnet(api);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ cidr: '192.168.200.128/25', ip_version: 4 }, 400, 'InvalidInput'],
      [{ cidr: '10.1.0.0/24', ip_version: 6 }, 400, 'InvalidInput'],
      [{ cidr: '10.1.0.1/24', ip_version: 4 }, 400, 'HTTPBadRequest'],
      [{ cidr: '10.1.0.0/24', ip_version: 4, gateway_ip: '10.1.0.0' }, 400, 'InvalidInput'],
      [{ cidr: '10.1.0.0/24', ip_version: 4, gateway_ip: '10.1.0.20', allocation_pools: [{ start: '10.1.0.10', end: '10.1.0.30' }] }, 409, 'GatewayConflictWithAllocationPools'],
      [{ cidr: '10.1.0.0/24', ip_version: 4, allocation_pools: [{ start: '10.1.0.10', end: '10.1.1.30' }] }, 400, 'OutOfBoundsAllocationPool'],
      [{ cidr: '10.1.0.0/24', ip_version: 4, allocation_pools: [{ start: '10.1.0.40', end: '10.1.0.30' }] }, 400, 'InvalidAllocationPool'],
      [{ cidr: '10.1.0.0/24', ip_version: 4, allocation_pools: [{ start: '10.1.0.10', end: '10.1.0.30' }, { start: '10.1.0.20', end: '10.1.0.40' }] }, 409, 'OverlappingAllocationPools'],
      [{ cidr: '10.1.0.0/24', ip_version: 4, dns_nameservers: ['1.1.1.1', '1.1.1.1'] }, 400, 'HTTPBadRequest'],
      [{ cidr: '10.1.0.0/24', ip_version: 4, ipv6_ra_mode: 'slaac' }, 400, 'InvalidInput'],
    ];
    for (const [attrs, status, type] of cases) {
      const res = await api.post('/v2.0/subnets', { subnet: { network_id: networkId, ...attrs } });
      assert.equal(res.status, status, `${JSON.stringify(attrs)} → ${res.text}`);
      assert.equal(res.body.NeutronError.type, type, JSON.stringify(attrs));
    }
    assert.equal((await api.get('/v2.0/subnets')).body.subnets.length, 1);
    const missing = await api.post('/v2.0/subnets', { subnet: { network_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1', cidr: '10.0.0.0/24', ip_version: 4 } });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.NeutronError.type, 'NetworkNotFound');
  });

  it('updates gateway and pools together, validating them', async () => {
    const { subnetId } = await makeNetworkWithSubnet(api);
    const bad = await api.put(`/v2.0/subnets/${subnetId}`, { subnet: { gateway_ip: '192.168.200.50' } });
    assert.equal(bad.status, 409);
    const ok = await api.put(`/v2.0/subnets/${subnetId}`, {
      subnet: { gateway_ip: '192.168.200.254', allocation_pools: [{ start: '192.168.200.10', end: '192.168.200.20' }], name: 'renamed' },
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.subnet.gateway_ip, '192.168.200.254');
    assert.equal(ok.body.subnet.revision_number, 2);
  });

  it('refuses to delete a subnet that a port uses', async () => {
    const { networkId, subnetId } = await makeNetworkWithSubnet(api);
    const port = (await api.post('/v2.0/ports', { port: { network_id: networkId } })).body.port;
    const res = await api.del(`/v2.0/subnets/${subnetId}`);
    assert.equal(res.status, 409);
    assert.equal(res.body.NeutronError.type, 'SubnetInUse');
    assert.equal((await api.del(`/v2.0/ports/${port.id}`)).status, 204);
    assert.equal((await api.del(`/v2.0/subnets/${subnetId}`)).status, 204);
    assert.deepEqual((await api.get(`/v2.0/networks/${networkId}`)).body.network.subnets, []);
  });
});
