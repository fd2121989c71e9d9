// auth_strategy = keystone: without a valid project-scoped token the API
// answers 401 (keystonemiddleware's body) and changes nothing; a token's
// project owns what its user creates; the agent protocol keeps its own token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadServerConfig } from '../../src/config/server-config.js';
import { silentLogger } from '../../src/log.js';
import { composeApi, type ComposedApi } from '../../src/main/compose-api.js';
import { openTestDatabase } from './harness.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let composed: ComposedApi;
let now = Date.now();

async function call(method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token && { 'x-auth-token': token }) };
  const res = await composed.app.request(`http://127.0.0.1:9696${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function tokenOf(user: string, password: string, project?: string): Promise<string> {
  const scope = project === undefined ? undefined : { name: project };
  return (await composed.identity!.issue({ method: 'password', user: { name: user }, password }, scope)).token;
}

before(async () => {
  database = await openTestDatabase();
  const config = loadServerConfig({ overrides: { state_path: '/nonexistent', agent_token: 'agent-secret', auth_strategy: 'keystone', admin_password: 'secret', token_expiration: '600' } });
  composed = await composeApi({ db: database.db, config, log: silentLogger(), clock: () => new Date(now) });
  await composed.identity!.createProject('demo');
  await composed.identity!.createUser({ name: 'alice', password: 'alice-pw', project: 'demo' });
});
after(() => database.close());

describe('auth_strategy = keystone', () => {
  it('answers 401 without a token, with a bad one, or with an unscoped one, and creates nothing', async () => {
    const unscoped = (await composed.identity!.createUser({ name: 'loner', password: 'pw' })) && (await tokenOf('loner', 'pw'));
    for (const token of [undefined, 'not-a-token', unscoped]) {
      const res = await call('POST', '/v2.0/networks', token, { network: { name: 'x' } });
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
      assert.equal(res.headers.get('www-authenticate'), 'Keystone uri="http://127.0.0.1:5000"', "keystonemiddleware's pointer to the identity service");
    }
    const admin = await tokenOf('admin', 'secret', 'admin');
    assert.deepEqual((await call('GET', '/v2.0/networks', admin)).body.networks, []);
    assert.equal((await call('GET', '/')).status, 200, 'version discovery stays open');
  });

  it('points 401s at www_authenticate_uri when it is set', async () => {
    const config = loadServerConfig({ overrides: { state_path: '/nonexistent', auth_strategy: 'keystone', keystone_www_authenticate_uri: 'https://identity.example.com' } });
    const other = await composeApi({ db: database.db, config, log: silentLogger() });
    const res = await other.app.request('http://127.0.0.1:9696/v2.0/networks');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Keystone uri="https://identity.example.com"');
  });

  it("gives what a user creates to the token's project", async () => {
    const alice = await tokenOf('alice', 'alice-pw', 'demo');
    const demo = await composed.identity!.findProject('demo');
    const res = await call('POST', '/v2.0/networks', alice, { network: { name: 'mine' } });
    assert.equal(res.status, 201);
    assert.equal(res.body.network.project_id, demo.id);
  });

  it('refuses expired and revoked tokens', async () => {
    const alice = await tokenOf('alice', 'alice-pw', 'demo');
    assert.equal((await call('GET', '/v2.0/networks', alice)).status, 200);
    now += 601_000;
    assert.equal((await call('GET', '/v2.0/networks', alice)).status, 401);
    now -= 601_000;
    await composed.identity!.revoke(alice);
    assert.equal((await call('GET', '/v2.0/networks', alice)).status, 401);
  });

  it('leaves the agent protocol to its own token', async () => {
    const report = { host: 'net-0', roles: [{ role: 'l3', configurations: {} }] };
    const refused = await composed.app.request('http://127.0.0.1:9696/agent/v1/report', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report) });
    assert.equal(refused.status, 401);
    const accepted = await composed.app.request('http://127.0.0.1:9696/agent/v1/report', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer agent-secret' },
      body: JSON.stringify(report),
    });
    assert.equal(accepted.status, 200);
  });
});
