// add_router_interface / remove_router_interface, by subnet or by port, with
// Neutron's validations and response body.
import { AttributeError, toUuid } from '../domain/attributes.js';
import {
  BadRequest,
  HTTPBadRequest,
  PortInUse,
  PortNotFound,
  RouterInterfaceInUseByFloatingIP,
  RouterInterfaceInUseByRoute,
  RouterInterfaceNotFound,
  RouterInterfaceNotFoundForSubnet,
  SubnetNotFound,
} from '../domain/errors.js';
import { cidrContains, cidrOf, cidrsOverlap, parseIp } from '../domain/ip.js';
import { DEVICE_OWNER, type InterfaceRequest } from '../domain/router.js';
import { transact, type Tx } from '../db/transact.js';
import type { RequestContext } from './context.js';
import type { ServiceDeps } from './deps.js';
import type { PortService } from './ports.js';
import type { RouterService } from './routers.js';

export interface InterfaceInfo {
  readonly id: string;
  readonly tenant_id: string;
  readonly project_id: string;
  readonly port_id: string;
  readonly network_id: string;
  readonly subnet_id: string;
  readonly subnet_ids: readonly string[];
  readonly tags: readonly string[];
}

/** The body: exactly one of subnet_id and port_id, each a UUID. */
export function parseInterfaceBody(body: unknown): InterfaceRequest {
  const obj = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const convert = (name: 'subnet_id' | 'port_id') => {
    if (obj[name] === undefined) return undefined;
    try {
      return toUuid(obj[name]);
    } catch (err) {
      if (err instanceof AttributeError) throw new HTTPBadRequest(`Invalid input for ${name}. Reason: ${err.message}.`);
      throw err;
    }
  };
  const subnetId = convert('subnet_id');
  const portId = convert('port_id');
  if (subnetId === undefined && portId === undefined) throw new BadRequest('router', 'Either subnet_id or port_id must be specified');
  if (subnetId !== undefined && portId !== undefined) throw new BadRequest('router', 'Cannot specify both subnet-id and port-id');
  return subnetId !== undefined ? { subnet_id: subnetId } : { port_id: portId! };
}

interface AttachedSubnet {
  readonly port_id: string;
  readonly subnet_id: string;
  readonly cidr: string;
}

export class RouterInterfaceService {
  readonly #deps: ServiceDeps;
  readonly #routers: RouterService;
  readonly #ports: PortService;

  constructor(deps: ServiceDeps, routers: RouterService, ports: PortService) {
    this.#deps = deps;
    this.#routers = routers;
    this.#ports = ports;
  }

