// Who is asking: every service call carries a context, so policy (admin-only
// attributes, project isolation) can be added without touching the routes.

export interface RequestContext {
  readonly projectId: string;
  readonly isAdmin: boolean;
  readonly roles: readonly string[];
  readonly requestId: string;
}

/** The project a new resource belongs to: the one asked for (admins only may differ), else the caller's. */
export function owningProject(ctx: RequestContext, requested: unknown): string {
  return typeof requested === 'string' ? requested : ctx.projectId;
}

/**
 * The server acting for itself: the resources it makes on its own account
 * (HA networks and ports, router gateway, DHCP and floating IP ports) belong
 * to project '', hidden from tenants, as in Neutron.
 */
export const SYSTEM_CONTEXT: RequestContext = Object.freeze({ projectId: '', isAdmin: true, roles: ['admin'], requestId: 'internal' });
