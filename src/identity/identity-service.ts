// The built-in identity store: projects, users and their roles, and the
// tokens Keystone's password and token methods issue. A token is 32 random
// bytes handed out once; the database keeps only its SHA-256, its scope, its
// expiry and whether it was revoked.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { transact, type Tx } from '../db/transact.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** Neutron's default policy knows these three roles. */
export const ROLES = ['admin', 'member', 'reader'] as const;
export type Role = (typeof ROLES)[number];

/** The one domain of the built-in store, as Keystone names its default. */
export const DEFAULT_DOMAIN = Object.freeze({ id: 'default', name: 'Default' });

export interface Named {
  readonly id: string;
  readonly name: string;
  readonly domain: { readonly id: string; readonly name: string };
}

export interface TokenData {
  readonly user: Named;
  /** null: an unscoped token (no project, no roles). */
  readonly project: Named | null;
  readonly roles: readonly Role[];
  readonly methods: readonly string[];
  readonly auditId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/** Identity failures; `status` is what Keystone answers with. */
export class IdentityError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** Keystone's (and keystonemiddleware's) message for missing or bad credentials. */
export const UNAUTHORIZED = 'The request you have made requires authentication.';

/** Marks the built-in identity service's answers (keystone-app.ts), so `hanet identity` can tell it from another Keystone. */
export const BUILT_IN_IDENTITY_HEADER = 'X-Hanet-Identity';

export type AuthMethod =
  | { readonly method: 'password'; readonly user: { readonly id?: string; readonly name?: string; readonly domain?: { id?: string; name?: string } }; readonly password: string }
  | { readonly method: 'token'; readonly token: string };

export type ProjectScope = { readonly id: string } | { readonly name: string; readonly domain?: { id?: string; name?: string } };

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
const newId = () => randomUUID().replaceAll('-', '');

/** Keystone's RoleAssignmentNotFound message. */
const assignmentNotFound = (role: string, user: string, project: string) =>
  `Could not find role assignment with role: ${role}, user or group: ${user}, project, domain, or system: ${project}.`;

function inDefaultDomain(domain: { id?: string; name?: string } | undefined): boolean {
  return domain === undefined || domain.id === DEFAULT_DOMAIN.id || domain.name === DEFAULT_DOMAIN.name;
}

export interface IdentityDeps {
  readonly db: Db;
  readonly clock: () => Date;
  /** Seconds a token lives (token_expiration). */
  readonly tokenExpiration: number;
}

export class IdentityService {
  readonly #d: IdentityDeps;

  constructor(deps: IdentityDeps) {
    this.#d = deps;
  }

  async createProject(name: string, description = ''): Promise<{ id: string; name: string }> {
    const exists = await this.#d.db.selectFrom('projects').select('id').where('name', '=', name).where('domain_id', '=', DEFAULT_DOMAIN.id).executeTakeFirst();
    if (exists) throw new IdentityError(409, `Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${name}.`);
    const id = newId();
    await this.#d.db.insertInto('projects').values({ id, name, domain_id: DEFAULT_DOMAIN.id, description, created_at: this.#d.clock() }).execute();
    return { id, name };
  }

  async listProjects() {
    return this.#d.db.selectFrom('projects').select(['id', 'name', 'domain_id', 'description', 'enabled']).orderBy('name').execute();
  }

  async findProject(nameOrId: string, db: Db | Tx = this.#d.db): Promise<{ id: string; name: string }> {
    const row = await db.selectFrom('projects').select(['id', 'name']).where((eb) => eb.or([eb('id', '=', nameOrId), eb('name', '=', nameOrId)])).executeTakeFirst();
    if (!row) throw new IdentityError(404, `Could not find project: ${nameOrId}.`);
    return row;
  }

  async deleteProject(nameOrId: string): Promise<void> {
    const { id } = await this.findProject(nameOrId);
    await this.#d.db.deleteFrom('projects').where('id', '=', id).execute();
  }

