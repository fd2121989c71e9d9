// `hanet identity project|user create|list|delete`: the built-in identity
// service's projects and users, through its admin API with the admin's
// credentials (a clouds.yaml cloud or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD,
// OS_PROJECT_NAME, as after `eval "$(hanet lab env)"`). Another Keystone (a
// server with [keystone_authtoken] auth_url uses one) is refused with a
// pointer to the openstack CLI: its admin API differs in what these
// commands rely on (roles given with the user, names where ids go).
import { homedir } from 'node:os';
import { type Command, Option } from 'commander';
import { LoginError, passwordLogin } from '../client/keystone-login.js';
import { BUILT_IN_IDENTITY_HEADER, ROLES } from '../identity/identity-service.js';
import { CredentialsError, resolveCredentials } from './neutron/credentials.js';
import { renderTable } from './neutron/format.js';

class IdentityCommandError extends Error {}

const OTHER_KEYSTONE =
  'A hanet server with [keystone_authtoken] auth_url serves no identity service of its own: manage projects, users and roles in that Keystone with the openstack CLI ' +
  '(openstack project create, openstack user create, openstack role add --project PROJECT --user USER member).';

/** The identity service at `base` must be hanet's built-in one: these commands speak its dialect. */
async function checkBuiltIn(base: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${base}/v3`, { signal: AbortSignal.timeout(10_000) });
    await res.text();
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new IdentityCommandError(`cannot reach the identity service at ${base}/v3 (${cause}). ${OTHER_KEYSTONE}`);
  }
  if (res.headers.get(BUILT_IN_IDENTITY_HEADER) !== 'built-in') {
    throw new IdentityCommandError(`${base} is not hanet's built-in identity service, and hanet identity manages only that one. ${OTHER_KEYSTONE}`);
  }
}

/** Calls the identity admin API as the logged-in user. */
async function identityCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  const credentials = resolveCredentials({ flags: {}, env: process.env, cwd: process.cwd(), home: homedir() });
  if (!('login' in credentials)) throw new IdentityCommandError('identity commands need password credentials: a clouds.yaml cloud (OS_CLOUD) or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME');
  const base = credentials.login.authUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
  await checkBuiltIn(base);
  const { token } = await passwordLogin(credentials.login);
  const res = await fetch(`${base}/v3${path}`, {
    method,
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new IdentityCommandError((text && (JSON.parse(text) as { error?: { message?: string } }).error?.message) || `HTTP ${res.status}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

function action<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof IdentityCommandError || err instanceof CredentialsError || err instanceof LoginError) {
        process.stderr.write(`${err.message}\n`);
        process.exit(1);
      }
      throw err;
    }
  };
}

const print = (text: string) => void process.stdout.write(text);

export function registerIdentityCommands(program: Command): void {
  const identity = program
    .command('identity')
    .description("the built-in identity service's projects and users (admin credentials from OS_CLOUD or OS_AUTH_URL ...); with an external Keystone, use the openstack CLI");

  const project = identity.command('project').description('projects');
  project
    .command('create')
    .argument('<name>')
    .option('--description <text>', 'what the project is for', '')
    .action(
      action(async (name: string, opts: { description: string }) => {
        const { project: created } = await identityCall<{ project: { id: string; name: string } }>('POST', '/projects', { project: { name, description: opts.description } });
        print(renderTable(['Field', 'Value'], [['id', created.id], ['name', created.name]]));
      }),
    );
  project.command('list').action(
    action(async () => {
      const { projects } = await identityCall<{ projects: { id: string; name: string; description: string }[] }>('GET', '/projects');
      print(renderTable(['ID', 'Name', 'Description'], projects.map((p) => [p.id, p.name, p.description])));
    }),
  );
  project
    .command('delete')
    .argument('<project>', 'name or id')
    .action(action(async (nameOrId: string) => void (await identityCall('DELETE', `/projects/${encodeURIComponent(nameOrId)}`))));

  const user = identity.command('user').description('users');
  user
    .command('create')
    .argument('<name>')
    .requiredOption('--project <project>', 'the project (name or id) the user gets a role on')
    .requiredOption('--password <password>', "the user's password")
    .addOption(new Option('--role <role>', 'the role on the project').choices([...ROLES]).default('member'))
    .action(
      action(async (name: string, opts: { project: string; password: string; role: string }) => {
        const { user: created } = await identityCall<{ user: { id: string; name: string } }>('POST', '/users', {
          user: { name, password: opts.password, default_project_id: opts.project, role: opts.role },
        });
        print(renderTable(['Field', 'Value'], [['id', created.id], ['name', created.name], ['project', opts.project], ['role', opts.role]]));
      }),
    );
  user.command('list').action(
    action(async () => {
      const { users } = await identityCall<{ users: { id: string; name: string; default_project: string | null; roles: string[] }[] }>('GET', '/users');
      print(renderTable(['ID', 'Name', 'Project', 'Roles'], users.map((u) => [u.id, u.name, u.default_project ?? '', u.roles.join('\n')])));
    }),
  );
  user
    .command('delete')
    .argument('<user>', 'name or id')
    .action(action(async (nameOrId: string) => void (await identityCall('DELETE', `/users/${encodeURIComponent(nameOrId)}`))));
}
