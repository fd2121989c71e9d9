// The subnet resource: attribute map and API view.
import {
  type HostRoute,
  nullable,
  toAllocationPools,
  toBoolean,
  toHostRoutes,
  toInt,
  toIp,
  toNameservers,
  toOneOf,
  toStr,
  toSubnetCidr,
  toUuid,
} from './attributes.js';
import type { AllocationPool } from './ipam.js';
import { PROJECT_ATTRIBUTES, type ResourceSpec, STANDARD_ATTRIBUTES } from './resource-spec.js';
import type { StandardView } from './standard-attributes.js';

export const IPV6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'] as const;
export type Ipv6Mode = (typeof IPV6_MODES)[number];

export const SUBNET_SPEC: ResourceSpec = {
  singular: 'subnet',
  plural: 'subnets',
  attributes: {
    ...STANDARD_ATTRIBUTES,
    ...PROJECT_ATTRIBUTES,
    name: { post: true, put: true, convert: toStr(255) },
    network_id: { post: true, required: true, convert: toUuid },
    ip_version: { post: true, required: true, convert: toOneOf([4, 6], toInt(0, 255)) },
    cidr: { post: true, required: true, convert: toSubnetCidr },
    gateway_ip: { post: true, put: true, convert: nullable(toIp) },
    allocation_pools: { post: true, put: true, convert: toAllocationPools },
    dns_nameservers: { post: true, put: true, convert: toNameservers },
    host_routes: { post: true, put: true, convert: toHostRoutes },
    enable_dhcp: { post: true, put: true, convert: toBoolean },
    ipv6_ra_mode: { post: true, convert: nullable(toOneOf(IPV6_MODES)) },
    ipv6_address_mode: { post: true, convert: nullable(toOneOf(IPV6_MODES)) },
    subnetpool_id: { post: true, convert: toOneOf([] as string[]) },
  },
};

export interface SubnetView extends StandardView {
  readonly name: string;
  readonly network_id: string;
  readonly ip_version: 4 | 6;
  readonly cidr: string;
  readonly gateway_ip: string | null;
  readonly allocation_pools: readonly AllocationPool[];
  readonly dns_nameservers: readonly string[];
  readonly host_routes: readonly HostRoute[];
  readonly enable_dhcp: boolean;
  readonly ipv6_ra_mode: Ipv6Mode | null;
  readonly ipv6_address_mode: Ipv6Mode | null;
  readonly subnetpool_id: null;
}
