// Token validation at an external Keystone ([keystone_authtoken] auth_url),
// as keystonemiddleware does it for Neutron: the service user logs in with
// its password (POST /v3/auth/tokens, project scope by name and domain) and
// asks GET /v3/auth/tokens about each caller's token (X-Auth-Token: its own,
// X-Subject-Token: the caller's). Answers are cached by the token's SHA-256
// (token-cache.ts); concurrent validations of one token share one request.
// When Keystone cannot answer (unreachable, the service login refused, an
// answer that is not Keystone's) validate() throws KeystoneUnavailable, which
// the API answers with 503 as keystonemiddleware does, never with a 401.
import type { Logger } from '../log.js';
import { isScoped, parseTokenBody, type ValidatedToken } from './keystone-token.js';
import { cacheDeadline, TokenCache, tokenKey } from './token-cache.js';

/** keystonemiddleware's message when it cannot validate a token. */
export const KEYSTONE_UNAVAILABLE = 'The Keystone service is temporarily unavailable.';

/** Keystone could not tell whether a token is valid; the message says why (for the log, not the caller). */
export class KeystoneUnavailable extends Error {}

export interface ServiceUser {
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  readonly userDomainName: string;
  readonly projectDomainName: string;
}

export interface ExternalKeystoneOptions {
  /** e.g. http://keystone:5000 or http://keystone:5000/v3 */
  readonly authUrl: string;
  readonly serviceUser: ServiceUser;
  /** token_cache_time: seconds a valid answer is reused; 0 or less: never. */
  readonly tokenCacheTime: number;
  readonly log: Logger;
  /** ms since the epoch; tests move it. */
  readonly clock?: () => number;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/** An invalid answer is reused this long at most (token-cache.ts says why it is short). */
const INVALID_CACHE_SECONDS = 10;
/** Bounds of the caches: garbage tokens fill only the small one, so they cannot push valid tokens out. */
const MAX_VALID_ENTRIES = 10_000;
const MAX_INVALID_ENTRIES = 1_000;
/** Each request to Keystone, connection and answer together (keystonemiddleware's http_connect_timeout has no default). */
const REQUEST_TIMEOUT_MS = 5_000;
/** After a failed service login, requests get 503 at once for this long: no login storm, and no account lockout from repeated bad passwords. */
const LOGIN_RETRY_MS = 5_000;
/** Tokens Keystone issues are printable ASCII; anything else is refused without asking (and could not be sent in a header). */
const PLAUSIBLE_TOKEN = /^[\x21-\x7e]{1,8192}$/;

/** The message of a Keystone error body, or the start of whatever else came back. */
function errorMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}

function fetchFailure(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const { code, message } = e.cause ?? {};
  if (message && code && !message.includes(code)) return `${message} (${code})`;
  return message ?? code ?? e.message;
}

export class ExternalKeystone {
  readonly #o: ExternalKeystoneOptions;
  readonly #base: string;
  readonly #valid = new TokenCache<ValidatedToken>(MAX_VALID_ENTRIES);
  readonly #invalid = new TokenCache<true>(MAX_INVALID_ENTRIES);
  readonly #inflight = new Map<string, Promise<ValidatedToken | undefined>>();
  #service: { token: string; refreshAt: number } | undefined;
  #login: Promise<string> | undefined;
  #loginFailure: { error: KeystoneUnavailable; until: number } | undefined;

  constructor(options: ExternalKeystoneOptions) {
    this.#o = options;
    this.#base = options.authUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
  }

  /** The Keystone's unversioned URL. */
  get url(): string {
    return this.#base;
  }

