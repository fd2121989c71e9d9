// Password login at a Keystone v3 (the built-in one or a real one), as the
// openstack tools do it: POST <auth_url>/auth/tokens with project scope by
// name and domain; the token comes back in X-Subject-Token, the network
// endpoint from the catalog's public interface.

export interface PasswordLogin {
  /** e.g. http://127.0.0.1:5000/v3 */
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  readonly userDomainName?: string;
  readonly projectDomainName?: string;
  readonly regionName?: string;
}

export class LoginError extends Error {}

type Catalog = { type: string; endpoints: { interface: string; url: string; region?: string }[] }[];

export async function passwordLogin(login: PasswordLogin): Promise<{ token: string; endpoint: string }> {
  const base = login.authUrl.replace(/\/+$/, '');
  const url = base.endsWith('/v3') ? `${base}/auth/tokens` : `${base}/v3/auth/tokens`;
  const body = {
    auth: {
      identity: { methods: ['password'], password: { user: { name: login.username, password: login.password, domain: { name: login.userDomainName ?? 'Default' } } } },
      scope: { project: { name: login.projectName, domain: { name: login.projectDomainName ?? 'Default' } } },
    },
  };
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 201) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // not JSON: the text as it is
    }
    throw new LoginError(`${message || 'login refused'} (HTTP ${res.status} from ${url})`);
  }
  const token = res.headers.get('x-subject-token');
  const catalog = (JSON.parse(text) as { token?: { catalog?: Catalog } }).token?.catalog ?? [];
  const network = catalog
    .find((s) => s.type === 'network')
    ?.endpoints.find((e) => e.interface === 'public' && (!login.regionName || e.region === login.regionName));
  if (!token || !network) throw new LoginError(`${url} gave no token or no public network endpoint in its catalog`);
  return { token, endpoint: network.url };
}
