// The external validator's memory of answers: entries keyed by the SHA-256
// of a token (the token itself is never kept), each until its own deadline,
// at most `maxEntries` of them, the least recently used going first. Pure
// apart from the hash: the caller passes the time.
import { createHash } from 'node:crypto';

export const tokenKey = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Until when a validation answer may be reused (ms since the epoch). A valid
 * token: token_cache_time, never past its expiry. An invalid one: at most
 * `invalidSeconds`, since "invalid" can turn valid (Keystone checks a token's
 * roles again at each validation, so giving a user back its role on the
 * project revives its tokens). A cache time of 0 or less: not at all.
 */
export function cacheDeadline(options: { now: number; cacheSeconds: number; invalidSeconds: number; expiresAt?: Date }): number {
  const { now, cacheSeconds } = options;
  if (cacheSeconds <= 0) return now;
  if (options.expiresAt === undefined) return now + Math.min(cacheSeconds, options.invalidSeconds) * 1000;
  return Math.min(now + cacheSeconds * 1000, options.expiresAt.getTime());
}

export class TokenCache<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The entry of `key` if its deadline is still ahead; `found` tells a cached undefined from a miss. */
  get(key: string, now: number): { found: true; value: V } | { found: false } {
    const entry = this.#entries.get(key);
    if (!entry) return { found: false };
    this.#entries.delete(key);
    if (entry.until <= now) return { found: false };
    this.#entries.set(key, entry); // most recently used last
    return { found: true, value: entry.value };
  }

  set(key: string, value: V, until: number, now: number): void {
    this.#entries.delete(key);
    if (until <= now) return;
    this.#entries.set(key, { value, until });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
