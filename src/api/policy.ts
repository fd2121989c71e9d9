// Neutron's default policy for callers who are not admin (admins, and every
// request in noauth mode, pass untouched): a project sees its own resources
// plus shared and external networks, and another project's resources do not
// exist for it (404); admin-only attributes are hidden and may not be set
// (403); a reader may only read; agents and the scheduler endpoints are the
// admin's. Applied in the routes, so the services stay policy-free.
import { NetworkNotFound, PolicyNotAuthorized, PortNotFound } from '../domain/errors.js';
import type { Attrs } from '../domain/resource-spec.js';
import type { RequestContext } from '../service/context.js';

export { PolicyNotAuthorized };

type View = { readonly id: string } & Record<string, unknown>;

export interface ResourcePolicy {
  /** May a non-admin see it? */
  readonly visible: (ctx: RequestContext, view: View) => boolean | Promise<boolean>;
  /** Attributes only admins see and set. */
  readonly adminOnly: readonly string[];
  /** For a non-admin's create or update: refuses references to what the caller may not use (another project's network, port …). */
  readonly checkRefs?: (ctx: RequestContext, attrs: Attrs) => Promise<void>;
}

export const isOwn = (ctx: RequestContext, view: View) => view.project_id === ctx.projectId;

/** Subjects to policy: a non-admin caller. */
export const restricted = (ctx: RequestContext) => !ctx.isAdmin;

export function checkWriter(ctx: RequestContext, action: string): void {
  if (restricted(ctx) && !ctx.roles.includes('member')) throw new PolicyNotAuthorized(action);
}

export function checkAttributes(ctx: RequestContext, policy: ResourcePolicy, action: string, attrs: Attrs): void {
  if (!restricted(ctx)) return;
  for (const name of policy.adminOnly) if (attrs[name] !== undefined) throw new PolicyNotAuthorized(`${action}:${name}`);
  const project = attrs.project_id ?? attrs.tenant_id;
  if (project !== undefined && project !== ctx.projectId) throw new PolicyNotAuthorized(`${action}:project_id`);
}

/** A view as a non-admin may see it: without the admin-only attributes. */
export function redact<V>(ctx: RequestContext, policy: ResourcePolicy, view: V): V {
  if (!restricted(ctx) || policy.adminOnly.length === 0) return view;
  const copy = { ...(view as Record<string, unknown>) };
  for (const name of policy.adminOnly) delete copy[name];
  return copy as V;
}

export const PROVIDER_ATTRS = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'];
export const BINDING_ATTRS = ['binding:host_id', 'binding:profile', 'binding:vif_type', 'binding:vif_details'];

/**
 * The network a non-admin names in a create must be one it can see (its
 * own, shared or external: else 404), and for `owned` (subnets) its own.
 */
export async function checkNetworkUse(
  ctx: RequestContext,
  networkId: unknown,
  getNetwork: (id: string) => Promise<View>,
  options: { owned?: boolean; action: string },
): Promise<void> {
  if (typeof networkId !== 'string') return;
  const network = await getNetwork(networkId).catch(() => undefined);
  if (!network || !(isOwn(ctx, network) || network.shared === true || network['router:external'] === true)) throw new NetworkNotFound(networkId);
  if (options.owned && !isOwn(ctx, network)) throw new PolicyNotAuthorized(options.action);
}

/** A port a non-admin names (to plug into a router, to give a floating IP) must be its own, else 404. */
export async function checkPortUse(ctx: RequestContext, portId: unknown, getPort: (id: string) => Promise<{ project_id: string }>): Promise<void> {
  if (typeof portId !== 'string') return;
  const port = await getPort(portId).catch(() => undefined);
  if (!port || port.project_id !== ctx.projectId) throw new PortNotFound(portId);
}
