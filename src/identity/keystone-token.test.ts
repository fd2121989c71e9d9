import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contextRoles, isScoped, parseTokenBody } from './keystone-token.js';

describe('contextRoles', () => {
  it('makes admin a member and reader, member a reader, and _member_ a member', () => {
    assert.deepEqual(contextRoles(['admin']), { isAdmin: true, roles: ['admin', 'member', 'reader'] });
    assert.deepEqual(contextRoles(['member']), { isAdmin: false, roles: ['member', 'reader'] });
    assert.deepEqual(contextRoles(['_member_']), { isAdmin: false, roles: ['member', 'reader'] });
    assert.deepEqual(contextRoles(['reader']), { isAdmin: false, roles: ['reader'] });
  });
  it('compares without case and keeps unknown roles, which grant nothing', () => {
    assert.deepEqual(contextRoles(['Admin']), { isAdmin: true, roles: ['admin', 'member', 'reader'] });
    assert.deepEqual(contextRoles(['heat_stack_owner', 'load-balancer_member']), { isAdmin: false, roles: ['heat_stack_owner', 'load-balancer_member'] });
    assert.deepEqual(contextRoles(['service', 'reader', 'reader']), { isAdmin: false, roles: ['reader', 'service'] });
    assert.deepEqual(contextRoles([]), { isAdmin: false, roles: [] });
  });
});

describe('parseTokenBody', () => {
  const body = (token: Record<string, unknown>) => ({
    token: { methods: ['password'], user: { id: 'u1', name: 'alice', domain: { id: 'default' } }, expires_at: '2026-11-21T11:00:00.000000Z', issued_at: '2026-11-21T10:00:00.000000Z', ...token },
  });
  it("reads a project-scoped token's project, roles and expiry (Keystone's microseconds too)", () => {
    const parsed = parseTokenBody(body({ project: { id: 'p1', name: 'demo', domain: { id: 'default' } }, roles: [{ id: 'r1', name: 'member' }, { id: 'r2', name: 'reader' }] }));
    assert.ok(parsed && isScoped(parsed));
    assert.equal(parsed.projectId, 'p1');
    assert.equal(parsed.userId, 'u1');
    assert.equal(parsed.isAdmin, false);
    assert.deepEqual(parsed.roles, ['member', 'reader']);
    assert.equal(parsed.expiresAt.toISOString(), '2026-11-21T11:00:00.000Z');
  });
  it('tells an unscoped or domain-scoped token from a project-scoped one', () => {
    const unscoped = parseTokenBody(body({}));
    assert.ok(unscoped && !isScoped(unscoped));
    const domain = parseTokenBody(body({ domain: { id: 'default', name: 'Default' }, roles: [{ id: 'r', name: 'admin' }] }));
    assert.ok(domain && !isScoped(domain));
  });
  it('refuses what is not a token', () => {
    for (const bad of [undefined, 'text', {}, { token: {} }, body({ expires_at: 'tomorrow' }), { token: { user: { id: '' }, expires_at: '2026-11-21T11:00:00Z' } }]) {
      assert.equal(parseTokenBody(bad), undefined, JSON.stringify(bad));
    }
  });
});
