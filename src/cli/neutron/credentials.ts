// Where the client commands find the server and their token, in the order
// the openstack tools use: flags, then environment variables, then a cloud
// of a clouds.yaml, then hanet's default address. A cloud (or OS_AUTH_URL,
// OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME) may ask for a Keystone
// password login: the endpoint then comes from the token's catalog.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9696';

import type { PasswordLogin } from '../../client/keystone-login.js';

export type Credentials = { readonly endpoint: string; readonly token?: string } | { readonly login: PasswordLogin };

/** What the command line said: --os-endpoint/--os-url, --os-token, --os-cloud. */
export interface CredentialFlags {
  readonly endpoint?: string;
  readonly token?: string;
  readonly cloud?: string;
}

export interface CredentialSources {
  readonly flags: CredentialFlags;
  readonly env: NodeJS.ProcessEnv;
  /** For ./clouds.yaml. */
  readonly cwd: string;
  /** For ~/.config/openstack/clouds.yaml. */
  readonly home: string;
}

/** The credentials cannot be worked out; the message says what to fix. */
export class CredentialsError extends Error {}

/** The files openstacksdk reads clouds.yaml from, first found wins. */
export function cloudsYamlCandidates(env: NodeJS.ProcessEnv, cwd: string, home: string): string[] {
  return [
    ...(env.OS_CLIENT_CONFIG_FILE ? [env.OS_CLIENT_CONFIG_FILE] : []),
    join(cwd, 'clouds.yaml'),
    join(home, '.config', 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ];
}

const PASSWORD_AUTH_TYPES = new Set(['password', 'v2password', 'v3password', 'v3multifactor']);
/** Auth plugins that name the endpoint directly (no keystone catalog). */
const ENDPOINT_AUTH_TYPES = new Set(['none', 'noauth', 'admin_token', 'token_endpoint']);

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The endpoint as given, if it is an http(s) URL. */
function checkedEndpoint(endpoint: string, from: string): string {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw new CredentialsError(`${from}: '${endpoint}' is not an http:// or https:// URL`);
  return endpoint;
}

function withToken(endpoint: string, token: string | undefined): Credentials {
  return token ? { endpoint, token } : { endpoint };
}

/** A cloud's endpoint and token from the first clouds.yaml found. */
export function cloudCredentials(cloud: string, candidates: readonly string[]): Credentials {
  const file = candidates.find((path) => existsSync(path));
  if (!file) throw new CredentialsError(`cloud '${cloud}' requested but no clouds.yaml found (looked at ${candidates.join(', ')})`);
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CredentialsError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const clouds = (parsed as { clouds?: Record<string, unknown> } | null)?.clouds;
  const entry = clouds?.[cloud] as { auth_type?: unknown; auth?: Record<string, unknown> } | undefined;
  if (!entry || typeof entry !== 'object') throw new CredentialsError(`cloud '${cloud}' not found in ${file}`);
  // openstacksdk's default plugin is password.
  const authType = nonEmpty(entry.auth_type) ?? 'password';
  if (PASSWORD_AUTH_TYPES.has(authType)) {
    const auth = entry.auth ?? {};
    const [authUrl, username, password, projectName] = ['auth_url', 'username', 'password', 'project_name'].map((k) => nonEmpty(auth[k]));
    if (!authUrl || !username || password === undefined || !projectName) {
      throw new CredentialsError(`cloud '${cloud}' in ${file}: password authentication needs auth.auth_url, username, password and project_name`);
    }
    const region = nonEmpty((entry as { region_name?: unknown }).region_name);
    return {
      login: {
        authUrl: checkedEndpoint(authUrl, `cloud '${cloud}' auth.auth_url`),
        username,
        password,
        projectName,
        userDomainName: nonEmpty(auth.user_domain_name) ?? 'Default',
        projectDomainName: nonEmpty(auth.project_domain_name) ?? 'Default',
        ...(region && { regionName: region }),
      },
    };
  }
  if (!ENDPOINT_AUTH_TYPES.has(authType)) throw new CredentialsError(`cloud '${cloud}' in ${file}: auth_type ${authType} is not supported (use none, with auth.endpoint)`);
  const endpoint = nonEmpty(entry.auth?.endpoint);
  if (!endpoint) throw new CredentialsError(`cloud '${cloud}' in ${file}: auth_type ${authType} needs auth.endpoint`);
  return withToken(endpoint, nonEmpty(entry.auth?.token));
}

/**
 * The server and token to use. An endpoint from a flag or the environment
 * wins over any cloud, and then the token too comes only from a flag or
 * OS_TOKEN: a cloud is read only when no endpoint was given.
 */
export function resolveCredentials(sources: CredentialSources): Credentials {
  const { flags, env } = sources;
  const token = nonEmpty(flags.token) ?? nonEmpty(env.OS_TOKEN);
  const given: [string | undefined, string][] = [
    [nonEmpty(flags.endpoint), '--os-endpoint'],
    [nonEmpty(env.OS_ENDPOINT), 'OS_ENDPOINT'],
    [nonEmpty(env.OS_URL), 'OS_URL'],
  ];
  const [endpoint, from] = given.find(([value]) => value !== undefined) ?? [];
  if (endpoint) return withToken(checkedEndpoint(endpoint, from!), token);
  const cloud = nonEmpty(flags.cloud) ?? nonEmpty(env.OS_CLOUD);
  if (cloud) {
    const fromCloud = cloudCredentials(cloud, cloudsYamlCandidates(env, sources.cwd, sources.home));
    if ('login' in fromCloud) return fromCloud;
    return withToken(checkedEndpoint(fromCloud.endpoint, `cloud '${cloud}' auth.endpoint`), token ?? fromCloud.token);
  }
  const authUrl = nonEmpty(env.OS_AUTH_URL);
  if (authUrl && nonEmpty(env.OS_USERNAME) && env.OS_PASSWORD !== undefined && nonEmpty(env.OS_PROJECT_NAME)) {
    return {
      login: {
        authUrl: checkedEndpoint(authUrl, 'OS_AUTH_URL'),
        username: env.OS_USERNAME!,
        password: env.OS_PASSWORD,
        projectName: env.OS_PROJECT_NAME!,
        userDomainName: nonEmpty(env.OS_USER_DOMAIN_NAME) ?? 'Default',
        projectDomainName: nonEmpty(env.OS_PROJECT_DOMAIN_NAME) ?? 'Default',
      },
    };
  }
  return withToken(DEFAULT_ENDPOINT, token);
}
