// Seed 001 in the lab: min = max = 2 L3 agents per router on three network
// nodes, a gateway on the external network (10.5.0.0/16, pool
// 10.5.150.0-10.5.200.254). The upstream host reaches the router's external
// address; the VM reaches the upstream host through SNAT; the upstream host
// reaches the VM through its floating IP; all of it again after the master
// node dies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitUntil } from '../../src/lab/wait.js';
import { isRoot, TestLab } from '../support/lab.js';

describe('seed 001: a router on two of three gateways, with SNAT and a floating IP', { skip: !isRoot && 'needs root' }, () => {
  const lab = new TestLab('e2e-l3b');
  let routerId = '';
  let fip = '';

  const hosts = async () =>
    (await lab.api.get<{ agents: { host: string; ha_state: string }[] }>(`/v2.0/routers/${routerId}/l3-agents`)).agents;
  const ping = (from: string, to: string) => lab.exec(from, ['ping', '-c', '3', '-i', '0.2', '-W', '1', to]);

  const master = () =>
    waitUntil('a single active replica', 10_000, async () => {
      const active = (await hosts()).filter((a) => a.ha_state === 'active');
      return active.length === 1 ? active[0]!.host : undefined;
    }, 100);

  before(async () => {
    await lab.teardown();
    await lab.up(['--network-nodes', '3', '--compute-nodes', '1', '--set', 'min_l3_agents_per_router=2', '--set', 'max_l3_agents_per_router=2']);
  });
  after(() => lab.teardown());

  it('lives on two nodes only, and the upstream host pings its external address', async () => {
    const { network: ext } = await lab.api.post<{ network: { id: string } }>('/v2.0/networks', {
      network: { name: 'ext_net', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' },
    });
    await lab.api.post('/v2.0/subnets', {
      subnet: { network_id: ext.id, name: 'ext_net_subnet', cidr: '10.5.0.0/16', ip_version: 4, gateway_ip: '10.5.0.1', enable_dhcp: false, allocation_pools: [{ start: '10.5.150.0', end: '10.5.200.254' }] },
    });
    const { network } = await lab.api.post<{ network: { id: string } }>('/v2.0/networks', { network: { name: 'private' } });
    const { subnet } = await lab.api.post<{ subnet: { id: string } }>('/v2.0/subnets', {
      subnet: { network_id: network.id, name: 'private_subnet', cidr: '192.168.21.0/24', ip_version: 4 },
    });
    const { router } = await lab.api.post<{ router: { id: string } }>('/v2.0/routers', { router: { name: 'provider-router', external_gateway_info: { network_id: ext.id } } });
    routerId = router.id;
    await lab.api.put(`/v2.0/routers/${routerId}/add_router_interface`, { subnet_id: subnet.id });
    const { router: shown } = await lab.api.get<{ router: { external_gateway_info: { external_fixed_ips: { ip_address: string }[] } } }>(`/v2.0/routers/${routerId}`);
    assert.equal(shown.external_gateway_info.external_fixed_ips[0]!.ip_address, '10.5.150.0');
    assert.equal((await hosts()).length, 2);
    await master();
    assert.match(await ping('upstream', '10.5.150.0'), /3 received/);
  });

  it('gives the VM SNAT to the upstream host and a floating IP the upstream host reaches', async () => {
    await lab.lab(['vm', 'create', 'vm1', '--network', 'private']);
    // Reachability, not loss: on a busy CI machine a single reply can come late.
    let snat = '';
    for (let i = 0; i < 5 && !/3 received/.test(snat); i++) snat = await ping('vm1', '10.5.0.1').catch((e: { stdout?: string }) => e.stdout ?? '');
    assert.match(snat, /3 received/);
    const { ports } = await lab.api.get<{ ports: { id: string }[] }>('/v2.0/ports?name=vm1');
    const { networks } = await lab.api.get<{ networks: { id: string }[] }>('/v2.0/networks?name=ext_net');
    const { floatingip } = await lab.api.post<{ floatingip: { floating_ip_address: string } }>('/v2.0/floatingips', {
      floatingip: { floating_network_id: networks[0]!.id, port_id: ports[0]!.id },
    });
    fip = floatingip.floating_ip_address;
    let reply = '';
    for (let i = 0; i < 20 && !/3 received/.test(reply); i++) reply = await ping('upstream', fip).catch((e: { stdout?: string }) => e.stdout ?? '');
    assert.match(reply, /3 received/);
  });

  it('keeps the external address, SNAT and the floating IP working after the master node dies', async () => {
    const old = await master();
    await lab.lab(['node', 'kill', old]);
    const next = await waitUntil('a new active replica', 5_000, async () => {
      const active = (await hosts()).filter((a) => a.ha_state === 'active' && a.host !== old);
      return active.length === 1 ? active[0]!.host : undefined;
    }, 100);
    assert.notEqual(next, old);
    assert.match(await ping('upstream', '10.5.150.0'), /3 received/);
    assert.match(await ping('vm1', '10.5.0.1'), /3 received/);
    assert.match(await ping('upstream', fip), /3 received/);
  });
});
