// The network resource: attribute map and API view.
import { nullable, toBoolean, toInt, toStr } from './attributes.js';
import { PROJECT_ATTRIBUTES, type ResourceSpec, STANDARD_ATTRIBUTES } from './resource-spec.js';
import type { StandardView } from './standard-attributes.js';

export const NETWORK_SPEC: ResourceSpec = {
  singular: 'network',
  plural: 'networks',
  attributes: {
    ...STANDARD_ATTRIBUTES,
    ...PROJECT_ATTRIBUTES,
    name: { post: true, put: true, convert: toStr(255) },
    admin_state_up: { post: true, put: true, convert: toBoolean },
    status: {},
    subnets: {},
    shared: { post: true, put: true, convert: toBoolean },
    'router:external': { post: true, put: true, convert: toBoolean },
    mtu: { post: true, put: true, convert: toInt(68, 65535) },
    'provider:network_type': { post: true, convert: toStr(32) },
    'provider:physical_network': { post: true, convert: nullable(toStr(64)) },
    'provider:segmentation_id': { post: true, convert: nullable(toInt(0, 2 ** 24 - 1)) },
  },
};

export type NetworkType = 'vxlan' | 'flat';

export interface NetworkView extends StandardView {
  readonly name: string;
  readonly admin_state_up: boolean;
  readonly status: string;
  readonly subnets: readonly string[];
  readonly shared: boolean;
  readonly 'router:external': boolean;
  readonly mtu: number;
  readonly 'provider:network_type': NetworkType;
  readonly 'provider:physical_network': string | null;
  readonly 'provider:segmentation_id': number | null;
}