  /** A user, with `role` on `project` (its default project) when given. */
  async createUser(options: { name: string; password: string; project?: string; role?: Role }): Promise<{ id: string; name: string }> {
    const passwordHash = await hashPassword(options.password);
    return transact(this.#d.db, async (tx) => {
      const exists = await tx.selectFrom('users').select('id').where('name', '=', options.name).where('domain_id', '=', DEFAULT_DOMAIN.id).executeTakeFirst();
      if (exists) throw new IdentityError(409, `Conflict occurred attempting to store user - Duplicate entry found with name ${options.name} at domain ID ${DEFAULT_DOMAIN.id}.`);
      const project = options.project === undefined ? undefined : await this.findProject(options.project, tx);
      const id = newId();
      await tx.insertInto('users').values({ id, name: options.name, domain_id: DEFAULT_DOMAIN.id, password_hash: passwordHash, default_project_id: project?.id ?? null, created_at: this.#d.clock() }).execute();
      if (project) await tx.insertInto('role_assignments').values({ user_id: id, project_id: project.id, role: options.role ?? 'member' }).execute();
      return { id, name: options.name };
    });
  }

  async listUsers() {
    const users = await this.#d.db
      .selectFrom('users')
      .leftJoin('projects', 'projects.id', 'users.default_project_id')
      .select(['users.id', 'users.name', 'users.domain_id', 'users.enabled', 'projects.name as default_project'])
      .orderBy('users.name')
      .execute();
    const roles = await this.#d.db.selectFrom('role_assignments').innerJoin('projects', 'projects.id', 'role_assignments.project_id').select(['user_id', 'role', 'projects.name as project']).execute();
    return users.map((u) => ({ ...u, roles: roles.filter((r) => r.user_id === u.id).map((r) => `${r.role}@${r.project}`) }));
  }

  async findUser(nameOrId: string, db: Db | Tx = this.#d.db): Promise<{ id: string; name: string }> {
    const row = await db.selectFrom('users').select(['id', 'name']).where((eb) => eb.or([eb('id', '=', nameOrId), eb('name', '=', nameOrId)])).executeTakeFirst();
    if (!row) throw new IdentityError(404, `Could not find user: ${nameOrId}.`);
    return row;
  }

  /** The role a role id names (the built-in store's role ids are their names, as GET /v3/roles shows). */
  findRole(id: string): Role {
    const role = ROLES.find((r) => r === id);
    if (!role) throw new IdentityError(404, `Could not find role: ${id}.`);
    return role;
  }

  /** Project, user and role of an assignment, each 404 with Keystone's message when unknown. */
  async #assignment(project: string, user: string, role: string) {
    return { projectId: (await this.findProject(project)).id, userId: (await this.findUser(user)).id, role: this.findRole(role) };
  }

  /** PUT /v3/projects/{project}/users/{user}/roles/{role}: idempotent, as in Keystone. */
  async assignRole(project: string, user: string, role: string): Promise<void> {
    const a = await this.#assignment(project, user, role);
    await this.#d.db
      .insertInto('role_assignments')
      .values({ user_id: a.userId, project_id: a.projectId, role: a.role })
      .onConflict((oc) => oc.columns(['user_id', 'project_id', 'role']).doNothing())
      .execute();
  }

  /** GET/HEAD of the same path: 404 when the role is not assigned there. */
  async checkRole(project: string, user: string, role: string): Promise<void> {
    const a = await this.#assignment(project, user, role);
    const row = await this.#d.db.selectFrom('role_assignments').select('role').where('user_id', '=', a.userId).where('project_id', '=', a.projectId).where('role', '=', a.role).executeTakeFirst();
    if (!row) throw new IdentityError(404, assignmentNotFound(role, user, project));
  }

