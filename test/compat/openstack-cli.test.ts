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

before(async () => {
  server = await startServerProcess({ statePath });
});
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

describe('legacy neutron CLI', () => {
  async function neutron(...args: string[]): Promise<string> {
    const env = { ...process.env, OS_AUTH_TYPE: 'none', OS_ENDPOINT: server.url.origin };
    const { stdout } = await run('/usr/bin/neutron', args, { env, timeout: 60_000 });
    return stdout;
  }

  it('net-create and subnet-create as in seed 000, booleans sent as strings', async () => {
    const created = await neutron('net-create', 'testdhcp', '--admin-state-up', 'True');
    assert.match(created, /\| name\s+\| testdhcp\s+\|/);
    await neutron('subnet-create', '--name', 'subnet-testdhcp', 'testdhcp', '192.168.200.0/24');
    const list = await neutron('net-list');
    assert.match(list, /testdhcp .*192\.168\.200\.0\/24/);
    await neutron('net-delete', 'testdhcp');
  });
});
