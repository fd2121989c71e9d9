// The unmodified openstack CLI (Debian's python3-openstackclient) and the
// legacy neutron CLI against a running `hanet server` in noauth mode: the
// first commands of seed 000, and list/show/set/delete of each resource.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
const statePath = mkdtempSync(join(tmpdir(), 'hanet-osc-'));
let server: ServerProcess;

const AGENT_TOKEN = 'compat-agent-token';

before(async () => {
  server = await startServerProcess({ statePath, args: ['--set', `agent_token=${AGENT_TOKEN}`, '--set', 'dhcp_agents_per_network=3'] });
});

/** Three simulated network nodes registering over the agent protocol. */
async function registerNodes(hosts: readonly string[]): Promise<void> {
  for (const host of hosts) {
    const res = await fetch(new URL('/agent/v1/report', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ host, roles: [{ role: 'l3', configurations: { agent_mode: 'legacy' } }, { role: 'dhcp', configurations: {} }] }),
    });
    assert.equal(res.status, 200, await res.text());
  }
}
after(async () => {
  await server?.stop();
  rmSync(statePath, { recursive: true, force: true });
});

/** Runs `openstack ARGS` against the server; returns stdout, or throws with stderr. */
async function openstack(...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/openstack', ['--os-auth-type', 'none', '--os-endpoint', server.url.origin, ...args], { timeout: 60_000 });
  return stdout;
}

async function openstackJson(...args: string[]): Promise<any> {
  return JSON.parse(await openstack(...args, '-f', 'json'));
}

async function openstackFails(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await openstack(...args);
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
  assert.fail(`openstack ${args.join(' ')} succeeded`);
}

describe('openstack CLI, seed 000 first steps', () => {
  let networkId: string;
  let subnetId: string;

  it('network create testdhcp', async () => {
    const net = await openstackJson('network', 'create', 'testdhcp');
    assert.equal(net.name, 'testdhcp');
    assert.equal(net.status, 'ACTIVE');
    assert.equal(net.admin_state_up, true);
    assert.equal(net.mtu, 1450);
    assert.equal(net['provider:network_type'], 'vxlan');
    assert.deepEqual(net.subnets, []);
    networkId = net.id;
  });

  it('subnet create --network testdhcp --subnet-range 192.168.200.0/24 subnet-testdhcp', async () => {
    const subnet = await openstackJson('subnet', 'create', '--network', 'testdhcp', '--subnet-range', '192.168.200.0/24', 'subnet-testdhcp');
    assert.equal(subnet.cidr, '192.168.200.0/24');
    assert.equal(subnet.gateway_ip, '192.168.200.1');
    assert.equal(subnet.network_id, networkId);
    assert.equal(subnet.enable_dhcp, true);
    assert.deepEqual(subnet.allocation_pools, [{ start: '192.168.200.2', end: '192.168.200.254' }]);
    subnetId = subnet.id;
  });

  it('port create --network testdhcp p1', async () => {
    const port = await openstackJson('port', 'create', '--network', 'testdhcp', 'p1');
    assert.equal(port.name, 'p1');
    assert.deepEqual(port.fixed_ips, [{ subnet_id: subnetId, ip_address: '192.168.200.2' }]);
    assert.match(port.mac_address, /^fa:16:3e:/);
    assert.equal(port.status, 'DOWN');
  });

  it('lists show the seed network, subnet and port in table form', async () => {
    const nets = await openstack('network', 'list');
    assert.match(nets, new RegExp(`\\| ${networkId} \\| testdhcp \\| ${subnetId} \\|`));
    const subnets = await openstack('subnet', 'list');
    assert.match(subnets, new RegExp(`\\| ${subnetId} \\| subnet-testdhcp \\| ${networkId} \\| 192\\.168\\.200\\.0/24 \\|`));
    const ports = await openstackJson('port', 'list', '--network', 'testdhcp');
    assert.equal(ports.length, 1);
    assert.equal(ports[0].Name, 'p1');
    assert.deepEqual(ports[0]['Fixed IP Addresses'], [{ subnet_id: subnetId, ip_address: '192.168.200.2' }]);
  });

  it('show and set each resource', async () => {
    await openstack('network', 'set', '--name', 'testdhcp-renamed', '--description', 'seed network', 'testdhcp');
    const net = await openstackJson('network', 'show', 'testdhcp-renamed');
    assert.equal(net.description, 'seed network');
    assert.equal(net.revision_number, 3, 'subnet create and the set both bumped the revision');
    await openstack('subnet', 'set', '--dns-nameserver', '192.168.200.2', '--name', 'subnet-testdhcp', subnetId);
    assert.deepEqual((await openstackJson('subnet', 'show', 'subnet-testdhcp')).dns_nameservers, ['192.168.200.2']);
    await openstack('port', 'set', '--fixed-ip', 'subnet=subnet-testdhcp,ip-address=192.168.200.77', '--no-fixed-ip', '--name', 'p1b', 'p1');
    const port = await openstackJson('port', 'show', 'p1b');
    assert.deepEqual(port.fixed_ips, [{ subnet_id: subnetId, ip_address: '192.168.200.77' }]);
    await openstack('network', 'set', '--tag', 'seed', 'testdhcp-renamed');
    assert.deepEqual((await openstackJson('network', 'show', 'testdhcp-renamed')).tags, ['seed']);
  });

  it('prints the NeutronError message and exits non-zero on errors', async () => {
    const { code, stderr } = await openstackFails('subnet', 'create', '--network', 'testdhcp-renamed', '--subnet-range', '192.168.200.0/25', 'overlap');
    assert.equal(code, 1);
    assert.match(stderr, /overlaps with another subnet/);
    const missing = await openstackFails('network', 'show', 'no-such-network');
    assert.match(missing.stderr, /No Network found for no-such-network/);
  });

  it('delete port, subnet and network', async () => {
    await openstack('port', 'delete', 'p1b');
    await openstack('subnet', 'delete', 'subnet-testdhcp');
    await openstack('network', 'delete', 'testdhcp-renamed');
    assert.deepEqual(await openstackJson('network', 'list'), []);
    assert.deepEqual(await openstackJson('port', 'list'), []);
  });
});

