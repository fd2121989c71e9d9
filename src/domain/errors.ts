// The one error catalogue. A class's name is API surface: it is sent as
// NeutronError.type, exactly as Neutron sends its exception class names.
// Base classes fix the HTTP status; api/error-handler.ts renders them all.

export abstract class NeutronError extends Error {
  abstract readonly status: number;
  readonly detail: string;

  constructor(message: string, detail = '') {
    super(message);
    this.detail = detail;
  }

  /** The NeutronError.type sent to clients: the class name, as in Neutron. */
  get type(): string {
    return this.constructor.name;
  }
}

export abstract class NotFound extends NeutronError {
  readonly status = 404;
}
export abstract class Conflict extends NeutronError {
  readonly status = 409;
}
export abstract class InUse extends Conflict {}

export class BadRequest extends NeutronError {
  readonly status = 400;
  constructor(resource: string, msg: string) {
    super(`Bad ${resource} request: ${msg}.`);
  }
}

/** webob's plain 400, which Neutron sends for attribute and body validation. */
export class HTTPBadRequest extends NeutronError {
  readonly status = 400;
}

export class InvalidInput extends NeutronError {
  readonly status = 400;
  constructor(errorMessage: string) {
    super(`Invalid input for operation: ${errorMessage}.`);
  }
}

export class NotAuthorized extends NeutronError {
  readonly status = 403;
  constructor(message = 'Not authorized.') {
    super(message);
  }
}

/** Neutron's 403 for a policy refusal, naming the rule. */
export class PolicyNotAuthorized extends NotAuthorized {
  constructor(rule: string) {
    super(`(rule:${rule}) is disallowed by policy`);
  }
}

/** An unknown URL or collection; Neutron answers these with webob's 404. */
export class HTTPNotFound extends NotFound {
  constructor(message = 'The resource could not be found.') {
    super(message);
  }
}

export class HTTPMethodNotAllowed extends NeutronError {
  readonly status = 405;
  constructor(method: string) {
    super(`The method ${method} is not allowed for this resource.`);
  }
}

export class NetworkNotFound extends NotFound {
  constructor(netId: string) {
    super(`Network ${netId} could not be found.`);
  }
}

export class SubnetNotFound extends NotFound {
  constructor(subnetId: string) {
    super(`Subnet ${subnetId} could not be found.`);
  }
}

export class PortNotFound extends NotFound {
  constructor(portId: string) {
    super(`Port ${portId} could not be found.`);
  }
}

export class ExtensionNotFound extends NotFound {
  constructor(alias: string) {
    super(`Extension with alias ${alias} does not exist`);
  }
}

export class TagNotFound extends NotFound {
  constructor(resource: string, resourceId: string, tag: string) {
    super(`Tag ${tag} could not be found for ${resource} ${resourceId}.`);
  }
}

export class NetworkInUse extends InUse {
  constructor(netId: string) {
    super(
      `Unable to complete operation on network ${netId}. ` +
        'There are one or more ports still in use on the network.',
    );
  }
}

export class SubnetInUse extends InUse {
  constructor(subnetId: string) {
    super(
      `Unable to complete operation on subnet ${subnetId}: ` +
        'One or more ports have an IP allocation from this subnet.',
    );
  }
}

export class MacAddressInUse extends InUse {
  constructor(netId: string, mac: string) {
    super(`Unable to complete operation for network ${netId}. The mac address ${mac} is in use.`);
  }
}

export class IpAddressAlreadyAllocated extends Conflict {
  constructor(ip: string, subnetId: string) {
    super(`IP address ${ip} already allocated in subnet ${subnetId}`);
  }
}

export class IpAddressGenerationFailure extends Conflict {
  constructor(netId: string) {
    super(`No more IP addresses available on network ${netId}.`);
  }
}

export class InvalidIpForSubnet extends NeutronError {
  readonly status = 400;
  constructor(ip: string) {
    super(`IP address ${ip} is not a valid IP for the specified subnet.`);
  }
}

export class InvalidIpForNetwork extends NeutronError {
  readonly status = 400;
  constructor(ip: string) {
    super(`IP address ${ip} is not a valid IP for any of the subnets on the specified network.`);
  }
}

