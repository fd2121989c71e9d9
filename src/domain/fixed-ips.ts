// Pure planning of a port's fixed IPs: which requested entries name which
// subnet, which current allocations survive an update, and which subnets
// must hand out a new address. Choosing the free address is ipam.ts's job.
import type { FixedIpRequest } from './attributes.js';
import { InvalidInput, InvalidIpForNetwork, InvalidIpForSubnet } from './errors.js';
import { type Cidr, cidrContains, cidrLast, parseIp } from './ip.js';

export interface SubnetForIpam {
  readonly id: string;
  readonly cidr: Cidr;
  readonly ipv6AddressMode: string | null;
}

export interface FixedIp {
  readonly subnet_id: string;
  readonly ip_address: string;
}

/** A new allocation: a given address, an EUI-64 one, or the next free one of the subnet. */
export type AllocationStep =
  | { readonly kind: 'address'; readonly subnet: SubnetForIpam; readonly ip: string }
  | { readonly kind: 'eui64'; readonly subnet: SubnetForIpam }
  | { readonly kind: 'any'; readonly subnet: SubnetForIpam };

/** "Pick any free address from one of these subnets" (the default IPv4 / stateful IPv6 choice). */
export interface AnyOfStep {
  readonly kind: 'any-of';
  readonly subnets: readonly SubnetForIpam[];
}

export interface FixedIpPlan {
  readonly keep: readonly FixedIp[];
  readonly release: readonly FixedIp[];
  readonly allocate: readonly (AllocationStep | AnyOfStep)[];
}

export function isAutoAddressSubnet(subnet: SubnetForIpam): boolean {
  return subnet.cidr.version === 6 && (subnet.ipv6AddressMode === 'slaac' || subnet.ipv6AddressMode === 'dhcpv6-stateless');
}

function resolveRequest(networkId: string, subnets: readonly SubnetForIpam[], req: FixedIpRequest): AllocationStep {
  if (req.subnet_id !== undefined) {
    const subnet = subnets.find((s) => s.id === req.subnet_id);
    if (!subnet) {
      throw new InvalidInput(`Failed to create port on network ${networkId}, because fixed_ips included invalid subnet ${req.subnet_id}`);
    }
    if (req.ip_address === undefined) return isAutoAddressSubnet(subnet) ? { kind: 'eui64', subnet } : { kind: 'any', subnet };
    checkAddressFits(subnet, req.ip_address);
    return { kind: 'address', subnet, ip: req.ip_address };
  }
  if (req.ip_address === undefined) throw new InvalidInput('A fixed_ips entry needs a subnet_id, an ip_address or both');
  const ip = parseIp(req.ip_address)!;
  const subnet = subnets.find((s) => cidrContains(s.cidr, ip));
  if (!subnet) throw new InvalidIpForNetwork(req.ip_address);
  checkAddressFits(subnet, req.ip_address);
  return { kind: 'address', subnet, ip: req.ip_address };
}

function checkAddressFits(subnet: SubnetForIpam, ipText: string): void {
  const ip = parseIp(ipText)!;
  if (!cidrContains(subnet.cidr, ip)) throw new InvalidIpForSubnet(ipText);
  const { cidr } = subnet;
  if (cidr.version === 4 && cidr.prefix < 31 && (ip.value === cidr.network || ip.value === cidrLast(cidr))) {
    throw new InvalidIpForSubnet(ipText);
  }
  if (isAutoAddressSubnet(subnet)) {
    throw new InvalidInput(
      `IPv6 address ${ipText} can not be directly assigned to a port on subnet ${subnet.id} since the subnet is configured for automatic addresses`,
    );
  }
}

/** Without fixed_ips Neutron gives one IPv4 and one stateful IPv6 address, and every auto-address IPv6 one. */
function defaultSteps(subnets: readonly SubnetForIpam[]): (AllocationStep | AnyOfStep)[] {
  const steps: (AllocationStep | AnyOfStep)[] = [];
  const v4 = subnets.filter((s) => s.cidr.version === 4);
  const v6Stateful = subnets.filter((s) => s.cidr.version === 6 && !isAutoAddressSubnet(s));
  if (v4.length > 0) steps.push({ kind: 'any-of', subnets: v4 });
  if (v6Stateful.length > 0) steps.push({ kind: 'any-of', subnets: v6Stateful });
  for (const s of subnets.filter(isAutoAddressSubnet)) steps.push({ kind: 'eui64', subnet: s });
  return steps;
}

/**
 * Plans the fixed IPs of a new port (current = []) or of an update that
 * replaces them: a requested entry that matches a current allocation keeps it.
 */
export function planFixedIps(
  networkId: string,
  subnets: readonly SubnetForIpam[],
  requested: readonly FixedIpRequest[] | undefined,
  current: readonly FixedIp[],
): FixedIpPlan {
  if (requested === undefined) {
    return current.length > 0 ? { keep: current, release: [], allocate: [] } : { keep: [], release: [], allocate: defaultSteps(subnets) };
  }
  const remaining = [...current];
  const keep: FixedIp[] = [];
  const allocate: AllocationStep[] = [];
  for (const req of requested) {
    const step = resolveRequest(networkId, subnets, req);
    const match = remaining.findIndex((c) =>
      step.kind === 'address' ? c.ip_address === step.ip : c.subnet_id === step.subnet.id && req.ip_address === undefined,
    );
    if (match >= 0) keep.push(...remaining.splice(match, 1));
    else allocate.push(step);
  }
  return { keep, release: remaining, allocate };
}
