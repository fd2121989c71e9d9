// Pure IPAM: default gateway and allocation pools of a subnet, validation of
// pools against the CIDR and gateway, and the choice of a free address.
import {
  GatewayConflictWithAllocationPools,
  InvalidAllocationPool,
  OutOfBoundsAllocationPool,
  OverlappingAllocationPools,
} from './errors.js';
import { type Cidr, cidrContains, cidrLast, cidrSize, formatCidr, formatIp, type IpAddress } from './ip.js';

/** An inclusive address range, as Neutron's allocation_pools entries. */
export interface IpRange {
  readonly start: bigint;
  readonly end: bigint;
}

export interface AllocationPool {
  readonly start: string;
  readonly end: string;
}

/** The addresses a host may use: IPv4 loses network and broadcast (but /31 and /32 keep all). */
function usableRange(cidr: Cidr): IpRange {
  const last = cidrLast(cidr);
  if (cidr.version === 4) {
    if (cidr.prefix >= 31) return { start: cidr.network, end: last };
    return { start: cidr.network + 1n, end: last - 1n };
  }
  // IPv6: the subnet-router anycast address (the network itself) is never given out.
  if (cidrSize(cidr) === 1n) return { start: cidr.network, end: last };
  return { start: cidr.network + 1n, end: last };
}

/** Neutron's default gateway: the first usable address. */
export function defaultGateway(cidr: Cidr): IpAddress | null {
  const range = usableRange(cidr);
  if (cidr.version === 4 && cidr.prefix >= 31) return null;
  return { version: cidr.version, value: range.start };
}

/** The usable range of the CIDR with the gateway cut out. */
export function defaultPools(cidr: Cidr, gateway: IpAddress | null): IpRange[] {
  const range = usableRange(cidr);
  if (!gateway || gateway.value < range.start || gateway.value > range.end) return [range];
  const pools: IpRange[] = [];
  if (gateway.value > range.start) pools.push({ start: range.start, end: gateway.value - 1n });
  if (gateway.value < range.end) pools.push({ start: gateway.value + 1n, end: range.end });
  return pools;
}

export function formatRange(version: IpAddress['version'], range: IpRange): string {
  return `${formatIp({ version, value: range.start })}-${formatIp({ version, value: range.end })}`;
}

export function toAllocationPools(version: IpAddress['version'], pools: readonly IpRange[]): AllocationPool[] {
  return pools.map((p) => ({
    start: formatIp({ version, value: p.start }),
    end: formatIp({ version, value: p.end }),
  }));
}

/**
 * Checks requested pools as Neutron does: each well-formed and inside the
 * usable part of the CIDR, none overlapping, the gateway in none of them.
 */
export function validatePools(
  cidr: Cidr,
  gateway: IpAddress | null,
  pools: readonly { start: IpAddress; end: IpAddress }[],
): IpRange[] {
  const usable = usableRange(cidr);
  const ranges: IpRange[] = [];
  for (const pool of pools) {
    const range = { start: pool.start.value, end: pool.end.value };
    const text = formatRange(cidr.version, range);
    if (pool.start.version !== cidr.version || pool.end.version !== cidr.version || range.start > range.end) {
      throw new InvalidAllocationPool(text);
    }
    if (range.start < usable.start || range.end > usable.end) {
      throw new OutOfBoundsAllocationPool(text, formatCidr(cidr));
    }
    ranges.push(range);
  }
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.start <= prev.end) {
      throw new OverlappingAllocationPools(
        formatRange(cidr.version, prev),
        formatRange(cidr.version, cur),
        formatCidr(cidr),
      );
    }
  }
  if (gateway && cidrContains(cidr, gateway)) {
    const hit = ranges.find((r) => gateway.value >= r.start && gateway.value <= r.end);
    if (hit) throw new GatewayConflictWithAllocationPools(formatIp(gateway), formatRange(cidr.version, hit));
  }
  return ranges;
}

export function inPools(pools: readonly IpRange[], value: bigint): boolean {
  return pools.some((p) => value >= p.start && value <= p.end);
}

/** The lowest address of the pools that is not allocated (Neutron's seed shows .2, .3, .4 in order). */
export function pickFreeAddress(pools: readonly IpRange[], allocated: ReadonlySet<bigint>): bigint | undefined {
  const ordered = [...pools].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (const pool of ordered) {
    for (let v = pool.start; v <= pool.end; v++) {
      if (!allocated.has(v)) return v;
    }
  }
  return undefined;
}
