// The Keystone v3 subset the openstack tools need (NEUTRON-API.md §1B, §3),
// as its own Hono app served on the identity port: version discovery, token
// issue (password and token methods; project scope by id, or by name and
// domain), validation and revocation, a catalog that points at this server,
// and the admin's projects, users and role assignments. Errors use
// Keystone's body: {"error": {"code", "title", "message"}}.
import { Hono } from 'hono';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { type AuthMethod, BUILT_IN_IDENTITY_HEADER, IdentityError, type IdentityService, type ProjectScope, ROLES, type TokenData, UNAUTHORIZED } from './identity-service.js';

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 503: 'Service Unavailable' };

export function keystoneError(status: number, message: string) {
  return { error: { code: status, title: TITLES[status] ?? 'Error', message } };
}

const domainRef = z.object({ id: z.string().optional(), name: z.string().optional() }).optional();
const authBody = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.enum(['password', 'token'])).min(1),
      password: z.object({ user: z.object({ id: z.string().optional(), name: z.string().optional(), domain: domainRef, password: z.string() }) }).optional(),
      token: z.object({ id: z.string() }).optional(),
    }),
    scope: z
      .union([
        z.object({ project: z.union([z.object({ id: z.string() }), z.object({ name: z.string(), domain: domainRef })]) }),
        z.literal('unscoped'),
      ])
      .optional(),
  }),
});

export interface KeystoneAppDeps {
  readonly identity: IdentityService;
  readonly log: Logger;
  /** The Neutron API's URL for the catalog (the identity URL is taken from each request). */
  readonly networkUrl: string;
  readonly region: string;
}

/** Keystone's time format: 2026-11-21T10:06:40.000000Z. */
const keystoneTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

function endpoints(url: string, region: string, service: string) {
  return ['public', 'internal', 'admin'].map((iface) => ({ id: `${service}-${iface}`, interface: iface, region_id: region, region, url }));
}

function tokenBody(data: TokenData, deps: KeystoneAppDeps, identityUrl: string) {
  return {
    token: {
      methods: data.methods,
      user: { ...data.user, password_expires_at: null },
      audit_ids: [data.auditId],
      expires_at: keystoneTime(data.expiresAt),
      issued_at: keystoneTime(data.issuedAt),
      ...(data.project && {
        project: data.project,
        is_domain: false,
        roles: data.roles.map((r) => ({ id: r, name: r })),
        catalog: [
          { id: 'network', type: 'network', name: 'neutron', endpoints: endpoints(deps.networkUrl, deps.region, 'network') },
          { id: 'identity', type: 'identity', name: 'keystone', endpoints: endpoints(identityUrl, deps.region, 'identity') },
        ],
      }),
    },
  };
}