export class InvalidAllocationPool extends NeutronError {
  readonly status = 400;
  constructor(pool: string) {
    super(`The allocation pool ${pool} is not valid.`);
  }
}

export class OutOfBoundsAllocationPool extends NeutronError {
  readonly status = 400;
  constructor(pool: string, cidr: string) {
    super(`The allocation pool ${pool} spans beyond the subnet cidr ${cidr}.`);
  }
}

export class OverlappingAllocationPools extends Conflict {
  constructor(pool1: string, pool2: string, cidr: string) {
    super(`Found overlapping allocation pools: ${pool1} and ${pool2} for subnet ${cidr}.`);
  }
}

export class GatewayConflictWithAllocationPools extends Conflict {
  constructor(ip: string, pool: string) {
    super(`Gateway ip ${ip} conflicts with allocation pool ${pool}.`);
  }
}

export class NoNetworkAvailable extends NeutronError {
  readonly status = 503;
  constructor() {
    super('Unable to create the network. No tenant network is available for allocation.');
  }
}

export class FlatNetworkInUse extends InUse {
  constructor(physnet: string) {
    super(`Unable to create the flat network. Physical network ${physnet} is in use.`);
  }
}

export class TunnelIdInUse extends InUse {
  constructor(tunnelId: number) {
    super(`Unable to create the network. The tunnel ID ${tunnelId} is in use.`);
  }
}

export class RouterNotFound extends NotFound {
  constructor(routerId: string) {
    super(`Router ${routerId} could not be found.`);
  }
}

export class FloatingIPNotFound extends NotFound {
  constructor(id: string) {
    super(`Floating IP ${id} could not be found`);
  }
}

export class AgentNotFound extends NotFound {
  constructor(id: string) {
    super(`Agent ${id} could not be found.`);
  }
}

export class InvalidL3Agent extends NotFound {
  constructor(id: string) {
    super(`Agent ${id} is not a L3 Agent or has been disabled`);
  }
}

export class InvalidDHCPAgent extends NotFound {
  constructor(id: string) {
    super(`Agent ${id} is not a valid DHCP Agent or has been disabled`);
  }
}

export class RouterInterfaceNotFound extends NotFound {
  constructor(routerId: string, portId: string) {
    super(`Router ${routerId} does not have an interface with id ${portId}`);
  }
}

export class RouterInterfaceNotFoundForSubnet extends NotFound {
  constructor(routerId: string, subnetId: string) {
    super(`Router ${routerId} has no interface on subnet ${subnetId}`);
  }
}

export class ExternalGatewayForFloatingIPNotFound extends NotFound {
  constructor(subnetId: string, externalNetworkId: string, portId: string) {
    super(
      `External network ${externalNetworkId} is not reachable from subnet ${subnetId}. ` +
        `Therefore, cannot associate Port ${portId} with a Floating IP.`,
    );
  }
}

export class RouterInUse extends InUse {
  constructor(routerId: string, reason: string) {
    super(`Router ${routerId} ${reason}`);
  }
}

export class L3PortInUse extends InUse {
  constructor(portId: string, owner: string) {
    super(`Port ${portId} has owner ${owner} and therefore cannot be deleted directly via the port API.`);
  }
}

export class PortInUse extends InUse {
  constructor(netId: string, portId: string, deviceId: string) {
    super(`Unable to complete operation on port ${portId} for network ${netId}. Port already has an attached device ${deviceId}.`);
  }
}

export class RouterInterfaceInUseByRoute extends InUse {
  constructor(routerId: string, subnetId: string) {
    super(`Router interface for subnet ${subnetId} on router ${routerId} cannot be deleted, as it is required by one or more routes.`);
  }
}

export class RouterInterfaceInUseByFloatingIP extends InUse {
  constructor(routerId: string, subnetId: string) {
    super(`Router interface for subnet ${subnetId} on router ${routerId} cannot be deleted, as it is required by one or more floating IPs.`);
  }
}

export class RouterExternalGatewayInUseByFloatingIp extends InUse {
  constructor(routerId: string, netId: string) {
    super(`Gateway cannot be updated for router ${routerId}, since a gateway to external network ${netId} is required by one or more floating IPs.`);
  }
}

