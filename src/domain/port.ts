// The port resource: attribute map and API view.
import { type FixedIpRequest, toBoolean, toDictOrEmpty, toFixedIps, toMac, toOneOf, toStr, toUuid } from './attributes.js';
import { PROJECT_ATTRIBUTES, type ResourceSpec, STANDARD_ATTRIBUTES } from './resource-spec.js';
import type { StandardView } from './standard-attributes.js';

export const VNIC_TYPES = [
  'normal',
  'direct',
  'macvtap',
  'baremetal',
  'direct-physical',
  'virtio-forwarder',
  'smart-nic',
  'vdpa',
  'remote-managed',
] as const;

export const PORT_SPEC: ResourceSpec = {
  singular: 'port',
  plural: 'ports',
  attributes: {
    ...STANDARD_ATTRIBUTES,
    ...PROJECT_ATTRIBUTES,
    name: { post: true, put: true, convert: toStr(255) },
    network_id: { post: true, required: true, convert: toUuid },
    admin_state_up: { post: true, put: true, convert: toBoolean },
    mac_address: { post: true, put: true, convert: toMac },
    fixed_ips: { post: true, put: true, convert: toFixedIps },
    device_id: { post: true, put: true, convert: toStr(255) },
    device_owner: { post: true, put: true, convert: toStr(255) },
    status: {},
    'binding:host_id': { post: true, put: true, convert: toStr(255) },
    'binding:profile': { post: true, put: true, convert: toDictOrEmpty },
    'binding:vnic_type': { post: true, put: true, convert: toOneOf(VNIC_TYPES) },
    'binding:vif_type': {},
    'binding:vif_details': {},
  },
};

export interface FixedIp {
  readonly subnet_id: string;
  readonly ip_address: string;
}

export type { FixedIpRequest };

export interface PortView extends StandardView {
  readonly name: string;
  readonly network_id: string;
  readonly admin_state_up: boolean;
  readonly mac_address: string;
  readonly fixed_ips: readonly FixedIp[];
  readonly device_id: string;
  readonly device_owner: string;
  readonly status: string;
  readonly 'binding:host_id': string;
  readonly 'binding:profile': Readonly<Record<string, unknown>>;
  readonly 'binding:vnic_type': string;
  readonly 'binding:vif_type': string;
  readonly 'binding:vif_details': Readonly<Record<string, unknown>>;
}

/** Ports these owners create are removed with their network, as Neutron does. */
export const AUTO_DELETE_PORT_OWNERS: readonly string[] = ['network:dhcp'];
