// The unmodified openstack CLI with password authentication (a clouds.yaml
// as NEUTRON-API.md §1B shows) against `hanet server` with auth_strategy =
// keystone: it authenticates at the built-in identity port, finds the
// network endpoint in the catalog, and runs seed 000's first commands.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../src/lab/free-port.js';
import { HANET_BIN, type ServerProcess, startServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
const statePath = mkdtempSync(join(tmpdir(), 'hanet-keystone-'));
let server: ServerProcess;
let identityPort = 0;

before(async () => {
  identityPort = await freePort();
  server = await startServerProcess({
    statePath,
    // The simulated agents report once: agent_down_time keeps them alive for the whole file.
    args: ['--set', 'auth_strategy=keystone', '--set', `identity_bind_port=${identityPort}`, '--set', 'admin_password=s3cret', '--set', 'agent_token=agent-secret', '--set', 'agent_down_time=3600'],
  });
  // Two simulated L3 agents, so that HA routers can be scheduled.
  for (const host of ['net-0', 'net-1']) {
    const res = await fetch(new URL('/agent/v1/report', server.url), {
      method: 'POST',
      headers: { authorization: 'Bearer agent-secret', 'content-type': 'application/json' },
      body: JSON.stringify({ host, roles: [{ role: 'l3', configurations: {} }, { role: 'dhcp', configurations: {} }] }),
    });
    assert.equal(res.status, 200);
  }
  writeFileSync(
    join(statePath, 'clouds.yaml'),
    [
      'clouds:',
      '  hanet:',
      '    auth_type: password',
      '    auth:',
      `      auth_url: http://127.0.0.1:${identityPort}/v3`,
      '      username: admin',
      '      password: s3cret',
      '      project_name: admin',
      '      user_domain_name: Default',
      '      project_domain_name: Default',
      '    region_name: RegionOne',
      '    identity_api_version: 3',
      '  alice:',
      '    auth:',
      `      auth_url: http://127.0.0.1:${identityPort}/v3`,
      '      username: alice',
      '      password: alice-pw',
      '      project_name: demo',
      '      user_domain_name: Default',
      '      project_domain_name: Default',
      '',
    ].join('\n'),
  );
});
after(async () => {
  await server?.stop();
  rmSync(statePath, { recursive: true, force: true });
});

const cloudEnv = (cloud: string) => ({ ...process.env, OS_CLIENT_CONFIG_FILE: join(statePath, 'clouds.yaml'), OS_CLOUD: cloud });
const openstackAs = async (cloud: string, ...args: string[]) => (await run('/usr/bin/openstack', args, { timeout: 60_000, env: cloudEnv(cloud) })).stdout;
const openstack = (...args: string[]) => openstackAs('hanet', ...args);
const hanet = async (...args: string[]) => (await run(HANET_BIN, args, { timeout: 60_000, env: cloudEnv('hanet') })).stdout;

describe('openstack CLI with password authentication', () => {
  it('creates and lists seed 000 network and subnet through the catalog', async () => {
    const network = JSON.parse(await openstack('network', 'create', 'testdhcp', '-f', 'json'));
    assert.equal(network.name, 'testdhcp');
    await openstack('subnet', 'create', '--network', 'testdhcp', '--subnet-range', '192.168.200.0/24', 'subnet-testdhcp');
    const token = JSON.parse(await openstack('token', 'issue', '-f', 'json'));
    assert.equal(network.project_id, token.project_id, "the network belongs to the token's project");
    assert.match(await openstack('network', 'list'), /testdhcp/);
  });

  it('hanet identity makes a project and a member, who runs seed 000 in her project and sees only it', async () => {
    await hanet('identity', 'project', 'create', 'demo');
    await hanet('identity', 'user', 'create', 'alice', '--project', 'demo', '--password', 'alice-pw');
    assert.match(await hanet('identity', 'user', 'list'), /alice .*member@demo/s);
    const network = JSON.parse(await openstackAs('alice', 'network', 'create', 'testdhcp', '-f', 'json'));
    assert.equal(network['provider:network_type'], null, 'provider attributes are the admin\'s');
    await openstackAs('alice', 'subnet', 'create', '--network', network.id, '--subnet-range', '192.168.200.0/24', 'subnet-testdhcp');
    await openstackAs('alice', 'router', 'create', 'testrouter');
    await openstackAs('alice', 'router', 'add', 'subnet', 'testrouter', 'subnet-testdhcp');
    const names = JSON.parse(await openstackAs('alice', 'network', 'list', '-f', 'json')).map((n: { Name: string }) => n.Name);
    assert.deepEqual(names, ['testdhcp'], "the admin's network and the HA network are not hers to see");
    assert.deepEqual(JSON.parse(await openstackAs('alice', 'network', 'agent', 'list', '-f', 'json')), []);
    const hosting = JSON.parse(await openstack('network', 'agent', 'list', '--router', 'testrouter', '--long', '-f', 'json'));
    assert.equal(hosting.length, 2, 'the admin sees where her router runs');
    await hanet('identity', 'user', 'delete', 'alice');
    await assert.rejects(openstackAs('alice', 'network', 'list'), /401|authentication/i);
  });

  it('gets 401 from the API without credentials', async () => {
    const res = await fetch(new URL('/v2.0/networks', server.url));
    assert.equal(res.status, 401);
  });

  it('is refused with a wrong password', async () => {
    await assert.rejects(run('/usr/bin/openstack', ['--os-cloud', 'hanet', '--os-password', 'wrong', 'network', 'list'], { timeout: 60_000, env: { ...process.env, OS_CLIENT_CONFIG_FILE: join(statePath, 'clouds.yaml') } }), /401|authentication/i);
  });
});