  /** DELETE of the same path. The user's tokens for the project die with its last role there (validate()). */
  async unassignRole(project: string, user: string, role: string): Promise<void> {
    const a = await this.#assignment(project, user, role);
    const result = await this.#d.db.deleteFrom('role_assignments').where('user_id', '=', a.userId).where('project_id', '=', a.projectId).where('role', '=', a.role).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new IdentityError(404, assignmentNotFound(role, user, project));
  }

  /** GET /v3/role_assignments: the direct assignments, filtered by user, project and role ids. */
  async listRoleAssignments(filter: { userId?: string; projectId?: string; role?: string } = {}) {
    let query = this.#d.db.selectFrom('role_assignments').select(['user_id', 'project_id', 'role']);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId);
    if (filter.role !== undefined) query = query.where('role', '=', filter.role);
    return query.orderBy('project_id').orderBy('user_id').orderBy('role').execute();
  }

  async deleteUser(nameOrId: string): Promise<void> {
    const result = await this.#d.db.deleteFrom('users').where((eb) => eb.or([eb('id', '=', nameOrId), eb('name', '=', nameOrId)])).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new IdentityError(404, `Could not find user: ${nameOrId}.`);
  }

  /**
   * The admin user, with the admin role on the admin project, as
   * `keystone-manage bootstrap` makes them: created when missing, the
   * password set to the given one otherwise.
   */
  async bootstrap(options: { user: string; password: string; project: string }): Promise<void> {
    const project = await this.#d.db.selectFrom('projects').select('id').where('name', '=', options.project).executeTakeFirst();
    const projectId = project?.id ?? (await this.createProject(options.project, 'Bootstrap project for initializing the cloud.')).id;
    const user = await this.#d.db.selectFrom('users').select(['id', 'password_hash']).where('name', '=', options.user).executeTakeFirst();
    if (!user) {
      await this.createUser({ name: options.user, password: options.password, project: projectId, role: 'admin' });
      return;
    }
    if (!(await verifyPassword(options.password, user.password_hash))) {
      await this.#d.db.updateTable('users').set({ password_hash: await hashPassword(options.password) }).where('id', '=', user.id).execute();
    }
    await this.#d.db
      .insertInto('role_assignments')
      .values({ user_id: user.id, project_id: projectId, role: 'admin' })
      .onConflict((oc) => oc.columns(['user_id', 'project_id', 'role']).doNothing())
      .execute();
  }

  /**
   * POST /v3/auth/tokens: checks the credentials and issues a token scoped
   * to the project asked for (the user needs a role on it), or to the
   * user's default project when none is asked for, else unscoped. A token
   * method's token keeps its expiry: re-scoping never extends a token.
   */
  async issue(method: AuthMethod, scope: ProjectScope | undefined): Promise<{ token: string; data: TokenData }> {
    let userId: string;
    let expiresAt = new Date(this.#d.clock().getTime() + this.#d.tokenExpiration * 1000);
    if (method.method === 'password') {
      const { user } = method;
      const row = await this.#d.db
        .selectFrom('users')
        .select(['id', 'password_hash', 'enabled'])
        .where((eb) => (user.id !== undefined ? eb('id', '=', user.id) : eb('name', '=', user.name ?? '')))
        .executeTakeFirst();
      const ok = row !== undefined && row.enabled && (user.id !== undefined || inDefaultDomain(user.domain)) && (await verifyPassword(method.password, row.password_hash));
      if (!ok) throw new IdentityError(401, UNAUTHORIZED);
      userId = row.id;
    } else {
      const previous = await this.validate(method.token);
      if (!previous) throw new IdentityError(401, UNAUTHORIZED);
      userId = previous.user.id;
      expiresAt = previous.expiresAt;
    }
    const projectId = await this.#scopeProject(userId, scope);
    const roles = projectId ? await this.#roles(userId, projectId) : [];
    if (projectId && roles.length === 0) throw new IdentityError(401, `User ${userId} has no access to project ${projectId}.`);
    const token = randomBytes(32).toString('base64url');
    const issuedAt = this.#d.clock();
    await this.#d.db
      .insertInto('tokens')
      .values({ token_hash: tokenHash(token), user_id: userId, project_id: projectId, methods: JSON.stringify([method.method]), audit_id: randomBytes(16).toString('base64url').slice(0, 22), issued_at: issuedAt, expires_at: expiresAt })
      .execute();
    return { token, data: (await this.validate(token))! };
  }

  async #scopeProject(userId: string, scope: ProjectScope | undefined): Promise<string | null> {
    if (scope === undefined) {
      const user = await this.#d.db.selectFrom('users').select('default_project_id').where('id', '=', userId).executeTakeFirstOrThrow();
      return user.default_project_id;
    }
    const project = await this.#d.db
      .selectFrom('projects')
      .select(['id', 'enabled'])
      .where((eb) => ('id' in scope ? eb('id', '=', scope.id) : eb('name', '=', scope.name)))
      .executeTakeFirst();
    if (!project || !project.enabled || (!('id' in scope) && !inDefaultDomain(scope.domain))) throw new IdentityError(401, UNAUTHORIZED);
    return project.id;
  }