  async #attached(tx: Tx, routerId: string): Promise<AttachedSubnet[]> {
    return tx
      .selectFrom('router_ports')
      .innerJoin('ip_allocations', 'ip_allocations.port_id', 'router_ports.port_id')
      .innerJoin('subnets', 'subnets.id', 'ip_allocations.subnet_id')
      .select(['router_ports.port_id', 'subnets.id as subnet_id', 'subnets.cidr'])
      .where('router_ports.router_id', '=', routerId)
      .where('router_ports.port_type', '=', 'interface')
      .execute();
  }

  /** A subnet may join a router once, and must not overlap the router's other subnets. */
  #checkNoOverlap(attached: readonly AttachedSubnet[], subnet: { id: string; cidr: string }): void {
    for (const a of attached) {
      if (a.subnet_id === subnet.id) throw new BadRequest('router', `Router already has a port on subnet ${subnet.id}`);
      if (cidrsOverlap(cidrOf(a.cidr), cidrOf(subnet.cidr))) {
        throw new BadRequest('router', `Cidr ${subnet.cidr} of subnet ${subnet.id} overlaps with cidr ${a.cidr} of subnet ${a.subnet_id}`);
      }
    }
  }

  async add(ctx: RequestContext, routerId: string, req: InterfaceRequest): Promise<InterfaceInfo> {
    return transact(this.#deps.db, async (tx) => {
      const router = await this.#routers.lock(tx, routerId);
      const owner = router.ha ? DEVICE_OWNER.haInterface : DEVICE_OWNER.interface;
      const attached = await this.#attached(tx, routerId);
      let portId: string;
      if (req.subnet_id !== undefined) {
        const subnet = await tx.selectFrom('subnets').select(['id', 'cidr', 'network_id', 'gateway_ip']).where('id', '=', req.subnet_id).executeTakeFirst();
        if (!subnet) throw new SubnetNotFound(req.subnet_id);
        if (!subnet.gateway_ip) throw new BadRequest('router', 'Subnet for router interface must have a gateway IP');
        this.#checkNoOverlap(attached, subnet);
        const port = await this.#ports.insertInTx(tx, ctx, {
          network_id: subnet.network_id,
          fixed_ips: [{ subnet_id: subnet.id, ip_address: subnet.gateway_ip }],
          device_owner: owner,
          device_id: routerId,
          project_id: router.project_id,
        });
        portId = port.id;
      } else {
        const port = await this.#ports.getInTx(tx, req.port_id!);
        if (port.device_id !== '' || port.device_owner !== '') throw new PortInUse(port.network_id, port.id, port.device_id || port.device_owner);
        if (port.fixed_ips.length === 0) throw new BadRequest('router', 'Router port must have at least one fixed IP');
        for (const ip of port.fixed_ips) {
          const subnet = await tx.selectFrom('subnets').select(['id', 'cidr']).where('id', '=', ip.subnet_id).executeTakeFirstOrThrow();
          this.#checkNoOverlap(attached, subnet);
        }
        await tx.updateTable('ports').set({ device_owner: owner, device_id: routerId, revision_number: port.revision_number + 1, updated_at: this.#deps.clock() }).where('id', '=', port.id).execute();
        portId = port.id;
      }
      await tx.insertInto('router_ports').values({ port_id: portId, router_id: routerId, port_type: 'interface' }).execute();
      return this.#info(tx, router, portId);
    });
  }

  async remove(_ctx: RequestContext, routerId: string, req: InterfaceRequest): Promise<InterfaceInfo> {
    return transact(this.#deps.db, async (tx) => {
      const router = await this.#routers.lock(tx, routerId);
      const attached = await this.#attached(tx, routerId);
      let portId: string;
      if (req.port_id !== undefined) {
        const found = attached.find((a) => a.port_id === req.port_id);
        const bare = found ? undefined : await tx.selectFrom('router_ports').select('port_id').where('port_id', '=', req.port_id).where('router_id', '=', routerId).where('port_type', '=', 'interface').executeTakeFirst();
        if (!found && !bare) throw new RouterInterfaceNotFound(routerId, req.port_id);
        portId = req.port_id;
      } else {
        const found = attached.find((a) => a.subnet_id === req.subnet_id);
        if (!found) {
          const exists = await tx.selectFrom('subnets').select('id').where('id', '=', req.subnet_id!).executeTakeFirst();
          if (!exists) throw new SubnetNotFound(req.subnet_id!);
          throw new RouterInterfaceNotFoundForSubnet(routerId, req.subnet_id!);
        }
        portId = found.port_id;
      }
      const info = await this.#info(tx, router, portId);
      const fips = await tx.selectFrom('floatingips').select('fixed_ip_address').where('router_id', '=', routerId).execute();
      for (const subnet of attached.filter((a) => a.port_id === portId)) {
        const cidr = cidrOf(subnet.cidr);
        if (router.routes.some((r) => cidrContains(cidr, parseIp(r.nexthop)!))) throw new RouterInterfaceInUseByRoute(routerId, subnet.subnet_id);
        if (fips.some((f) => f.fixed_ip_address && cidrContains(cidr, parseIp(f.fixed_ip_address)!))) {
          throw new RouterInterfaceInUseByFloatingIP(routerId, subnet.subnet_id);
        }
      }
      await tx.deleteFrom('ports').where('id', '=', portId).execute();
      return info;
    });
  }

  async #info(tx: Tx, router: { id: string; project_id: string }, portId: string): Promise<InterfaceInfo> {
    const port = await tx.selectFrom('ports').select(['id', 'network_id']).where('id', '=', portId).executeTakeFirst();
    if (!port) throw new PortNotFound(portId);
    const subnets = await tx.selectFrom('ip_allocations').select('subnet_id').where('port_id', '=', portId).orderBy('position').execute();
    const subnetIds = subnets.map((s) => s.subnet_id);
    return {
      id: router.id,
      tenant_id: router.project_id,
      project_id: router.project_id,
      port_id: port.id,
      network_id: port.network_id,
      subnet_id: subnetIds[0] ?? '',
      subnet_ids: subnetIds,
      tags: [],
    };
  }
}
