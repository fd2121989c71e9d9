import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { makeNetworkWithSubnet, startTestApi, type TestApi } from './harness.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(() => api.close());
beforeEach(() => api.reset());

const EXT_CIDR = '172.24.4.0/24';

/** A flat external network with one IPv4 subnet (pool .2–.254). */
async function makeExternalNetwork(): Promise<{ networkId: string; subnetId: string }> {
  const net = await api.post('/v2.0/networks', {
    network: { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' },
  });
  assert.equal(net.status, 201, net.text);
  const subnet = await api.post('/v2.0/subnets', { subnet: { network_id: net.body.network.id, cidr: EXT_CIDR, ip_version: 4, enable_dhcp: false } });
  assert.equal(subnet.status, 201, subnet.text);
  return { networkId: net.body.network.id, subnetId: subnet.body.subnet.id };
}

interface Topology {
  readonly ext: { networkId: string; subnetId: string };
  readonly internal: { networkId: string; subnetId: string };
  readonly routerId: string;
  readonly vmPort: any;
}

/** external network ← router (gateway) → internal subnet, with a VM port on it. */
async function makeTopology(options: { gateway?: boolean } = {}): Promise<Topology> {
  const ext = await makeExternalNetwork();
  const internal = await makeNetworkWithSubnet(api, '10.0.0.0/24');
  const router = await api.post('/v2.0/routers', { router: { name: 'r', ha: false } });
  assert.equal(router.status, 201, router.text);
  const routerId = router.body.router.id as string;
  const iface = await api.put(`/v2.0/routers/${routerId}/add_router_interface`, { subnet_id: internal.subnetId });
  assert.equal(iface.status, 200, iface.text);
  if (options.gateway ?? true) {
    const gw = await api.put(`/v2.0/routers/${routerId}`, { router: { external_gateway_info: { network_id: ext.networkId } } });
    assert.equal(gw.status, 200, gw.text);
  }
  const vm = await api.post('/v2.0/ports', { port: { network_id: internal.networkId, device_owner: 'compute:nova', device_id: 'vm-1', name: 'vm' } });
  assert.equal(vm.status, 201, vm.text);
  return { ext, internal, routerId, vmPort: vm.body.port };
}

async function createFip(body: Record<string, unknown>) {
  return api.post('/v2.0/floatingips', { floatingip: body });
}

function assertError(res: { status: number; body: any; text: string }, status: number, type: string, message?: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.NeutronError.type, type, res.text);
  if (message !== undefined) assert.equal(res.body.NeutronError.message, message);
}