  async #roles(userId: string, projectId: string): Promise<Role[]> {
    const rows = await this.#d.db.selectFrom('role_assignments').select('role').where('user_id', '=', userId).where('project_id', '=', projectId).execute();
    // An admin is a member and a reader too, as Keystone's implied roles make it.
    const roles = new Set(rows.map((r) => r.role as Role));
    if (roles.has('admin')) roles.add('member');
    if (roles.has('member')) roles.add('reader');
    return ROLES.filter((r) => roles.has(r));
  }

  /** What a token stands for; undefined when unknown, expired or revoked, its user or project is gone or disabled, or the user has no role left on the project. */
  async validate(token: string): Promise<TokenData | undefined> {
    const row = await this.#d.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .leftJoin('projects', 'projects.id', 'tokens.project_id')
      .select(['tokens.user_id', 'users.name as user_name', 'users.enabled as user_enabled', 'tokens.project_id', 'projects.name as project_name', 'projects.enabled as project_enabled'])
      .select(['tokens.methods', 'tokens.audit_id', 'tokens.issued_at', 'tokens.expires_at', 'tokens.revoked'])
      .where('tokens.token_hash', '=', tokenHash(token))
      .executeTakeFirst();
    if (!row || row.revoked || !row.user_enabled || new Date(row.expires_at) <= this.#d.clock()) return undefined;
    if (row.project_id !== null && (row.project_name === null || !row.project_enabled)) return undefined;
    // Roles are looked up at each validation, as Keystone does: a user who lost every role on the project loses its tokens there.
    const roles = row.project_id === null ? [] : await this.#roles(row.user_id, row.project_id);
    if (row.project_id !== null && roles.length === 0) return undefined;
    return {
      user: { id: row.user_id, name: row.user_name, domain: DEFAULT_DOMAIN },
      project: row.project_id === null ? null : { id: row.project_id, name: row.project_name!, domain: DEFAULT_DOMAIN },
      roles,
      methods: row.methods,
      auditId: row.audit_id,
      issuedAt: new Date(row.issued_at),
      expiresAt: new Date(row.expires_at),
    };
  }

  /** DELETE /v3/auth/tokens: false when there was no such valid token. */
  async revoke(token: string): Promise<boolean> {
    const result = await this.#d.db.updateTable('tokens').set({ revoked: true }).where('token_hash', '=', tokenHash(token)).where('revoked', '=', false).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Drops tokens that expired more than a day ago (kept a while for audit); the server runs it with its repairs. */
  async purgeExpired(): Promise<number> {
    const before = new Date(this.#d.clock().getTime() - 86_400_000);
    const result = await this.#d.db.deleteFrom('tokens').where('expires_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