describe('openstack CLI, seed 000 routers and agents (three simulated nodes)', () => {
  const nodes = ['net-0', 'net-1', 'net-2'];
  let routerId: string;
  let heartbeat: NodeJS.Timeout | undefined;
  // Like real agents, the simulated ones report every few seconds, or they would be dead after agent_down_time.
  before(async () => {
    await registerNodes(nodes);
    heartbeat = setInterval(() => void registerNodes(nodes).catch(() => {}), 3_000);
  });
  after(() => clearInterval(heartbeat));

  it('network and subnet land on three DHCP agents', async () => {
    await openstack('network', 'create', 'testdhcp');
    await openstack('subnet', 'create', '--network', 'testdhcp', '--subnet-range', '192.168.200.0/24', 'subnet-testdhcp');
    const agents = await openstackJson('network', 'agent', 'list', '--network', 'testdhcp');
    assert.deepEqual(agents.map((a: { Host: string }) => a.Host).sort(), ['net-0', 'net-1', 'net-2']);
    const ports = await openstackJson('port', 'list', '--network', 'testdhcp');
    assert.deepEqual(ports.map((p: { 'Fixed IP Addresses': { ip_address: string }[] }) => p['Fixed IP Addresses'][0]!.ip_address).sort(), ['192.168.200.2', '192.168.200.3', '192.168.200.4']);
  });

  it('router create --ha, router add subnet, and the agents hosting it with their HA state', async () => {
    const router = await openstackJson('router', 'create', '--ha', 'testrouter');
    assert.equal(router.ha, true);
    assert.equal(router.status, 'ACTIVE');
    routerId = router.id;
    assert.equal(await openstack('router', 'add', 'subnet', 'testrouter', 'subnet-testdhcp'), '');
    const hosting = await openstackJson('network', 'agent', 'list', '--router', 'testrouter', '--long');
    assert.equal(hosting.length, 3);
    assert.deepEqual(hosting.map((a: { 'HA State': string }) => a['HA State']), ['standby', 'standby', 'standby']);
    const table = await openstack('network', 'agent', 'list', '--router', 'testrouter', '--long');
    assert.match(table, /\| HA State\s+\|/);
    const ports = await openstackJson('port', 'list', '--router', 'testrouter');
    assert.equal(ports.length, 4, 'three HA ports and the interface');
    assert.ok(ports.some((p: { 'Fixed IP Addresses': { ip_address: string }[] }) => p['Fixed IP Addresses'][0]!.ip_address === '192.168.200.1'));
  });

  it('router set --no-ha on an admin-up router fails with Neutron\'s message', async () => {
    const { code, stderr } = await openstackFails('router', 'set', '--no-ha', 'testrouter');
    assert.equal(code, 1);
    assert.match(stderr, /Cannot change HA attribute of active routers/);
  });

  it('router set --external-gateway on a flat external network', async () => {
    await openstack('network', 'create', '--external', '--provider-network-type', 'flat', '--provider-physical-network', 'physnet1', 'ext_net');
    await openstack('subnet', 'create', '--network', 'ext_net', '--subnet-range', '10.5.0.0/16', '--no-dhcp', '--allocation-pool', 'start=10.5.150.0,end=10.5.200.254', 'ext_subnet');
    await openstack('router', 'set', '--external-gateway', 'ext_net', 'testrouter');
    const router = await openstackJson('router', 'show', 'testrouter');
    assert.equal(router.external_gateway_info.enable_snat, true);
    assert.equal(router.external_gateway_info.external_fixed_ips[0].ip_address, '10.5.150.0');
  });

  it('network agent add router --l3 moves a legacy router by hand', async () => {
    await openstack('router', 'create', '--no-ha', 'legacy');
    const [hosting] = await openstackJson('network', 'agent', 'list', '--router', 'legacy');
    await openstack('network', 'agent', 'remove', 'router', '--l3', hosting.ID, 'legacy');
    const l3 = await openstackJson('network', 'agent', 'list', '--agent-type', 'l3');
    const target = l3.find((a: { ID: string }) => a.ID !== hosting.ID);
    await openstack('network', 'agent', 'add', 'router', '--l3', target.ID, 'legacy');
    const now = await openstackJson('network', 'agent', 'list', '--router', 'legacy');
    assert.deepEqual(now.map((a: { ID: string }) => a.ID), [target.ID]);
  });

  it('the legacy neutron CLI lists the hosting agents in the seed\'s columns', async () => {
    const env = { ...process.env, OS_AUTH_TYPE: 'none', OS_ENDPOINT: server.url.origin };
    const { stdout } = await run('/usr/bin/neutron', ['l3-agent-list-hosting-router', 'testrouter'], { env, timeout: 60_000 });
    assert.match(stdout, /\| id\s+\| host\s+\| admin_state_up \| alive \| ha_state \|/);
    assert.equal(stdout.match(/\| :-\)\s+\| standby\s+\|/g)?.length, 3);
    assert.ok(routerId);
  });
});

describe('legacy neutron CLI', () => {
  async function neutron(...args: string[]): Promise<string> {
    const env = { ...process.env, OS_AUTH_TYPE: 'none', OS_ENDPOINT: server.url.origin };
    const { stdout } = await run('/usr/bin/neutron', args, { env, timeout: 60_000 });
    return stdout;
  }

  it('net-create and subnet-create as in seed 000, booleans sent as strings', async () => {
    const created = await neutron('net-create', 'testdhcp2', '--admin-state-up', 'True');
    assert.match(created, /\| name\s+\| testdhcp2\s+\|/);
    await neutron('subnet-create', '--name', 'subnet-testdhcp2', 'testdhcp2', '192.168.201.0/24');
    const list = await neutron('net-list');
    assert.match(list, /testdhcp2 .*192\.168\.201\.0\/24/);
    await neutron('net-delete', 'testdhcp2');
  });
});