export class FloatingIPPortAlreadyAssociated extends InUse {
  constructor(fip: { address: string; id: string }, portId: string, fixedIp: string, netId: string) {
    super(
      `Cannot associate floating IP ${fip.address} (${fip.id}) with port ${portId} using fixed IP ${fixedIp}, ` +
        `as that fixed IP already has a floating IP on external network ${netId}.`,
    );
  }
}

export class ExternalIpAddressExhausted extends NeutronError {
  readonly status = 400;
  constructor(netId: string) {
    super(`Unable to find any IP address on external network ${netId}.`);
  }
}

export class RouterHostedByL3Agent extends Conflict {
  constructor(routerId: string, agentId: string) {
    super(`The router ${routerId} has been already hosted by the L3 Agent ${agentId}.`);
  }
}

export class RouterNotHostedByL3Agent extends Conflict {
  constructor(routerId: string, agentId: string) {
    super(`The router ${routerId} is not hosted by L3 agent ${agentId}.`);
  }
}

export class NetworkHostedByDHCPAgent extends Conflict {
  constructor(networkId: string, agentId: string) {
    super(`The network ${networkId} has been already hosted by the DHCP Agent ${agentId}.`);
  }
}

export class NetworkNotHostedByDhcpAgent extends Conflict {
  constructor(networkId: string, agentId: string) {
    super(`The network ${networkId} is not hosted by the DHCP agent ${agentId}.`);
  }
}

export class HANotEnoughAvailableAgents extends Conflict {
  constructor(minimum: number, available: number) {
    super(`Not enough l3 agents available to ensure HA. Minimum required ${minimum}, available ${available}.`);
  }
}

export class NoVRIDAvailable extends Conflict {
  constructor() {
    super('No more Virtual Router Identifier (VRID) available when creating router. The limit of number of HA Routers per project is 254.');
  }
}

export class InvalidRoutes extends NeutronError {
  readonly status = 400;
  constructor(routes: string, reason: string) {
    super(`Invalid format for routes: ${routes}, ${reason}`);
  }
}

/** The agent API's answer to a missing or wrong agent token. */
export class NotAuthenticated extends NeutronError {
  readonly status = 401;
  constructor() {
    super('Authentication required');
  }
}

export class ServiceUnavailable extends NeutronError {
  readonly status = 503;
}

/**
 * Every concrete error type the API can send, so that docs/errors.md and this
 * file cannot drift apart (test/api/errors-catalogue.test.ts checks it).
 */
export const ERROR_TYPES = [
  BadRequest,
  HTTPBadRequest,
  InvalidInput,
  NotAuthorized,
  PolicyNotAuthorized,
  HTTPNotFound,
  HTTPMethodNotAllowed,
  NetworkNotFound,
  SubnetNotFound,
  PortNotFound,
  ExtensionNotFound,
  TagNotFound,
  NetworkInUse,
  SubnetInUse,
  MacAddressInUse,
  IpAddressAlreadyAllocated,
  IpAddressGenerationFailure,
  InvalidIpForSubnet,
  InvalidIpForNetwork,
  InvalidAllocationPool,
  OutOfBoundsAllocationPool,
  OverlappingAllocationPools,
  GatewayConflictWithAllocationPools,
  NoNetworkAvailable,
  FlatNetworkInUse,
  TunnelIdInUse,
  ServiceUnavailable,
  RouterNotFound,
  FloatingIPNotFound,
  AgentNotFound,
  InvalidL3Agent,
  InvalidDHCPAgent,
  RouterInterfaceNotFound,
  RouterInterfaceNotFoundForSubnet,
  ExternalGatewayForFloatingIPNotFound,
  RouterInUse,
  L3PortInUse,
  PortInUse,
  RouterInterfaceInUseByRoute,
  RouterInterfaceInUseByFloatingIP,
  RouterExternalGatewayInUseByFloatingIp,
  FloatingIPPortAlreadyAssociated,
  ExternalIpAddressExhausted,
  RouterHostedByL3Agent,
  RouterNotHostedByL3Agent,
  NetworkHostedByDHCPAgent,
  NetworkNotHostedByDhcpAgent,
  HANotEnoughAvailableAgents,
  NoVRIDAvailable,
  InvalidRoutes,
  NotAuthenticated,
].map((cls) => cls.name);
