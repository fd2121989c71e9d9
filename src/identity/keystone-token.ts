// What a Keystone v3 token validation (GET /v3/auth/tokens) says about the
// caller, and how its role names become the request context's: pure, so
// the external validator's answers are tested without a Keystone.
import { z } from 'zod';

/** A project-scoped token, as the API uses it. */
export interface ValidatedToken {
  readonly userId: string;
  readonly projectId: string;
  readonly isAdmin: boolean;
  /** Lower-case role names, implied ones added; unknown roles are kept and grant nothing. */
  readonly roles: readonly string[];
  readonly expiresAt: Date;
}

/** A token Keystone knows but the API refuses: unscoped, or scoped to a domain or the system. */
export interface UnscopedToken {
  readonly userId: string;
  readonly expiresAt: Date;
}

const named = z.object({ id: z.string().min(1), name: z.string().optional() });
const tokenBody = z.object({
  token: z.object({
    user: named,
    project: named.optional(),
    roles: z.array(z.object({ name: z.string() })).optional(),
    expires_at: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'not a time'),
  }),
});

/**
 * The roles as Neutron's policy sees them: names compare without case (as
 * oslo.policy does), `_member_` (older clouds' member role) is member, and
 * admin implies member and reader, member implies reader, as Keystone's
 * default implied roles and the built-in store make them.
 */
export function contextRoles(names: readonly string[]): { isAdmin: boolean; roles: string[] } {
  const roles = new Set(names.map((n) => n.toLowerCase()).map((n) => (n === '_member_' ? 'member' : n)));
  if (roles.has('admin')) roles.add('member');
  if (roles.has('member')) roles.add('reader');
  const known = ['admin', 'member', 'reader'].filter((r) => roles.has(r));
  const others = [...roles].filter((r) => !known.includes(r)).sort();
  return { isAdmin: roles.has('admin'), roles: [...known, ...others] };
}

/** A 200 answer's body; undefined when it is not a Keystone v3 token. */
export function parseTokenBody(body: unknown): ValidatedToken | UnscopedToken | undefined {
  const parsed = tokenBody.safeParse(body);
  if (!parsed.success) return undefined;
  const { user, project, roles, expires_at } = parsed.data.token;
  const expiresAt = new Date(Date.parse(expires_at));
  if (!project) return { userId: user.id, expiresAt };
  return { userId: user.id, projectId: project.id, ...contextRoles((roles ?? []).map((r) => r.name)), expiresAt };
}

export const isScoped = (token: ValidatedToken | UnscopedToken): token is ValidatedToken => 'projectId' in token;
