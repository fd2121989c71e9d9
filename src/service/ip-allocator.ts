// Carries out a fixed-IP plan inside the port's transaction. The network's
// subnets are locked first (lockNetworkIpam), which makes "read the
// allocated set, pick the lowest free" safe on a PostgreSQL server with
// several API processes.
import { sql } from 'kysely';
import { IpAddressAlreadyAllocated, IpAddressGenerationFailure, InvalidInput } from '../domain/errors.js';
import type { AllocationStep, AnyOfStep, FixedIp, FixedIpPlan, SubnetForIpam } from '../domain/fixed-ips.js';
import { cidrOf, formatIp, parseIp } from '../domain/ip.js';
import { type IpRange, pickFreeAddress } from '../domain/ipam.js';
import { eui64InterfaceId } from '../domain/mac.js';
import type { Tx } from '../db/transact.js';

export interface NetworkIpam {
  /** The network's subnets in creation order, as the planner wants them. */
  readonly subnets: readonly SubnetForIpam[];
  readonly pools: ReadonlyMap<string, readonly IpRange[]>;
}

/**
 * Reads the network's subnets with their pools and locks them (in id order,
 * so two writers cannot deadlock) until the transaction ends: from here to
 * the insert of the allocations, no other writer can pick the same address.
 */
export async function lockNetworkIpam(tx: Tx, networkId: string): Promise<NetworkIpam> {
  const rows = await tx
    .selectFrom('subnets')
    .select(['id', 'cidr', 'ipv6_address_mode', 'allocation_pools', 'created_at'])
    .where('network_id', '=', networkId)
    .orderBy('id')
    .forUpdate()
    .execute();
  rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1));
  return {
    subnets: rows.map((r) => ({ id: r.id, cidr: cidrOf(r.cidr), ipv6AddressMode: r.ipv6_address_mode })),
    pools: new Map(rows.map((r) => [r.id, r.allocation_pools.map((p) => ({ start: parseIp(p.start)!.value, end: parseIp(p.end)!.value }))])),
  };
}

export interface ChooseInput {
  readonly networkId: string;
  readonly mac: string;
  readonly plan: FixedIpPlan;
  readonly ipam: NetworkIpam;
  /** Allocated addresses per subnet already read in this transaction (an IpamSession's), kept up to date. */
  readonly allocated?: Map<string, Set<bigint>>;
}

/**
 * One transaction's IPAM for several ports at once (a router's HA ports):
 * each network is locked and read once, each subnet's allocations once,
 * instead of once per port.
 */
export class IpamSession {
  readonly #tx: Tx;
  readonly #networks = new Map<string, Promise<NetworkIpam>>();
  readonly allocated = new Map<string, Set<bigint>>();

  constructor(tx: Tx) {
    this.#tx = tx;
  }

  network(networkId: string): Promise<NetworkIpam> {
    let ipam = this.#networks.get(networkId);
    if (!ipam) {
      ipam = lockNetworkIpam(this.#tx, networkId);
      this.#networks.set(networkId, ipam);
    }
    return ipam;
  }
}

/**
 * Picks the addresses the plan asks for, checking requested ones against what
 * is allocated (released ones excepted), and returns the port's complete
 * fixed_ips in order. Writing them is the caller's: a new port inserts them
 * with the port itself (one statement), an update replaces them.
 */
export async function chooseFixedIps(tx: Tx, input: ChooseInput): Promise<FixedIp[]> {
  const { networkId, mac, plan, ipam } = input;
  const allocatedBySubnet = input.allocated ?? new Map<string, Set<bigint>>();
  const allocated = async (subnetId: string): Promise<Set<bigint>> => {
    let set = allocatedBySubnet.get(subnetId);
    if (!set) {
      // One JSON value instead of a row per address (see db/json-rows.ts).
      const { ips } = await tx
        .selectFrom('ip_allocations')
        .select(sql<string>`coalesce(json_agg(ip_address), '[]')::text`.as('ips'))
        .where('subnet_id', '=', subnetId)
        .executeTakeFirstOrThrow();
      set = new Set((JSON.parse(ips) as string[]).map((ip) => parseIp(ip)!.value));
      for (const gone of plan.release) if (gone.subnet_id === subnetId) set.delete(parseIp(gone.ip_address)!.value);
      allocatedBySubnet.set(subnetId, set);
    }
    return set;
  };

  const take = async (step: AllocationStep | AnyOfStep): Promise<FixedIp> => {
    switch (step.kind) {
      case 'address': {
        const value = parseIp(step.ip)!.value;
        const set = await allocated(step.subnet.id);
        if (set.has(value)) throw new IpAddressAlreadyAllocated(step.ip, step.subnet.id);
        set.add(value);
        return { subnet_id: step.subnet.id, ip_address: step.ip };
      }
      case 'eui64': {
        const { cidr } = step.subnet;
        if (cidr.prefix !== 64) {
          throw new InvalidInput(`Automatic address assignment on subnet ${step.subnet.id} needs a /64 prefix`);
        }
        const value = cidr.network | eui64InterfaceId(mac);
        const ip = formatIp({ version: 6, value });
        const set = await allocated(step.subnet.id);
        if (set.has(value)) throw new IpAddressAlreadyAllocated(ip, step.subnet.id);
        set.add(value);
        return { subnet_id: step.subnet.id, ip_address: ip };
      }
      case 'any':
      case 'any-of': {
        const candidates = step.kind === 'any' ? [step.subnet] : step.subnets;
        for (const subnet of candidates) {
          const set = await allocated(subnet.id);
          const value = pickFreeAddress(ipam.pools.get(subnet.id) ?? [], set);
          if (value !== undefined) {
            set.add(value);
            return { subnet_id: subnet.id, ip_address: formatIp({ version: subnet.cidr.version, value }) };
          }
        }
        throw new IpAddressGenerationFailure(networkId);
      }
    }
  };

  const added: FixedIp[] = [];
  for (const step of plan.allocate) added.push(await take(step));
  return [...plan.keep, ...added];
}

/** The rows of ip_allocations for a port's fixed_ips, in order. */
export function allocationRows(portId: string, networkId: string, fixedIps: readonly FixedIp[]) {
  return fixedIps.map((ip, position) => ({ port_id: portId, network_id: networkId, subnet_id: ip.subnet_id, ip_address: ip.ip_address, position }));
}

/** Replaces a port's allocations (an update of fixed_ips). */
export async function replaceAllocations(tx: Tx, portId: string, networkId: string, fixedIps: readonly FixedIp[]): Promise<void> {
  await tx.deleteFrom('ip_allocations').where('port_id', '=', portId).execute();
  if (fixedIps.length > 0) await tx.insertInto('ip_allocations').values(allocationRows(portId, networkId, fixedIps)).execute();
}
