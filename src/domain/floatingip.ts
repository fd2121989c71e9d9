// The floating IP resource (Neutron's l3 `floatingips`): attribute map and
// API view. A floating IP is an address on an external network, held by a
// hidden network:floatingip port, optionally mapped to a fixed IPv4 address
// of an internal port through the router that connects the two networks.
import { nullable, toIp, toUuid } from './attributes.js';
import { PROJECT_ATTRIBUTES, type ResourceSpec, STANDARD_ATTRIBUTES } from './resource-spec.js';
import type { StandardView } from './standard-attributes.js';

export const FLOATINGIP_SPEC: ResourceSpec = {
  singular: 'floatingip',
  plural: 'floatingips',
  attributes: {
    ...STANDARD_ATTRIBUTES,
    ...PROJECT_ATTRIBUTES,
    floating_network_id: { post: true, required: true, convert: toUuid },
    // neutron-lib validates these two with ip_address_or_none / uuid_or_none.
    floating_ip_address: { post: true, convert: nullable(toIp) },
    /** Input only (not shown): the external subnet to allocate from. */
    subnet_id: { post: true, convert: nullable(toUuid) },
    port_id: { post: true, put: true, convert: nullable(toUuid) },
    fixed_ip_address: { post: true, put: true, convert: nullable(toIp) },
    status: {},
    router_id: {},
    port_details: {},
  },
};

/** The fip-port-details extension: a summary of the associated port. */
export interface FloatingIpPortDetails {
  readonly name: string;
  readonly network_id: string;
  readonly mac_address: string;
  readonly admin_state_up: boolean;
  readonly status: string;
  readonly device_id: string;
  readonly device_owner: string;
}

export interface FloatingIpView extends StandardView {
  readonly floating_network_id: string;
  readonly floating_ip_address: string;
  readonly router_id: string | null;
  readonly port_id: string | null;
  readonly fixed_ip_address: string | null;
  readonly status: string;
  readonly port_details: FloatingIpPortDetails | null;
}