  #now(): number {
    return this.#o.clock?.() ?? Date.now();
  }

  /**
   * The project-scoped token's caller; undefined for a token Keystone does
   * not know, an expired or revoked one, or one not scoped to a project.
   * Throws KeystoneUnavailable when Keystone cannot say.
   */
  async validate(token: string): Promise<ValidatedToken | undefined> {
    if (!PLAUSIBLE_TOKEN.test(token)) return undefined;
    const key = tokenKey(token);
    const now = this.#now();
    const valid = this.#valid.get(key, now);
    if (valid.found) return valid.value;
    if (this.#invalid.get(key, now).found) return undefined;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#validateAndCache(token, key).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #validateAndCache(token: string, key: string): Promise<ValidatedToken | undefined> {
    const answer = await this.#askKeystone(token); // a failure is not cached: the next request asks again
    const now = this.#now();
    const cacheSeconds = this.#o.tokenCacheTime;
    if (answer && isScoped(answer) && answer.expiresAt.getTime() > now) {
      this.#valid.set(key, answer, cacheDeadline({ now, cacheSeconds, invalidSeconds: INVALID_CACHE_SECONDS, expiresAt: answer.expiresAt }), now);
      return answer;
    }
    this.#invalid.set(key, true, cacheDeadline({ now, cacheSeconds, invalidSeconds: INVALID_CACHE_SECONDS }), now);
    return undefined;
  }

  async #askKeystone(token: string) {
    // A refused service token (expired early, revoked) gets one new login and one retry, as in keystonemiddleware.
    for (let attempt = 1; ; attempt++) {
      const serviceToken = await this.#serviceToken();
      const res = await this.#request('GET', { 'x-auth-token': serviceToken, 'x-subject-token': token });
      if (res.status === 200) {
        const parsed = parseTokenBody(res.json());
        if (!parsed) throw new KeystoneUnavailable(`${this.#base}/v3/auth/tokens answered a validation with something that is not a token: ${res.text.slice(0, 200)}`);
        return parsed;
      }
      if (res.status === 404) return undefined;
      if (res.status === 401 && attempt === 1) {
        if (this.#service?.token === serviceToken) this.#service = undefined;
        this.#o.log.info({ auth_url: this.#base }, 'Keystone refused the service token; logging in again');
        continue;
      }
      const why =
        res.status === 403
          ? `the service user ${this.#o.serviceUser.username} may not validate tokens (it needs the admin or service role on its project)`
          : `${errorMessage(res.text)} (HTTP ${res.status})`;
      throw new KeystoneUnavailable(`token validation at ${this.#base}/v3/auth/tokens failed: ${why}`);
    }
  }

  /** The service user's token, logged in again shortly before it expires; concurrent callers share one login. */
  async #serviceToken(): Promise<string> {
    const now = this.#now();
    if (this.#service && now < this.#service.refreshAt) return this.#service.token;
    if (this.#loginFailure && now < this.#loginFailure.until) throw this.#loginFailure.error;
    this.#login ??= this.#logIn().finally(() => (this.#login = undefined));
    return this.#login;
  }

  async #logIn(): Promise<string> {
    const u = this.#o.serviceUser;
    const body = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: u.username, password: u.password, domain: { name: u.userDomainName } } } },
        scope: { project: { name: u.projectName, domain: { name: u.projectDomainName } } },
      },
    };
    try {
      const res = await this.#request('POST', {}, JSON.stringify(body));
      const token = res.headers.get('x-subject-token');
      const expiresAt = Date.parse((res.json() as { token?: { expires_at?: string } } | undefined)?.token?.expires_at ?? '');
      if (res.status !== 201 || !token || Number.isNaN(expiresAt)) {
        const why = res.status === 201 ? 'the answer had no token or no expiry' : `${errorMessage(res.text)} (HTTP ${res.status})`;
        throw new KeystoneUnavailable(`the service user ${u.username} (project ${u.projectName}) could not log in at ${this.#base}/v3/auth/tokens: ${why}`);
      }
      const now = this.#now();
      const lifetime = Math.max(0, expiresAt - now);
      // Renewed a minute before expiry (half its life for short-lived tokens), so no validation meets an expired service token.
      this.#service = { token, refreshAt: now + lifetime - Math.min(60_000, lifetime / 2) };
      this.#loginFailure = undefined;
      this.#o.log.info({ auth_url: this.#base, user: u.username, project: u.projectName }, 'logged in at Keystone as the service user');
      return token;
    } catch (err) {
      const error = err instanceof KeystoneUnavailable ? err : new KeystoneUnavailable(String(err));
      this.#loginFailure = { error, until: this.#now() + LOGIN_RETRY_MS };
      throw error;
    }
  }

  /**
   * One call of /v3/auth/tokens, read whole; a network failure or timeout is
   * KeystoneUnavailable. A failed connection is tried once more: a kept-alive
   * connection the Keystone closed (it restarted) fails on first use.
   */
  async #request(method: 'GET' | 'POST', headers: Record<string, string>, body?: string) {
    const url = `${this.#base}/v3/auth/tokens`;
    const doFetch = this.#o.fetch ?? fetch;
    const timeoutMs = this.#o.timeoutMs ?? REQUEST_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await doFetch(url, {
          method,
          headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        return {
          status: res.status,
          headers: res.headers,
          text,
          json(): unknown {
            try {
              return JSON.parse(text);
            } catch {
              return undefined;
            }
          },
        };
      } catch (err) {
        if (attempt === 1 && (err as Error).name !== 'TimeoutError') continue;
        throw new KeystoneUnavailable(`${method} ${url}: ${fetchFailure(err, timeoutMs)}`, { cause: err });
      }
    }
  }
}