export function createKeystoneApp(deps: KeystoneAppDeps): Hono {
  const app = new Hono({ strict: false });
  const identityUrl = (url: string) => `${new URL(url).origin}/v3/`;
  const version = (url: string) => ({
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: identityUrl(url) }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  });

  app.onError((err, c) => {
    if (err instanceof IdentityError) return c.json(keystoneError(err.status, err.message), err.status);
    deps.log.error({ err }, 'identity request failed');
    return c.json(keystoneError(500, 'An unexpected error prevented the server from fulfilling your request.'), 500);
  });
  app.notFound((c) => c.json(keystoneError(404, 'The resource could not be found.'), 404));

  app.use('*', async (c, next) => {
    await next();
    c.header(BUILT_IN_IDENTITY_HEADER, 'built-in');
  });
  app.get('/', (c) => c.json({ versions: { values: [version(c.req.url)] } }, 300));
  app.get('/v3', (c) => c.json({ version: version(c.req.url) }));

  app.post('/v3/auth/tokens', async (c) => {
    const parsed = authBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) throw new IdentityError(400, `Invalid input for field 'auth': ${parsed.error.issues[0]?.message ?? 'malformed request'}`);
    const { identity, scope } = parsed.data.auth;
    let method: AuthMethod;
    if (identity.methods.includes('password') && identity.password) {
      const { password, ...user } = identity.password.user;
      method = { method: 'password', user, password };
    } else if (identity.methods.includes('token') && identity.token) {
      method = { method: 'token', token: identity.token.id };
    } else {
      throw new IdentityError(400, 'Expecting to find password or token credentials for the methods given.');
    }
    const projectScope: ProjectScope | undefined = scope && scope !== 'unscoped' ? scope.project : undefined;
    const { token, data } = await deps.identity.issue(method, projectScope);
    deps.log.info({ user: data.user.name, project: data.project?.name ?? null }, 'token issued');
    c.header('X-Subject-Token', token);
    return c.json(tokenBody(data, deps, identityUrl(c.req.url)), 201);
  });

  // Validation and revocation need a valid token of the caller too (X-Auth-Token), as in Keystone.
  const subject = async (headers: Headers): Promise<{ token: string; data: TokenData }> => {
    const caller = headers.get('x-auth-token');
    if (!caller || !(await deps.identity.validate(caller))) throw new IdentityError(401, UNAUTHORIZED);
    const token = headers.get('x-subject-token') ?? '';
    const data = await deps.identity.validate(token);
    if (!data) throw new IdentityError(404, 'Could not find token.');
    return { token, data };
  };
  app.get('/v3/auth/tokens', async (c) => {
    const { token, data } = await subject(c.req.raw.headers);
    c.header('X-Subject-Token', token);
    return c.json(tokenBody(data, deps, identityUrl(c.req.url)));
  });
  app.on('HEAD', '/v3/auth/tokens', async (c) => {
    await subject(c.req.raw.headers);
    return c.body(null, 200);
  });
  app.delete('/v3/auth/tokens', async (c) => {
    const { token } = await subject(c.req.raw.headers);
    await deps.identity.revoke(token);
    return c.body(null, 204);
  });

  // Projects, users and role assignments: the admin's (hanet identity ...).
  const admin = async (headers: Headers): Promise<void> => {
    const caller = headers.get('x-auth-token');
    const data = caller ? await deps.identity.validate(caller) : undefined;
    if (!data) throw new IdentityError(401, UNAUTHORIZED);
    if (!data.roles.includes('admin')) throw new IdentityError(403, 'You are not authorized to perform the requested action: identity administration.');
  };
  const named = z.object({ name: z.string().min(1).max(255), description: z.string().optional() });
  const body = async <T>(req: Request, schema: z.ZodType<T>, what: string): Promise<T> => {
    const parsed = schema.safeParse(await req.json().catch(() => undefined));
    if (!parsed.success) throw new IdentityError(400, `Invalid input for field '${what}': ${parsed.error.issues[0]?.message ?? 'malformed request'}`);
    return parsed.data;
  };
  app.get('/v3/projects', async (c) => {
    await admin(c.req.raw.headers);
    return c.json({ projects: await deps.identity.listProjects() });
  });
  app.post('/v3/projects', async (c) => {
    await admin(c.req.raw.headers);
    const { project } = await body(c.req.raw, z.object({ project: named }), 'project');
    return c.json({ project: await deps.identity.createProject(project.name, project.description) }, 201);
  });
  app.delete('/v3/projects/:id', async (c) => {
    await admin(c.req.raw.headers);
    await deps.identity.deleteProject(c.req.param('id'));
    return c.body(null, 204);
  });
  app.get('/v3/users', async (c) => {
    await admin(c.req.raw.headers);
    return c.json({ users: await deps.identity.listUsers() });
  });
  app.post('/v3/users', async (c) => {
    await admin(c.req.raw.headers);
    const userSchema = z.object({ user: z.object({ name: z.string().min(1).max(255), password: z.string().min(1), default_project_id: z.string().optional(), role: z.enum(ROLES).optional() }) });
    const { user } = await body(c.req.raw, userSchema, 'user');
    return c.json({ user: await deps.identity.createUser({ name: user.name, password: user.password, project: user.default_project_id, role: user.role }) }, 201);
  });
  app.delete('/v3/users/:id', async (c) => {
    await admin(c.req.raw.headers);
    await deps.identity.deleteUser(c.req.param('id'));
    return c.body(null, 204);
  });
  app.get('/v3/roles', (c) => c.json({ roles: ROLES.map((r) => ({ id: r, name: r })) }));

  // Role assignments, as Keystone: the role id is the role's name here (GET /v3/roles).
  const grantPath = '/v3/projects/:project/users/:user/roles/:role';
  const grant = (c: { req: { param(name: 'project' | 'user' | 'role'): string } }) => [c.req.param('project'), c.req.param('user'), c.req.param('role')] as const;
  app.put(grantPath, async (c) => {
    await admin(c.req.raw.headers);
    await deps.identity.assignRole(...grant(c));
    return c.body(null, 204);
  });
  app.on(['GET', 'HEAD'], grantPath, async (c) => {
    await admin(c.req.raw.headers);
    await deps.identity.checkRole(...grant(c));
    return c.body(null, 204);
  });
  app.delete(grantPath, async (c) => {
    await admin(c.req.raw.headers);
    await deps.identity.unassignRole(...grant(c));
    return c.body(null, 204);
  });
  app.get('/v3/role_assignments', async (c) => {
    await admin(c.req.raw.headers);
    const base = identityUrl(c.req.url);
    const rows = await deps.identity.listRoleAssignments({ userId: c.req.query('user.id'), projectId: c.req.query('scope.project.id'), role: c.req.query('role.id') });
    return c.json({
      role_assignments: rows.map((r) => ({
        role: { id: r.role },
        user: { id: r.user_id },
        scope: { project: { id: r.project_id } },
        links: { assignment: `${base}projects/${r.project_id}/users/${r.user_id}/roles/${r.role}` },
      })),
      links: { self: `${base}role_assignments`, previous: null, next: null },
    });
  });

  app.get('/v3/domains', (c) =>
    c.json({ domains: [{ id: 'default', name: 'Default', enabled: true, description: '', links: { self: `${identityUrl(c.req.url)}domains/default` } }] }),
  );
  return app;
}
