import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheDeadline, TokenCache, tokenKey } from './token-cache.js';

describe('cacheDeadline', () => {
  const now = 1_000_000;
  it("keeps a valid answer token_cache_time, never past the token's expiry", () => {
    assert.equal(cacheDeadline({ now, cacheSeconds: 300, invalidSeconds: 10, expiresAt: new Date(now + 3_600_000) }), now + 300_000);
    assert.equal(cacheDeadline({ now, cacheSeconds: 300, invalidSeconds: 10, expiresAt: new Date(now + 30_000) }), now + 30_000);
  });
  it('keeps an invalid answer briefly, and nothing when caching is off', () => {
    assert.equal(cacheDeadline({ now, cacheSeconds: 300, invalidSeconds: 10 }), now + 10_000);
    assert.equal(cacheDeadline({ now, cacheSeconds: 5, invalidSeconds: 10 }), now + 5_000);
    assert.equal(cacheDeadline({ now, cacheSeconds: 0, invalidSeconds: 10, expiresAt: new Date(now + 30_000) }), now);
    assert.equal(cacheDeadline({ now, cacheSeconds: -1, invalidSeconds: 10 }), now);
  });
});

describe('TokenCache', () => {
  it('keys by SHA-256, never by the token', () => {
    assert.equal(tokenKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('answers until the deadline, and tells a cached undefined from a miss', () => {
    const cache = new TokenCache<string | undefined>(10);
    cache.set('a', 'A', 2_000, 1_000);
    cache.set('b', undefined, 2_000, 1_000);
    assert.deepEqual(cache.get('a', 1_999), { found: true, value: 'A' });
    assert.deepEqual(cache.get('b', 1_999), { found: true, value: undefined });
    assert.deepEqual(cache.get('c', 1_999), { found: false });
    assert.deepEqual(cache.get('a', 2_000), { found: false });
    assert.equal(cache.size, 1, 'an expired entry is dropped when met');
    cache.set('d', 'D', 1_000, 1_000);
    assert.deepEqual(cache.get('d', 1_000), { found: false }, 'a deadline already past is not stored');
  });
  it('holds at most maxEntries, dropping the least recently used', () => {
    const cache = new TokenCache<number>(3);
    for (const [i, key] of ['a', 'b', 'c'].entries()) cache.set(key, i, 10_000, 0);
    assert.equal(cache.get('a', 1).found, true); // a is now the most recently used
    cache.set('d', 3, 10_000, 1);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('b', 1).found, false, 'b was the least recently used');
    assert.equal(cache.get('a', 1).found, true);
    assert.equal(cache.get('d', 1).found, true);
  });
});
