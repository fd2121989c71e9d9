// auth_strategy = keystone with [keystone_authtoken] auth_url: the API
// validates tokens at an external Keystone. The Keystone here is a real
// Keystone-compatible service on a loopback port: the built-in identity of a
// first API, with a project `service` and a user `neutron` holding the admin
// role there, as Neutron's install guide makes them. A second API, on its own
// database, is configured against it and serves no identity of its own.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import { sql } from 'kysely';
import { pino } from 'pino';
import { loadServerConfig } from '../../src/config/server-config.js';
import type { IdentityService } from '../../src/identity/identity-service.js';
import { createKeystoneApp } from '../../src/identity/keystone-app.js';
import { silentLogger } from '../../src/log.js';
import { composeApi, type ComposedApi } from '../../src/main/compose-api.js';
import { openTestDatabase } from './harness.js';

let keystoneDb: Awaited<ReturnType<typeof openTestDatabase>>;
let apiDb: Awaited<ReturnType<typeof openTestDatabase>>;
/** The API whose built-in identity plays the external Keystone. */
let builtIn: ComposedApi;
let keystone: IdentityService;
let keystoneServer: Server;
let keystoneUrl = '';
/** The API under test, configured with [keystone_authtoken] auth_url = keystoneUrl. */
let api: ComposedApi;
let now = Date.now();
const logLines: string[] = [];
/** What reached the Keystone: validations (GET /v3/auth/tokens) and logins by user name. */
const seen = { validations: 0, logins: new Map<string, number>() };

const UNAUTHORIZED_BODY = { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } };
const UNAVAILABLE_BODY = { error: { code: 503, title: 'Service Unavailable', message: 'The Keystone service is temporarily unavailable.' } };

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function stopKeystone(): Promise<void> {
  return new Promise((resolve) => {
    keystoneServer.close(() => resolve());
    keystoneServer.closeAllConnections();
  });
}

function serverConfig(overrides: Record<string, string>) {
  return loadServerConfig({ overrides: { state_path: '/nonexistent', agent_token: 'agent-secret', auth_strategy: 'keystone', ...overrides } });
}

async function call(target: ComposedApi, method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token !== undefined && { 'x-auth-token': token }) };
  const res = await target.app.request(`http://127.0.0.1:9696${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
}

/** A token from the Keystone, over HTTP as a client gets one. */
async function login(user: string, password: string, project?: string): Promise<string> {
  const res = await fetch(`${keystoneUrl}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: 'Default' } } } },
        ...(project && { scope: { project: { name: project, domain: { name: 'Default' } } } }),
      },
    }),
  });
  assert.equal(res.status, 201, await res.text());
  return res.headers.get('x-subject-token')!;
}

before(async () => {
  keystoneDb = await openTestDatabase();
  apiDb = await openTestDatabase();
  builtIn = await composeApi({ db: keystoneDb.db, config: serverConfig({ admin_password: 'secret' }), log: silentLogger() });
  keystone = builtIn.identity!;
  await keystone.createProject('service');
  await keystone.createUser({ name: 'neutron', password: 'neutron-pw', project: 'service', role: 'admin' });
  await keystone.createProject('demo');
  await keystone.createUser({ name: 'alice', password: 'alice-pw', project: 'demo', role: 'member' });
  await keystone.createUser({ name: 'rita', password: 'rita-pw', project: 'demo', role: 'reader' });
  await keystone.createUser({ name: 'loner', password: 'loner-pw' });

  const keystoneApp = createKeystoneApp({ identity: keystone, log: silentLogger(), networkUrl: 'http://127.0.0.1:9696', region: 'RegionOne' });
  keystoneServer = createAdaptorServer({
    fetch: async (req: Request) => {
      if (new URL(req.url).pathname === '/v3/auth/tokens') {
        if (req.method === 'GET') seen.validations++;
        if (req.method === 'POST') {
          const name = ((await req.clone().json()) as { auth: { identity: { password?: { user: { name: string } } } } }).auth.identity.password?.user.name ?? '';
          seen.logins.set(name, (seen.logins.get(name) ?? 0) + 1);
        }
      }
      return keystoneApp.fetch(req);
    },
  }) as Server;
  keystoneUrl = `http://127.0.0.1:${await listen(keystoneServer)}`;

  const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  api = await composeApi({
    db: apiDb.db,
    config: serverConfig({ keystone_auth_url: keystoneUrl, keystone_password: 'neutron-pw', keystone_token_cache_time: '60' }),
    log,
    clock: () => new Date(now),
  });
});
after(async () => {
  await stopKeystone();
  await apiDb.close();
  await keystoneDb.close();
});

