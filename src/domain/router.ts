// The router resource: attribute map, API view, and the pure checks of
// external_gateway_info and routes.
import { AttributeError, type Converter, type FixedIpRequest, show, toBoolean, toFixedIps, toStr, toSubnetCidr, toIp, toUuid } from './attributes.js';
import { PROJECT_ATTRIBUTES, type ResourceSpec, STANDARD_ATTRIBUTES } from './resource-spec.js';
import type { StandardView } from './standard-attributes.js';
import type { FixedIp } from './fixed-ips.js';

export interface GatewayRequest {
  readonly network_id: string;
  readonly enable_snat?: boolean;
  readonly external_fixed_ips?: readonly FixedIpRequest[];
}

export interface Route {
  readonly destination: string;
  readonly nexthop: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** external_gateway_info: null or {} clears it; otherwise network_id is required. */
export const toGatewayInfo: Converter<GatewayRequest | null> = (value) => {
  if (value === null || (isObject(value) && Object.keys(value).length === 0)) return null;
  if (!isObject(value)) throw new AttributeError(`'${show(value)}' is not a dictionary`);
  const unknown = Object.keys(value).filter((k) => !['network_id', 'enable_snat', 'external_fixed_ips', 'qos_policy_id'].includes(k));
  if (unknown.length > 0) throw new AttributeError(`Unexpected keys supplied: ${unknown.join(', ')}`);
  if (value.network_id === undefined) throw new AttributeError('Validation of dictionary\'s keys failed. Expected keys: {\'network_id\'}');
  return {
    network_id: toUuid(value.network_id),
    ...(value.enable_snat !== undefined && { enable_snat: toBoolean(value.enable_snat) }),
    ...(value.external_fixed_ips !== undefined && { external_fixed_ips: toFixedIps(value.external_fixed_ips) }),
  };
};

/** routes: null means none. */
export const toRoutes: Converter<Route[]> = (value) => {
  if (value === null) return [];
  if (!Array.isArray(value)) throw new AttributeError(`'${show(value)}' is not a list`);
  const seen = new Set<string>();
  return value.map((route) => {
    if (!isObject(route) || Object.keys(route).length !== 2 || !('destination' in route) || !('nexthop' in route)) {
      throw new AttributeError(`Invalid data format for hostroute: '${show(route)}'`);
    }
    const r = { destination: toSubnetCidr(route.destination), nexthop: toIp(route.nexthop) };
    const key = `${r.destination} ${r.nexthop}`;
    if (seen.has(key)) throw new AttributeError(`Duplicate hostroute '${show(route)}'`);
    seen.add(key);
    return r;
  });
};

export const ROUTER_SPEC: ResourceSpec = {
  singular: 'router',
  plural: 'routers',
  attributes: {
    ...STANDARD_ATTRIBUTES,
    ...PROJECT_ATTRIBUTES,
    name: { post: true, put: true, convert: toStr(255) },
    admin_state_up: { post: true, put: true, convert: toBoolean },
    status: {},
    external_gateway_info: { post: true, put: true, convert: toGatewayInfo },
    routes: { put: true, convert: toRoutes },
    ha: { post: true, put: true, convert: toBoolean },
    distributed: { post: true, put: true, convert: toBoolean },
    availability_zone_hints: {},
    availability_zones: {},
    flavor_id: {},
  },
};

export interface GatewayInfo {
  readonly network_id: string;
  readonly enable_snat: boolean;
  readonly external_fixed_ips: readonly FixedIp[];
}

export interface RouterView extends StandardView {
  readonly name: string;
  readonly admin_state_up: boolean;
  readonly status: string;
  readonly external_gateway_info: GatewayInfo | null;
  readonly routes: readonly Route[];
  readonly ha: boolean;
  readonly distributed: false;
  readonly availability_zone_hints: readonly string[];
  readonly availability_zones: readonly string[];
  readonly flavor_id: null;
}

/** The body of add_router_interface / remove_router_interface. */
export interface InterfaceRequest {
  readonly subnet_id?: string;
  readonly port_id?: string;
}

export const DEVICE_OWNER = {
  interface: 'network:router_interface',
  haInterface: 'network:ha_router_replicated_interface',
  gateway: 'network:router_gateway',
  haPort: 'network:router_ha_interface',
  floatingIp: 'network:floatingip',
  dhcp: 'network:dhcp',
} as const;

/** Ports that belong to a router and cannot be deleted through the port API. */
export const ROUTER_PORT_OWNERS: readonly string[] = [DEVICE_OWNER.interface, DEVICE_OWNER.haInterface, DEVICE_OWNER.gateway, DEVICE_OWNER.haPort];
