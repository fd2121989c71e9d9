// The external validator against a scripted Keystone (an injected fetch):
// login and re-login, what is cached and for how long, and every way
// Keystone can fail to answer. test/api/external-keystone.test.ts runs it
// against a real Keystone-compatible service.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../log.js';
import { ExternalKeystone, KeystoneUnavailable } from './external-keystone.js';

const HOUR = 3_600_000;
const keystoneTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

/** A scripted Keystone: tokens it knows, a service password, and a log of the calls. */
function fakeKeystone(clock: { now: number }) {
  const state = {
    calls: [] as string[],
    servicePassword: 'secret',
    serviceTokenLife: HOUR,
    serviceTokens: new Set<string>(),
    users: new Map<string, { project?: string; roles: string[]; expiresAt: number }>(),
    /** Overrides the next validation's answer. */
    validation: undefined as ((init: RequestInit) => Promise<Response> | Response) | undefined,
  };
  let issued = 0;
  const fetch = async (url: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    state.calls.push(`${init.method} ${String(url)}`);
    if (init.method === 'POST') {
      const body = JSON.parse(String(init.body));
      if (body.auth.identity.password.user.password !== state.servicePassword) {
        return Response.json({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } }, { status: 401 });
      }
      const token = `service-${++issued}`;
      state.serviceTokens.add(token);
      return Response.json({ token: { user: { id: 'neutron' }, project: { id: 'service' }, roles: [{ name: 'admin' }], expires_at: keystoneTime(clock.now + state.serviceTokenLife) } }, { status: 201, headers: { 'x-subject-token': token } });
    }
    if (state.validation) {
      const answer = state.validation;
      state.validation = undefined;
      return answer(init);
    }
    if (!state.serviceTokens.has(headers.get('x-auth-token') ?? '')) return Response.json({ error: { code: 401 } }, { status: 401 });
    const user = state.users.get(headers.get('x-subject-token') ?? '');
    if (!user || user.expiresAt <= clock.now) return Response.json({ error: { code: 404, message: 'Could not find token.' } }, { status: 404 });
    return Response.json({
      token: { user: { id: 'u' }, ...(user.project && { project: { id: user.project } }), roles: user.roles.map((name) => ({ id: name, name })), expires_at: keystoneTime(user.expiresAt) },
    });
  };
  return { state, fetch: fetch as typeof globalThis.fetch };
}

function setup(options: { tokenCacheTime?: number; timeoutMs?: number } = {}) {
  const clock = { now: Date.parse('2026-11-21T10:00:00Z') };
  const keystone = fakeKeystone(clock);
  const validator = new ExternalKeystone({
    authUrl: 'http://keystone.test:5000/v3/',
    serviceUser: { username: 'neutron', password: 'secret', projectName: 'service', userDomainName: 'Default', projectDomainName: 'Default' },
    tokenCacheTime: options.tokenCacheTime ?? 300,
    log: silentLogger(),
    clock: () => clock.now,
    fetch: keystone.fetch,
    timeoutMs: options.timeoutMs,
  });
  keystone.state.users.set('alice-token', { project: 'demo', roles: ['member', 'reader'], expiresAt: clock.now + HOUR });
  const validations = () => keystone.state.calls.filter((c) => c.startsWith('GET')).length;
  const logins = () => keystone.state.calls.filter((c) => c.startsWith('POST')).length;
  return { clock, keystone: keystone.state, validator, validations, logins };
}