describe('[keystone_authtoken] auth_url', () => {
  it('serves no identity of its own', () => {
    assert.equal(api.identity, undefined);
    assert.equal(api.externalKeystone?.url, keystoneUrl);
  });

  it('points 401s at www_authenticate_uri when it is set, else at auth_url', async () => {
    const config = serverConfig({ keystone_auth_url: `${keystoneUrl}/v3`, keystone_password: 'x', keystone_www_authenticate_uri: 'https://identity.example.com' });
    const pointed = await composeApi({ db: apiDb.db, config, log: silentLogger() });
    assert.equal((await call(pointed, 'GET', '/v2.0/networks')).headers.get('www-authenticate'), 'Keystone uri="https://identity.example.com"');
    assert.equal((await call(api, 'GET', '/v2.0/networks')).headers.get('www-authenticate'), `Keystone uri="${keystoneUrl}"`);
  });

  it("gives what a member creates to the token's project, and lets a reader read it only", async () => {
    const demo = await keystone.findProject('demo');
    const alice = await login('alice', 'alice-pw', 'demo');
    const created = await call(api, 'POST', '/v2.0/networks', alice, { network: { name: 'alices' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.network.project_id, demo.id);
    assert.deepEqual((await call(api, 'GET', '/v2.0/networks', alice)).body.networks.map((n: { name: string }) => n.name), ['alices']);
    const rita = await login('rita', 'rita-pw', 'demo');
    assert.deepEqual((await call(api, 'GET', '/v2.0/networks', rita)).body.networks.map((n: { name: string }) => n.name), ['alices']);
    assert.equal((await call(api, 'POST', '/v2.0/networks', rita, { network: { name: 'ritas' } })).status, 403);
    assert.equal((await call(api, 'GET', '/v2.0/agents', alice)).body.agents.length, 0, 'agents are the admin\'s');
  });

  it('makes an admin token admin', async () => {
    const admin = await login('admin', 'secret', 'admin');
    const created = await call(api, 'POST', '/v2.0/networks', admin, { network: { name: 'flat', 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' } });
    assert.equal(created.status, 201, created.text);
    const names = (await call(api, 'GET', '/v2.0/networks', admin)).body.networks.map((n: { name: string }) => n.name).sort();
    assert.deepEqual(names, ['alices', 'flat'], "the admin sees every project's networks");
  });

  it('answers a missing, bad or unscoped token with the same 401 as the built-in identity', async () => {
    const unscoped = await login('loner', 'loner-pw');
    for (const token of [undefined, 'not-a-token', unscoped]) {
      const external = await call(api, 'GET', '/v2.0/networks', token);
      const local = await call(builtIn, 'GET', '/v2.0/networks', token);
      assert.equal(external.status, 401);
      assert.deepEqual(external.body, UNAUTHORIZED_BODY);
      assert.deepEqual(local.body, external.body);
      assert.equal(external.headers.get('www-authenticate'), `Keystone uri="${keystoneUrl}"`);
      assert.equal(local.headers.get('www-authenticate'), 'Keystone uri="http://127.0.0.1:5000"');
    }
  });

  it('asks the Keystone once for a token used many times, concurrently or not', async () => {
    const alice = await login('alice', 'alice-pw', 'demo');
    const before = seen.validations;
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => call(api, 'GET', '/v2.0/networks', alice)));
    assert.deepEqual(new Set(concurrent.map((r) => r.status)), new Set([200]));
    for (let i = 0; i < 5; i++) assert.equal((await call(api, 'GET', '/v2.0/ports', alice)).status, 200);
    assert.equal(seen.validations - before, 1);
  });

  it('keeps a revoked token working until token_cache_time has passed, then answers 401', async () => {
    const alice = await login('alice', 'alice-pw', 'demo');
    assert.equal((await call(api, 'GET', '/v2.0/networks', alice)).status, 200);
    assert.equal(await keystone.revoke(alice), true);
    now += 59_000;
    assert.equal((await call(api, 'GET', '/v2.0/networks', alice)).status, 200, 'cached');
    now += 2_000;
    assert.equal((await call(api, 'GET', '/v2.0/networks', alice)).status, 401);
  });

  it('logs in again when the Keystone refuses the service token', async () => {
    const neutron = await keystone.findUser('neutron');
    const logins = seen.logins.get('neutron') ?? 0;
    assert.ok(logins >= 1);
    await sql`UPDATE tokens SET revoked = true WHERE user_id = ${neutron.id}`.execute(keystoneDb.db);
    const alice = await login('alice', 'alice-pw', 'demo');
    assert.equal((await call(api, 'GET', '/v2.0/networks', alice)).status, 200);
    assert.equal(seen.logins.get('neutron'), logins + 1);
  });

  it('answers 503, not 401 or 500, when the service user cannot log in, and logs why', async () => {
    const wrong = await composeApi({
      db: apiDb.db,
      config: serverConfig({ keystone_auth_url: keystoneUrl, keystone_password: 'wrong' }),
      log: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }),
    });
    const alice = await login('alice', 'alice-pw', 'demo');
    for (let i = 0; i < 2; i++) {
      const res = await call(wrong, 'GET', '/v2.0/networks', alice);
      assert.equal(res.status, 503);
      assert.deepEqual(res.body, UNAVAILABLE_BODY);
    }
    const logged = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'cannot validate the token at Keystone');
    assert.match(logged?.cause ?? '', /the service user neutron \(project service\) could not log in .*HTTP 401/);
    assert.equal((await call(wrong, 'GET', '/v2.0/networks')).status, 401, 'without a token there is nothing to ask');
  });

  it('answers 503 while the Keystone is down (cached tokens keep working), and recovers', async () => {
    const cached = await login('alice', 'alice-pw', 'demo');
    const fresh = await login('alice', 'alice-pw', 'demo');
    assert.equal((await call(api, 'GET', '/v2.0/networks', cached)).status, 200);
    const port = Number(new URL(keystoneUrl).port);
    await stopKeystone();
    try {
      const res = await call(api, 'GET', '/v2.0/networks', fresh);
      assert.equal(res.status, 503);
      assert.deepEqual(res.body, UNAVAILABLE_BODY);
      assert.equal((await call(api, 'GET', '/v2.0/networks', cached)).status, 200);
      const logged = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'cannot validate the token at Keystone').at(-1);
      assert.match(logged?.cause ?? '', /ECONNREFUSED/);
    } finally {
      await listen(keystoneServer, port);
    }
    assert.equal((await call(api, 'GET', '/v2.0/networks', fresh)).status, 200, 'a failure is not cached');
  });
});
