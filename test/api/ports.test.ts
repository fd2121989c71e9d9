import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { makeNetworkWithSubnet, startTestApi, type TestApi } from './harness.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(() => api.close());
beforeEach(() => api.reset());

async function countRows(): Promise<{ ports: number; allocations: number }> {
  const ports = await api.db.selectFrom('ports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const allocations = await api.db.selectFrom('ip_allocations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { ports: Number(ports.n), allocations: Number(allocations.n) };
}

describe('ports', () => {
  it('allocate the lowest free addresses (.2, .3, .4 as in the seed) and fa:16:3e MACs', async () => {
    const { networkId, subnetId } = await makeNetworkWithSubnet(api);
    const ports = [];
    for (let i = 0; i < 3; i++) {
      const res = await api.post('/v2.0/ports', { port: { network_id: networkId, device_owner: 'network:dhcp', 'binding:host_id': `net-${i}` } });
      assert.equal(res.status, 201, res.text);
      ports.push(res.body.port);
    }
    assert.deepEqual(ports.map((p) => p.fixed_ips), [2, 3, 4].map((n) => [{ subnet_id: subnetId, ip_address: `192.168.200.${n}` }]));
    for (const p of ports) {
      assert.match(p.mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
      assert.equal(p.status, 'DOWN');
      assert.equal(p['binding:vnic_type'], 'normal');
      assert.equal(p['binding:vif_type'], 'unbound');
      assert.deepEqual(p['binding:profile'], {});
    }
    assert.equal(new Set(ports.map((p) => p.mac_address)).size, 3);
    assert.equal(ports[1]['binding:host_id'], 'net-1');
  });

  it('give a port on a network without subnets no address', async () => {
    const net = (await api.post('/v2.0/networks', { network: {} })).body.network.id;
    const res = await api.post('/v2.0/ports', { port: { network_id: net } });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body.port.fixed_ips, []);
  });

  it('honour requested addresses, subnets and MACs, and reject taken ones', async () => {
    const { networkId, subnetId } = await makeNetworkWithSubnet(api);
    const res = await api.post('/v2.0/ports', { port: { network_id: networkId, mac_address: 'FA:16:3E:00:00:01', fixed_ips: [{ ip_address: '192.168.200.50' }] } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.port.mac_address, 'fa:16:3e:00:00:01');
    assert.deepEqual(res.body.port.fixed_ips, [{ subnet_id: subnetId, ip_address: '192.168.200.50' }]);
    const sameIp = await api.post('/v2.0/ports', { port: { network_id: networkId, fixed_ips: [{ subnet_id: subnetId, ip_address: '192.168.200.50' }] } });
    assert.equal(sameIp.status, 409);
    assert.equal(sameIp.body.NeutronError.type, 'IpAddressAlreadyAllocated');
    const sameMac = await api.post('/v2.0/ports', { port: { network_id: networkId, mac_address: 'fa:16:3e:00:00:01' } });
    assert.equal(sameMac.status, 409);
    assert.equal(sameMac.body.NeutronError.type, 'MacAddressInUse');
    const gateway = await api.post('/v2.0/ports', { port: { network_id: networkId, fixed_ips: [{ ip_address: '192.168.200.1' }] } });
    assert.equal(gateway.status, 201, 'the gateway address may be taken by a port (router interface by port)');
    const outside = await api.post('/v2.0/ports', { port: { network_id: networkId, fixed_ips: [{ ip_address: '10.0.0.5' }] } });
    assert.equal(outside.status, 400);
    assert.equal(outside.body.NeutronError.type, 'InvalidIpForNetwork');
    assert.deepEqual(await countRows(), { ports: 2, allocations: 2 });
  });

  it('answer 409 IpAddressGenerationFailure on an exhausted pool and change nothing', async () => {
    const { networkId } = await makeNetworkWithSubnet(api, '10.5.0.0/29', { allocation_pools: [{ start: '10.5.0.2', end: '10.5.0.3' }] });
    for (let i = 0; i < 2; i++) assert.equal((await api.post('/v2.0/ports', { port: { network_id: networkId } })).status, 201);
    const before = await countRows();
    const res = await api.post('/v2.0/ports', { port: { network_id: networkId, name: 'one-too-many' } });
    assert.equal(res.status, 409);
    assert.deepEqual(res.body, {
      NeutronError: { type: 'IpAddressGenerationFailure', message: `No more IP addresses available on network ${networkId}.`, detail: '' },
    });
    assert.deepEqual(await countRows(), before);
    assert.equal((await api.get('/v2.0/ports?name=one-too-many')).body.ports.length, 0);
    // A bulk create that runs out part-way leaves nothing either.
    const other = await makeNetworkWithSubnet(api, '10.6.0.0/29', { allocation_pools: [{ start: '10.6.0.2', end: '10.6.0.2' }] });
    const bulk = await api.post('/v2.0/ports', { ports: [{ network_id: other.networkId }, { network_id: other.networkId }] });
    assert.equal(bulk.status, 409);
    assert.deepEqual(await countRows(), before);
  });

  it('replace fixed_ips on update, keeping the addresses still asked for', async () => {
    const { networkId, subnetId } = await makeNetworkWithSubnet(api);
    const port = (await api.post('/v2.0/ports', { port: { network_id: networkId } })).body.port;
    const upd = await api.put(`/v2.0/ports/${port.id}`, { port: { fixed_ips: [{ subnet_id: subnetId }, { ip_address: '192.168.200.99' }], name: 'p1' } });
    assert.equal(upd.status, 200, upd.text);
    assert.deepEqual(upd.body.port.fixed_ips.map((f: { ip_address: string }) => f.ip_address), ['192.168.200.2', '192.168.200.99']);
    assert.equal(upd.body.port.revision_number, 2);
    const shrink = await api.put(`/v2.0/ports/${port.id}`, { port: { fixed_ips: [{ ip_address: '192.168.200.99' }] } });
    assert.deepEqual(shrink.body.port.fixed_ips, [{ subnet_id: subnetId, ip_address: '192.168.200.99' }]);
    const again = (await api.post('/v2.0/ports', { port: { network_id: networkId } })).body.port;
    assert.equal(again.fixed_ips[0].ip_address, '192.168.200.2', 'the released address is free again');
  });

  it('give SLAAC ports their EUI-64 address', async () => {
    const net = (await api.post('/v2.0/networks', { network: {} })).body.network.id;
    await api.post('/v2.0/subnets', { subnet: { network_id: net, cidr: '2001:db8::/64', ip_version: 6, ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' } });
    const port = (await api.post('/v2.0/ports', { port: { network_id: net, mac_address: 'fa:16:3e:98:b5:e4' } })).body.port;
    assert.equal(port.fixed_ips[0].ip_address, '2001:db8::f816:3eff:fe98:b5e4');
  });

  it('filter by device_id, fixed_ips=ip_address= and project fields as the CLI asks', async () => {
    const { networkId } = await makeNetworkWithSubnet(api);
    await api.post('/v2.0/ports', { port: { network_id: networkId, device_id: 'router-1', name: 'a' } });
    await api.post('/v2.0/ports', { port: { network_id: networkId, device_id: 'router-2', name: 'b' } });
    const byDevice = await api.get('/v2.0/ports?device_id=router-2&fields=id&fields=name&fields=mac_address&fields=fixed_ips&fields=status');
    assert.equal(byDevice.body.ports.length, 1);
    assert.deepEqual(Object.keys(byDevice.body.ports[0]).sort(), ['fixed_ips', 'id', 'mac_address', 'name', 'status']);
    const byIp = await api.get('/v2.0/ports?fixed_ips=ip_address%3D192.168.200.2');
    assert.deepEqual(byIp.body.ports.map((p: { name: string }) => p.name), ['a']);
  });

  it('delete, and 404 afterwards', async () => {
    const { networkId } = await makeNetworkWithSubnet(api);
    const port = (await api.post('/v2.0/ports', { port: { network_id: networkId } })).body.port;
    assert.equal((await api.del(`/v2.0/ports/${port.id}`)).status, 204);
    const gone = await api.del(`/v2.0/ports/${port.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.NeutronError.type, 'PortNotFound');
    assert.deepEqual(await countRows(), { ports: 0, allocations: 0 });
  });
});
