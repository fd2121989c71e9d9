// A small typed client for the Neutron v2.0 REST API (what the lab and the
// `hanet` client commands call). An answer other than 2xx becomes a
// NeutronApiError carrying Neutron's error type and message.
import { type PasswordLogin, passwordLogin } from './keystone-login.js';

export class NeutronApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export class NeutronClient {
  readonly #endpoint: string;
  #token: string | undefined;
  readonly #login: PasswordLogin | undefined;
  #loggingIn: Promise<string> | undefined;

  /** `login`: log in with a password at the first request (and again when the token is refused). */
  constructor(options: { endpoint: string; token?: string; login?: PasswordLogin }) {
    this.#endpoint = options.endpoint.replace(/\/+$/, '');
    this.#token = options.token;
    this.#login = options.login;
  }

  async #currentToken(renew: boolean): Promise<string | undefined> {
    if (!this.#login || (this.#token && !renew)) return this.#token;
    this.#loggingIn ??= passwordLogin(this.#login)
      .then((r) => r.token)
      .finally(() => (this.#loggingIn = undefined));
    this.#token = await this.#loggingIn;
    return this.#token;
  }

  get endpoint(): string {
    return this.#endpoint;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const send = async (token: string | undefined) =>
      fetch(`${this.#endpoint}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(token && { 'x-auth-token': token }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    let res = await send(await this.#currentToken(false));
    // An expired token: log in again, once.
    if (res.status === 401 && this.#login) res = await send(await this.#currentToken(true));
    const text = await res.text();
    if (!res.ok) {
      let type = 'HTTPError';
      let message = text || res.statusText;
      try {
        const parsed = JSON.parse(text) as { NeutronError?: { type?: string; message?: string } };
        if (parsed.NeutronError?.message) ({ type = type, message } = parsed.NeutronError as { type?: string; message: string });
      } catch {
        // not JSON: keep the text
      }
      throw new NeutronApiError(res.status, type, message);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  /** A resource by id, or else by its unique name (as the openstack CLI resolves names). */
  async find<T extends { id: string; name?: string }>(plural: string, singular: string, nameOrId: string): Promise<T> {
    const byId = await this.get<Record<string, T[]>>(`/v2.0/${plural}?id=${encodeURIComponent(nameOrId)}`).catch(() => ({ [plural]: [] as T[] }));
    if (byId[plural]?.length === 1) return byId[plural][0]!;
    const byName = (await this.get<Record<string, T[]>>(`/v2.0/${plural}?name=${encodeURIComponent(nameOrId)}`))[plural] ?? [];
    if (byName.length === 1) return byName[0]!;
    if (byName.length > 1) throw new NeutronApiError(409, 'NeutronClientNoUniqueMatch', `Multiple ${singular} matches found for name '${nameOrId}', use an ID to be more specific.`);
    throw new NeutronApiError(404, 'NotFound', `Unable to find ${singular} with name or id '${nameOrId}'`);
  }
}
