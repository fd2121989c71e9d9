// Carries out a fixed-IP plan inside the port's transaction. The subnets
// involved are locked first (in id order, so two writers cannot deadlock),
// which makes "read the allocated set, pick the lowest free" safe on a
// PostgreSQL server with several API processes.
import { IpAddressAlreadyAllocated, IpAddressGenerationFailure, InvalidInput } from '../domain/errors.js';
import type { AllocationStep, AnyOfStep, FixedIp, FixedIpPlan, SubnetForIpam } from '../domain/fixed-ips.js';
import { cidrOf, formatIp, parseIp } from '../domain/ip.js';
import { type IpRange, pickFreeAddress } from '../domain/ipam.js';
import { eui64InterfaceId } from '../domain/mac.js';
import type { Tx } from '../db/transact.js';

export async function loadSubnetsForIpam(tx: Tx, networkId: string): Promise<SubnetForIpam[]> {
  const rows = await tx
    .selectFrom('subnets')
    .select(['id', 'cidr', 'ipv6_address_mode'])
    .where('network_id', '=', networkId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, cidr: cidrOf(r.cidr), ipv6AddressMode: r.ipv6_address_mode }));
}

function subnetsOf(steps: FixedIpPlan['allocate']): string[] {
  const ids = new Set<string>();
  for (const step of steps) {
    if (step.kind === 'any-of') step.subnets.forEach((s) => ids.add(s.id));
    else ids.add(step.subnet.id);
  }
  return [...ids].sort();
}

export interface ApplyPlanInput {
  readonly portId: string;
  readonly networkId: string;
  readonly mac: string;
  readonly plan: FixedIpPlan;
}

/** Releases, keeps and allocates as planned; returns the port's fixed_ips in order. */
export async function applyFixedIpPlan(tx: Tx, input: ApplyPlanInput): Promise<FixedIp[]> {
  const { portId, networkId, mac, plan } = input;
  for (const gone of plan.release) {
    await tx.deleteFrom('ip_allocations').where('subnet_id', '=', gone.subnet_id).where('ip_address', '=', gone.ip_address).execute();
  }
  const subnetIds = subnetsOf(plan.allocate);
  const pools = new Map<string, IpRange[]>();
  if (subnetIds.length > 0) {
    const rows = await tx.selectFrom('subnets').select(['id', 'cidr', 'allocation_pools']).where('id', 'in', subnetIds).orderBy('id').forUpdate().execute();
    for (const row of rows) {
      pools.set(row.id, row.allocation_pools.map((p) => ({ start: parseIp(p.start)!.value, end: parseIp(p.end)!.value })));
    }
  }
  const allocatedBySubnet = new Map<string, Set<bigint>>();
  const allocated = async (subnetId: string): Promise<Set<bigint>> => {
    let set = allocatedBySubnet.get(subnetId);
    if (!set) {
      const rows = await tx.selectFrom('ip_allocations').select('ip_address').where('subnet_id', '=', subnetId).execute();
      set = new Set(rows.map((r) => parseIp(r.ip_address)!.value));
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
          const value = pickFreeAddress(pools.get(subnet.id) ?? [], set);
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
  const all = [...plan.keep, ...added];
  if (added.length > 0 || plan.release.length > 0) {
    await tx.deleteFrom('ip_allocations').where('port_id', '=', portId).execute();
    if (all.length > 0) {
      await tx
        .insertInto('ip_allocations')
        .values(all.map((ip, position) => ({ port_id: portId, network_id: networkId, subnet_id: ip.subnet_id, ip_address: ip.ip_address, position })))
        .execute();
    }
  }
  return all;
}
