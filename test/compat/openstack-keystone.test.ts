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
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
const statePath = mkdtempSync(join(tmpdir(), 'hanet-keystone-'));
let server: ServerProcess;
let identityPort = 0;

before(async () => {
  identityPort = await freePort();
  server = await startServerProcess({
    statePath,
    args: ['--set', 'auth_strategy=keystone', '--set', `identity_bind_port=${identityPort}`, '--set', 'admin_password=s3cret'],
  });
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
      '',
    ].join('\n'),
  );
});
after(async () => {
  await server?.stop();
  rmSync(statePath, { recursive: true, force: true });
});

const openstack = async (...args: string[]) =>
  (await run('/usr/bin/openstack', ['--os-cloud', 'hanet', ...args], { timeout: 60_000, env: { ...process.env, OS_CLIENT_CONFIG_FILE: join(statePath, 'clouds.yaml') } })).stdout;

describe('openstack CLI with password authentication', () => {
  it('creates and lists seed 000 network and subnet through the catalog', async () => {
    const network = JSON.parse(await openstack('network', 'create', 'testdhcp', '-f', 'json'));
    assert.equal(network.name, 'testdhcp');
    await openstack('subnet', 'create', '--network', 'testdhcp', '--subnet-range', '192.168.200.0/24', 'subnet-testdhcp');
    const token = JSON.parse(await openstack('token', 'issue', '-f', 'json'));
    assert.equal(network.project_id, token.project_id, "the network belongs to the token's project");
    assert.match(await openstack('network', 'list'), /testdhcp/);
  });

  it('gets 401 from the API without credentials', async () => {
    const res = await fetch(new URL('/v2.0/networks', server.url));
    assert.equal(res.status, 401);
  });

  it('is refused with a wrong password', async () => {
    await assert.rejects(run('/usr/bin/openstack', ['--os-cloud', 'hanet', '--os-password', 'wrong', 'network', 'list'], { timeout: 60_000, env: { ...process.env, OS_CLIENT_CONFIG_FILE: join(statePath, 'clouds.yaml') } }), /401|authentication/i);
  });
});