describe('floating IPs', () => {
  it('allocate an address from the external pool on a hidden network:floatingip port, status DOWN', async () => {
    const ext = await makeExternalNetwork();
    const res = await createFip({ floating_network_id: ext.networkId, description: 'web' });
    assert.equal(res.status, 201, res.text);
    const fip = res.body.floatingip;
    assert.equal(fip.floating_network_id, ext.networkId);
    assert.equal(fip.floating_ip_address, '172.24.4.2');
    assert.equal(fip.status, 'DOWN');
    assert.equal(fip.port_id, null);
    assert.equal(fip.fixed_ip_address, null);
    assert.equal(fip.router_id, null);
    assert.equal(fip.port_details, null);
    assert.equal(fip.description, 'web');
    assert.equal(fip.revision_number, 1);
    assert.equal(fip.tenant_id, fip.project_id);
    assert.deepEqual(fip.tags, []);
    assert.match(fip.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal('subnet_id' in fip, false, 'subnet_id is input only');

    const ports = (await api.get(`/v2.0/ports?device_id=${fip.id}`)).body.ports;
    assert.equal(ports.length, 1);
    assert.equal(ports[0].device_owner, 'network:floatingip');
    assert.equal(ports[0].project_id, '');
    assert.deepEqual(ports[0].fixed_ips, [{ subnet_id: ext.subnetId, ip_address: '172.24.4.2' }]);

    assert.deepEqual((await api.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip, fip);
    assert.deepEqual((await api.get('/v2.0/floatingips')).body.floatingips, [fip]);
    assert.deepEqual((await api.get(`/v2.0/floatingips?floating_ip_address=172.24.4.2&port_id=None`)).body.floatingips, [fip]);
    assert.deepEqual((await api.get(`/v2.0/floatingips?floating_network_id=${fip.id}`)).body.floatingips, []);
  });

  it('honour a requested address or subnet, and answer 409 when the address is taken', async () => {
    const ext = await makeExternalNetwork();
    const res = await createFip({ floating_network_id: ext.networkId, floating_ip_address: '172.24.4.50' });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.floatingip.floating_ip_address, '172.24.4.50');
    const taken = await createFip({ floating_network_id: ext.networkId, floating_ip_address: '172.24.4.50' });
    assertError(taken, 409, 'IpAddressAlreadyAllocated', `IP address 172.24.4.50 already allocated in subnet ${ext.subnetId}`);
    const bySubnet = await createFip({ floating_network_id: ext.networkId, subnet_id: ext.subnetId });
    assert.equal(bySubnet.status, 201, bySubnet.text);
    assert.equal(bySubnet.body.floatingip.floating_ip_address, '172.24.4.2');
    const outside = await createFip({ floating_network_id: ext.networkId, floating_ip_address: '10.9.9.9' });
    assert.equal(outside.status, 400, outside.text);
    assert.equal((await api.get('/v2.0/floatingips')).body.floatingips.length, 2, 'failed creates leave nothing');
    assert.equal((await api.get('/v2.0/ports?device_owner=network:floatingip')).body.ports.length, 2);
  });

  it('refuse a network that is not external (400), missing (404) or without IPv4 subnet (400)', async () => {
    const { networkId } = await makeNetworkWithSubnet(api);
    const res = await createFip({ floating_network_id: networkId });
    assertError(res, 400, 'BadRequest', `Bad floatingip request: Network ${networkId} is not a valid external network.`);
    const missing = '3f0d4f36-0d1c-4b8e-9d8e-000000000000';
    assertError(await createFip({ floating_network_id: missing }), 404, 'NetworkNotFound');
    const bare = await api.post('/v2.0/networks', { network: { 'router:external': true } });
    assertError(
      await createFip({ floating_network_id: bare.body.network.id }),
      400,
      'BadRequest',
      `Bad floatingip request: Network ${bare.body.network.id} does not contain any IPv4 subnet.`,
    );
    assertError(await createFip({}), 400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'floating_network_id' not specified");
    assertError(await createFip({ floating_network_id: networkId, status: 'ACTIVE' }), 400, 'HTTPBadRequest');
    assertError(await createFip({ floating_network_id: networkId, floating_ip_address: 'nope' }), 400, 'HTTPBadRequest');
    assert.deepEqual((await api.get('/v2.0/ports')).body.ports, []);
  });

  it('associate with a VM port behind a router whose gateway is on the floating network', async () => {
    const { ext, internal, routerId, vmPort } = await makeTopology();
    const res = await createFip({ floating_network_id: ext.networkId, port_id: vmPort.id });
    assert.equal(res.status, 201, res.text);
    const fip = res.body.floatingip;
    assert.equal(fip.port_id, vmPort.id);
    assert.equal(fip.fixed_ip_address, vmPort.fixed_ips[0].ip_address);
    assert.equal(fip.router_id, routerId);
    assert.deepEqual(fip.port_details, {
      name: 'vm',
      network_id: internal.networkId,
      mac_address: vmPort.mac_address,
      admin_state_up: true,
      status: 'DOWN',
      device_id: 'vm-1',
      device_owner: 'compute:nova',
    });
    assert.deepEqual((await api.get(`/v2.0/floatingips?port_id=${vmPort.id}`)).body.floatingips, [fip]);
    assert.deepEqual((await api.get(`/v2.0/floatingips?router_id=${routerId}`)).body.floatingips.map((f: any) => f.id), [fip.id]);

    // The router cannot drop what the floating IP relies on.
    const dropGateway = await api.put(`/v2.0/routers/${routerId}`, { router: { external_gateway_info: {} } });
    assertError(dropGateway, 409, 'RouterExternalGatewayInUseByFloatingIp');
    const dropInterface = await api.put(`/v2.0/routers/${routerId}/remove_router_interface`, { subnet_id: internal.subnetId });
    assertError(dropInterface, 409, 'RouterInterfaceInUseByFloatingIP');
  });

  it('associate by PUT, keep the association on a description change, and disassociate with port_id null', async () => {
    const { ext, routerId, vmPort } = await makeTopology();
    const fip = (await createFip({ floating_network_id: ext.networkId })).body.floatingip;
    const fixedIp = vmPort.fixed_ips[0].ip_address;
    const assoc = await api.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: vmPort.id, fixed_ip_address: fixedIp } });
    assert.equal(assoc.status, 200, assoc.text);
    assert.equal(assoc.body.floatingip.router_id, routerId);
    assert.equal(assoc.body.floatingip.fixed_ip_address, fixedIp);
    assert.equal(assoc.body.floatingip.revision_number, 2);

    const described = await api.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { description: 'db' } });
    assert.equal(described.status, 200, described.text);
    assert.equal(described.body.floatingip.description, 'db');
    assert.equal(described.body.floatingip.port_id, vmPort.id);
    assert.equal(described.body.floatingip.router_id, routerId);
    assert.equal(described.body.floatingip.revision_number, 3);

    const dis = await api.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } });
    assert.equal(dis.status, 200, dis.text);
    assert.equal(dis.body.floatingip.port_id, null);
    assert.equal(dis.body.floatingip.fixed_ip_address, null);
    assert.equal(dis.body.floatingip.router_id, null);
    assert.equal(dis.body.floatingip.port_details, null);
    assert.equal(dis.body.floatingip.floating_ip_address, fip.floating_ip_address);
    assert.equal(dis.body.floatingip.revision_number, 4);
    // Once free, the gateway can go.
    const dropGateway = await api.put(`/v2.0/routers/${routerId}`, { router: { external_gateway_info: {} } });
    assert.equal(dropGateway.status, 200, dropGateway.text);
    assertError(await api.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { floating_ip_address: '172.24.4.9' } }), 400, 'HTTPBadRequest');
  });

  it('answer 404 when no router connects the port to the floating network, and change nothing', async () => {
    const { ext, internal, vmPort } = await makeTopology({ gateway: false });
    const res = await createFip({ floating_network_id: ext.networkId, port_id: vmPort.id });
    assertError(
      res,
      404,
      'ExternalGatewayForFloatingIPNotFound',
      `External network ${ext.networkId} is not reachable from subnet ${internal.subnetId}. Therefore, cannot associate Port ${vmPort.id} with a Floating IP.`,
    );
    assert.deepEqual((await api.get('/v2.0/floatingips')).body.floatingips, []);
    assert.deepEqual((await api.get('/v2.0/ports?device_owner=network:floatingip')).body.ports, []);
  });

  it('answer 409 on a second floating IP for the same fixed IP', async () => {
    const { ext, vmPort } = await makeTopology();
    const first = await createFip({ floating_network_id: ext.networkId, port_id: vmPort.id });
    assert.equal(first.status, 201, first.text);
    const second = await createFip({ floating_network_id: ext.networkId, port_id: vmPort.id });
    assertError(second, 409, 'FloatingIPPortAlreadyAssociated');
    const spare = (await createFip({ floating_network_id: ext.networkId })).body.floatingip;
    const byPut = await api.put(`/v2.0/floatingips/${spare.id}`, { floatingip: { port_id: vmPort.id } });
    assertError(byPut, 409, 'FloatingIPPortAlreadyAssociated');
    // Re-sending the same association is no conflict with itself.
    const same = await api.put(`/v2.0/floatingips/${first.body.floatingip.id}`, { floatingip: { port_id: vmPort.id } });
    assert.equal(same.status, 200, same.text);
  });

  it('check the port and fixed IP asked for', async () => {
    const { ext, internal, vmPort } = await makeTopology();
    const missing = '3f0d4f36-0d1c-4b8e-9d8e-000000000000';
    assertError(await createFip({ floating_network_id: ext.networkId, port_id: missing }), 404, 'PortNotFound');
    assertError(
      await createFip({ floating_network_id: ext.networkId, port_id: vmPort.id, fixed_ip_address: '10.0.0.99' }),
      400,
      'BadRequest',
      `Bad floatingip request: Port ${vmPort.id} does not have fixed ip 10.0.0.99.`,
    );
    assertError(
      await createFip({ floating_network_id: ext.networkId, fixed_ip_address: '10.0.0.99' }),
      400,
      'BadRequest',
      'Bad floatingip request: fixed_ip_address cannot be specified without a port_id.',
    );
    const twoIps = await api.post('/v2.0/ports', { port: { network_id: internal.networkId, fixed_ips: [{ subnet_id: internal.subnetId }, { subnet_id: internal.subnetId }] } });
    assert.equal(twoIps.status, 201, twoIps.text);
    assertError(
      await createFip({ floating_network_id: ext.networkId, port_id: twoIps.body.port.id }),
      400,
      'BadRequest',
      `Bad floatingip request: Port ${twoIps.body.port.id} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP.`,
    );
    const second = twoIps.body.port.fixed_ips[1].ip_address;
    const chosen = await createFip({ floating_network_id: ext.networkId, port_id: twoIps.body.port.id, fixed_ip_address: second });
    assert.equal(chosen.status, 201, chosen.text);
    assert.equal(chosen.body.floatingip.fixed_ip_address, second);
    const noIp = await api.post('/v2.0/ports', { port: { network_id: internal.networkId, fixed_ips: [] } });
    assertError(
      await createFip({ floating_network_id: ext.networkId, port_id: noIp.body.port.id }),
      400,
      'BadRequest',
      `Bad floatingip request: Cannot add floating IP to port ${noIp.body.port.id} that has no fixed IPv4 addresses.`,
    );
  });

  it('delete with the floating port, which the port API refuses to delete alone', async () => {
    const { ext, vmPort } = await makeTopology();
    const fip = (await createFip({ floating_network_id: ext.networkId, port_id: vmPort.id })).body.floatingip;
    const [floatingPort] = (await api.get(`/v2.0/ports?device_id=${fip.id}`)).body.ports;
    assertError(
      await api.del(`/v2.0/ports/${floatingPort.id}`),
      409,
      'L3PortInUse',
      `Port ${floatingPort.id} has owner network:floatingip and therefore cannot be deleted directly via the port API.`,
    );
    const res = await api.del(`/v2.0/floatingips/${fip.id}`);
    assert.equal(res.status, 204, res.text);
    assertError(await api.get(`/v2.0/floatingips/${fip.id}`), 404, 'FloatingIPNotFound', `Floating IP ${fip.id} could not be found`);
    assertError(await api.get(`/v2.0/ports/${floatingPort.id}`), 404, 'PortNotFound');
    assert.equal((await api.get(`/v2.0/ports/${vmPort.id}`)).status, 200, 'the associated port stays');
    assertError(await api.del(`/v2.0/floatingips/${fip.id}`), 404, 'FloatingIPNotFound');
    assertError(await api.del('/v2.0/floatingips/not-a-uuid'), 404, 'FloatingIPNotFound', 'Floating IP not-a-uuid could not be found');
    assertError(await api.put('/v2.0/floatingips/not-a-uuid', { floatingip: { port_id: null } }), 404, 'FloatingIPNotFound');
    // The address is free again.
    const again = await createFip({ floating_network_id: ext.networkId, floating_ip_address: fip.floating_ip_address });
    assert.equal(again.status, 201, again.text);
  });

  it('disassociate when the associated port is deleted', async () => {
    const { ext, vmPort } = await makeTopology();
    const fip = (await createFip({ floating_network_id: ext.networkId, port_id: vmPort.id })).body.floatingip;
    const res = await api.del(`/v2.0/ports/${vmPort.id}`);
    assert.equal(res.status, 204, res.text);
    const after = (await api.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip;
    assert.equal(after.port_id, null);
    assert.equal(after.router_id, null);
  });
});
