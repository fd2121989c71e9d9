// The built-in identity: the Keystone v3 calls the openstack tools make
// (discovery, password and token authentication with project scope,
// validation, revocation), tokens expiring and revoked, role assignments,
// and the errors in Keystone's body.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IdentityService } from '../../src/identity/identity-service.js';
import { createKeystoneApp } from '../../src/identity/keystone-app.js';
import { verifyPassword, hashPassword } from '../../src/identity/passwords.js';
import { silentLogger } from '../../src/log.js';
import { openTestDatabase } from './harness.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let identity: IdentityService;
let app: ReturnType<typeof createKeystoneApp>;
let now = Date.parse('2026-11-21T10:00:00Z');

const passwordAuth = (name: string, password: string, project?: string) => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name, password, domain: { name: 'Default' } } } },
    ...(project && { scope: { project: { name: project, domain: { name: 'Default' } } } }),
  },
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(`http://127.0.0.1:5000${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

before(async () => {
  database = await openTestDatabase();
  identity = new IdentityService({ db: database.db, clock: () => new Date(now), tokenExpiration: 3600 });
  app = createKeystoneApp({ identity, log: silentLogger(), networkUrl: 'http://127.0.0.1:9696', region: 'RegionOne' });
  await identity.bootstrap({ user: 'admin', password: 'secret', project: 'admin' });
  await identity.createProject('demo');
  await identity.createUser({ name: 'alice', password: 'alice-pw', project: 'demo', role: 'member' });
  await identity.createUser({ name: 'rita', password: 'rita-pw', project: 'demo', role: 'reader' });
});
after(() => database.close());

describe('passwords', () => {
  it('are salted scrypt hashes that verify only the right password', async () => {
    const a = await hashPassword('pw');
    assert.match(a, /^scrypt\$32768\$8\$1\$/);
    assert.notEqual(a, await hashPassword('pw'));
    assert.equal(await verifyPassword('pw', a), true);
    assert.equal(await verifyPassword('pw2', a), false);
  });
});

describe('Keystone v3', () => {
  it('answers version discovery as keystoneauth expects', async () => {
    const v3 = await call('GET', '/v3');
    assert.equal(v3.status, 200);
    assert.equal(v3.body.version.id, 'v3.14');
    assert.equal(v3.body.version.links[0].href, 'http://127.0.0.1:5000/v3/');
    assert.equal((await call('GET', '/')).status, 300);
  });

  it('issues a project-scoped token for a password, with roles and a catalog pointing at the server', async () => {
    const res = await call('POST', '/v3/auth/tokens', passwordAuth('admin', 'secret', 'admin'));
    assert.equal(res.status, 201);
    assert.ok(res.headers.get('x-subject-token'));
    const { token } = res.body;
    assert.deepEqual(token.methods, ['password']);
    assert.equal(token.user.name, 'admin');
    assert.deepEqual(token.user.domain, { id: 'default', name: 'Default' });
    assert.equal(token.project.name, 'admin');
    assert.deepEqual(token.roles.map((r: { name: string }) => r.name), ['admin', 'member', 'reader']);
    assert.equal(token.expires_at, '2026-11-21T11:00:00.000000Z');
    const network = token.catalog.find((s: { type: string }) => s.type === 'network');
    assert.deepEqual(network.endpoints.map((e: { interface: string; url: string; region: string }) => [e.interface, e.url, e.region]), [
      ['public', 'http://127.0.0.1:9696', 'RegionOne'],
      ['internal', 'http://127.0.0.1:9696', 'RegionOne'],
      ['admin', 'http://127.0.0.1:9696', 'RegionOne'],
    ]);
  });

  it('scopes by project id, re-scopes with the token method, and refuses a project the user has no role on', async () => {
    const alice = await call('POST', '/v3/auth/tokens', passwordAuth('alice', 'alice-pw'));
    assert.equal(alice.status, 201);
    assert.equal(alice.body.token.project.name, 'demo', 'the default project when no scope is asked for');
    assert.deepEqual(alice.body.token.roles.map((r: { name: string }) => r.name), ['member', 'reader']);
    const byToken = await call('POST', '/v3/auth/tokens', { auth: { identity: { methods: ['token'], token: { id: alice.headers.get('x-subject-token') } }, scope: { project: { id: alice.body.token.project.id } } } });
    assert.equal(byToken.status, 201);
    assert.equal(byToken.body.token.expires_at, alice.body.token.expires_at, 're-scoping never extends a token');
    const other = await call('POST', '/v3/auth/tokens', passwordAuth('alice', 'alice-pw', 'admin'));
    assert.equal(other.status, 401);
  });

  it('answers a wrong password or an unknown user with Keystone\'s 401 body, and malformed input with 400', async () => {
    for (const body of [passwordAuth('admin', 'wrong', 'admin'), passwordAuth('nobody', 'x', 'admin')]) {
      const res = await call('POST', '/v3/auth/tokens', body);
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    }
    assert.equal((await call('POST', '/v3/auth/tokens', { auth: {} })).status, 400);
  });

  it('validates and revokes tokens; expired and revoked tokens are refused', async () => {
    const admin = (await call('POST', '/v3/auth/tokens', passwordAuth('admin', 'secret', 'admin'))).headers.get('x-subject-token')!;
    const rita = (await call('POST', '/v3/auth/tokens', passwordAuth('rita', 'rita-pw', 'demo'))).headers.get('x-subject-token')!;
    const check = await call('GET', '/v3/auth/tokens', undefined, { 'x-auth-token': admin, 'x-subject-token': rita });
    assert.equal(check.status, 200);
    assert.deepEqual(check.body.token.roles.map((r: { name: string }) => r.name), ['reader']);
    assert.equal((await call('GET', '/v3/auth/tokens', undefined, { 'x-subject-token': rita })).status, 401, 'validation needs a token of its own');
    assert.equal((await call('DELETE', '/v3/auth/tokens', undefined, { 'x-auth-token': admin, 'x-subject-token': rita })).status, 204);
    assert.equal(await identity.validate(rita), undefined);
    assert.equal((await call('GET', '/v3/auth/tokens', undefined, { 'x-auth-token': admin, 'x-subject-token': rita })).status, 404);
    now += 3601_000;
    assert.equal(await identity.validate(admin), undefined, 'expired after token_expiration');
    now -= 3601_000;
  });

  it('keeps users and projects unique per domain, and a deleted user\'s tokens die with it', async () => {
    await assert.rejects(identity.createUser({ name: 'alice', password: 'x' }), /Duplicate entry/);
    await assert.rejects(identity.createProject('demo'), /two projects with the same name/);
    await identity.createUser({ name: 'bob', password: 'bob-pw', project: 'demo' });
    const { token } = await identity.issue({ method: 'password', user: { name: 'bob' }, password: 'bob-pw' }, undefined);
    await identity.deleteUser('bob');
    assert.equal(await identity.validate(token), undefined);
  });
});

describe('Keystone v3 role assignments', () => {
  let admin = '';
  let demo = '';
  let carol = '';
  const grant = (role: string, user = carol, project = demo) => `/v3/projects/${project}/users/${user}/roles/${role}`;
  const as = (token: string) => ({ 'x-auth-token': token });
  before(async () => {
    admin = (await call('POST', '/v3/auth/tokens', passwordAuth('admin', 'secret', 'admin'))).headers.get('x-subject-token')!;
    demo = (await identity.findProject('demo')).id;
    carol = (await identity.createUser({ name: 'carol', password: 'carol-pw' })).id;
  });

  it('assigns, checks and removes a role by the ids GET /v3/roles shows', async () => {
    const roles = (await call('GET', '/v3/roles')).body.roles.map((r: { id: string }) => r.id);
    assert.deepEqual(roles, ['admin', 'member', 'reader']);
    assert.equal((await call('HEAD', grant('reader'), undefined, as(admin))).status, 404);
    assert.equal((await call('PUT', grant('reader'), undefined, as(admin))).status, 204);
    assert.equal((await call('PUT', grant('reader'), undefined, as(admin))).status, 204, 'assigning twice is fine, as in Keystone');
    assert.equal((await call('HEAD', grant('reader'), undefined, as(admin))).status, 204);
    assert.equal((await call('GET', grant('reader'), undefined, as(admin))).status, 204);
    const carolToken = await call('POST', '/v3/auth/tokens', passwordAuth('carol', 'carol-pw', 'demo'));
    assert.equal(carolToken.status, 201, 'the role gives carol a token scoped to demo');
    assert.deepEqual(carolToken.body.token.roles.map((r: { name: string }) => r.name), ['reader']);
    const listed = await call('GET', `/v3/role_assignments?user.id=${carol}`, undefined, as(admin));
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.role_assignments.map((a: { role: { id: string }; user: { id: string }; scope: { project: { id: string } } }) => [a.role.id, a.user.id, a.scope.project.id]), [['reader', carol, demo]]);
    assert.equal((await call('DELETE', grant('reader'), undefined, as(admin))).status, 204);
    assert.equal((await call('HEAD', grant('reader'), undefined, as(admin))).status, 404);
    assert.equal(await identity.validate(carolToken.headers.get('x-subject-token')!), undefined, 'a token dies with its user\'s last role on the project');
  });

  it("answers unknown projects, users, roles and assignments with Keystone's 404s", async () => {
    const cases: [string, string, string][] = [
      ['PUT', grant('member', carol, 'nowhere'), 'Could not find project: nowhere.'],
      ['PUT', grant('member', 'nobody'), 'Could not find user: nobody.'],
      ['PUT', grant('owner'), 'Could not find role: owner.'],
      ['GET', grant('admin'), `Could not find role assignment with role: admin, user or group: ${carol}, project, domain, or system: ${demo}.`],
      ['DELETE', grant('admin'), `Could not find role assignment with role: admin, user or group: ${carol}, project, domain, or system: ${demo}.`],
    ];
    for (const [method, path, message] of cases) {
      const res = await call(method, path, undefined, as(admin));
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.deepEqual(res.body, { error: { code: 404, title: 'Not Found', message } });
    }
  });

  it("is the admin's", async () => {
    const alice = (await call('POST', '/v3/auth/tokens', passwordAuth('alice', 'alice-pw', 'demo'))).headers.get('x-subject-token')!;
    assert.equal((await call('PUT', grant('admin'), undefined, as(alice))).status, 403);
    assert.equal((await call('GET', '/v3/role_assignments', undefined, as(alice))).status, 403);
    assert.equal((await call('PUT', grant('admin'))).status, 401);
    assert.equal((await call('HEAD', grant('admin', carol))).status, 401);
  });

  it('marks its answers as the built-in identity, errors too', async () => {
    assert.equal((await call('GET', '/v3')).headers.get('x-hanet-identity'), 'built-in');
    assert.equal((await call('PUT', grant('admin'))).headers.get('x-hanet-identity'), 'built-in');
  });
});
