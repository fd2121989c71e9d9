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
].map((cls) => cls.name);