describe('ExternalKeystone', () => {
  it('logs in once as the service user and validates at <auth_url>/v3/auth/tokens', async () => {
    const { validator, keystone, logins } = setup();
    assert.equal(validator.url, 'http://keystone.test:5000');
    const alice = await validator.validate('alice-token');
    assert.deepEqual({ ...alice, expiresAt: undefined }, { userId: 'u', projectId: 'demo', isAdmin: false, roles: ['member', 'reader'], expiresAt: undefined });
    assert.equal(await validator.validate('unknown-token'), undefined);
    assert.deepEqual(keystone.calls, ['POST http://keystone.test:5000/v3/auth/tokens', 'GET http://keystone.test:5000/v3/auth/tokens', 'GET http://keystone.test:5000/v3/auth/tokens']);
    assert.equal(logins(), 1);
  });

  it('asks once for a token however often and however concurrently it comes', async () => {
    const { validator, validations } = setup();
    await Promise.all(Array.from({ length: 20 }, () => validator.validate('alice-token')));
    for (let i = 0; i < 5; i++) assert.equal((await validator.validate('alice-token'))?.projectId, 'demo');
    assert.equal(validations(), 1);
  });

  it('trusts a valid answer token_cache_time, never past the expiry, and an invalid one 10 s', async () => {
    const { validator, keystone, clock, validations } = setup({ tokenCacheTime: 60 });
    await validator.validate('alice-token');
    keystone.users.delete('alice-token'); // revoked
    clock.now += 59_000;
    assert.ok(await validator.validate('alice-token'), 'still cached');
    clock.now += 1_000;
    assert.equal(await validator.validate('alice-token'), undefined, 'asked again after token_cache_time');
    assert.equal(validations(), 2);
    clock.now += 9_000;
    assert.equal(await validator.validate('alice-token'), undefined);
    assert.equal(validations(), 2, 'the invalid answer is cached');
    keystone.users.set('alice-token', { project: 'demo', roles: ['member'], expiresAt: clock.now + HOUR });
    clock.now += 1_000;
    assert.ok(await validator.validate('alice-token'), 'an invalid answer is kept 10 s only');
    keystone.users.set('short', { project: 'demo', roles: ['member'], expiresAt: clock.now + 5_000 });
    assert.ok(await validator.validate('short'));
    clock.now += 5_000;
    assert.equal(await validator.validate('short'), undefined, 'not trusted past its expiry');
  });

  it('caches nothing with token_cache_time -1', async () => {
    const { validator, validations } = setup({ tokenCacheTime: -1 });
    await validator.validate('alice-token');
    await validator.validate('alice-token');
    assert.equal(validations(), 2);
  });

  it('refuses unscoped tokens and implausible ones, the latter without asking', async () => {
    const { validator, keystone, validations } = setup();
    keystone.users.set('unscoped', { roles: [], expiresAt: Date.parse('2027-01-01T00:00:00Z') });
    assert.equal(await validator.validate('unscoped'), undefined);
    assert.equal(validations(), 1);
    for (const bad of ['', 'has space', 'ünïcode', 'x'.repeat(9000)]) assert.equal(await validator.validate(bad), undefined);
    assert.equal(validations(), 1);
  });

  it('logs in again when the service token is refused, and retries the validation', async () => {
    const { validator, keystone, logins, validations } = setup();
    await validator.validate('alice-token');
    keystone.serviceTokens.clear(); // revoked at Keystone
    keystone.users.set('bob-token', { project: 'other', roles: ['admin'], expiresAt: Date.parse('2026-11-21T12:00:00Z') });
    assert.equal((await validator.validate('bob-token'))?.isAdmin, true);
    assert.equal(logins(), 2);
    assert.equal(validations(), 3, "bob's token: refused service token, then the retry");
  });

  it('answers KeystoneUnavailable when the retry is refused too', async () => {
    const { validator, keystone } = setup();
    await validator.validate('alice-token');
    let refused = 0;
    const refuse = () => {
      refused++;
      keystone.validation = refuse;
      return Response.json({ error: { code: 401 } }, { status: 401 });
    };
    keystone.validation = refuse;
    await assert.rejects(validator.validate('other-token'), (err: Error) => err instanceof KeystoneUnavailable && /HTTP 401/.test(err.message));
    assert.equal(refused, 2);
  });

  it('logs in again a minute before the service token expires', async () => {
    const { validator, clock, logins } = setup({ tokenCacheTime: 1 });
    await validator.validate('alice-token');
    clock.now += HOUR - 61_000;
    await validator.validate('alice-token');
    assert.equal(logins(), 1);
    clock.now += 2_000;
    await validator.validate('alice-token');
    assert.equal(logins(), 2);
  });

  it('answers KeystoneUnavailable for a refused service login, and waits 5 s before the next login', async () => {
    const { validator, keystone, clock, logins } = setup();
    keystone.servicePassword = 'other';
    await assert.rejects(validator.validate('alice-token'), (err: Error) => err instanceof KeystoneUnavailable && /the service user neutron \(project service\) could not log in .*requires authentication\. \(HTTP 401\)/.test(err.message));
    await assert.rejects(validator.validate('alice-token'), KeystoneUnavailable);
    assert.equal(logins(), 1, 'no login storm (nor account lockout) from a wrong password');
    keystone.servicePassword = 'secret';
    clock.now += 5_000;
    assert.ok(await validator.validate('alice-token'));
  });

  it("answers KeystoneUnavailable for a 403, a 500, an answer that is not a token, a network failure and a timeout, and caches none", async () => {
    const { validator, keystone, validations } = setup({ timeoutMs: 50 });
    const refused = () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:5000' } }));
    // A failed connection is tried once more, so it takes two to fail.
    const refusedTwice = () => {
      keystone.validation = refused;
      return refused();
    };
    const cases: [(init: RequestInit) => Promise<Response> | Response, RegExp][] = [
      [() => Response.json({ error: { code: 403, message: 'You are not authorized' } }, { status: 403 }), /may not validate tokens/],
      [() => new Response('<html>Bad Gateway</html>', { status: 502 }), /Bad Gateway.*HTTP 502/],
      [() => Response.json({ hello: 'world' }), /not a token/],
      [refusedTwice, /connect ECONNREFUSED 10\.0\.0\.1:5000/],
      [(init) => new Promise((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason))), /no answer within 0.05 s/],
    ];
    await validator.validate('alice-token'); // logged in
    const keepAlive = setInterval(() => {}, 1_000); // AbortSignal.timeout's timer does not keep the process up
    try {
      for (const [answer, message] of cases) {
        keystone.validation = answer;
        await assert.rejects(validator.validate('new-token'), (err: Error) => err instanceof KeystoneUnavailable && message.test(err.message), String(message));
      }
    } finally {
      clearInterval(keepAlive);
    }
    assert.equal(await validator.validate('new-token'), undefined, 'asked again: failures are not cached');
    assert.equal(validations(), 1 + cases.length + 1 + 1);
    keystone.validation = () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_SOCKET', message: 'other side closed' } }));
    keystone.users.set('retry-token', { project: 'demo', roles: ['member'], expiresAt: Date.parse('2026-11-21T12:00:00Z') });
    assert.ok(await validator.validate('retry-token'), 'a connection the Keystone closed is retried once');
  });
});
