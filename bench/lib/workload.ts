// The benchmark workload: network, subnet and port creation and a port list,
// first one request at a time, then with several clients at once. Each phase
// checks what the server answered (ids present, one address per port, no
// address handed out twice) because a fast wrong answer is not a result.
import type { ApiClient } from './http-client.js';
import { fixedIps, idOf, listOf, record } from './answers.js';
import { phase, result, type OpResult } from './phase.js';

export interface ModePlan {
  /** Label in the tables, e.g. "sequential" or "8 concurrent". */
  readonly mode: string;
  readonly concurrency: number;
  readonly networks: number;
  /** Subnets go one per network on the first networks of this mode, so CIDRs never overlap on one network. */
  readonly subnets: number;
  readonly ports: number;
  readonly lists: number;
  /** Second octet of this mode's /24 subnets and of its /20 port subnet; modes use different ones. */
  readonly subnetOctet: number;
  readonly portSubnetOctet: number;
}

/**
 * One mode's four operations. `portsAlready` is how many ports the server
 * holds before this mode starts (the list figure is labelled with the total).
 */
export async function runMode(
  client: ApiClient,
  plan: ModePlan,
  portsAlready: number,
  progress: (what: string) => void = () => {},
): Promise<OpResult[]> {
  const { mode, concurrency } = plan;
  const results: OpResult[] = [];
  const slug = mode.replace(/\W+/g, '-');

  // 1. Networks.
  progress(`${mode}: ${plan.networks} network creates`);
  const networkIds: string[] = new Array<string>(plan.networks);
  results.push(
    result('network create', mode, await phase(plan.networks, concurrency, async (i) => {
      const { value, ms } = await client.call('POST', '/v2.0/networks', { network: { name: `bench-${slug}-${i}` } });
      networkIds[i] = idOf(value, 'network', 'network create');
      return ms;
    })),
  );

  // 2. Subnets, one per network, 10.<octet>.<i>.0/24 (i < 256 per octet step).
  progress(`${mode}: ${plan.subnets} subnet creates`);
  if (plan.subnets > plan.networks) throw new Error(`${mode}: more subnets than networks to put them on`);
  results.push(
    result('subnet create', mode, await phase(plan.subnets, concurrency, async (i) => {
      const networkId = networkIds[i];
      if (networkId === undefined) throw new Error(`subnet create: network ${i} was not created`);
      const cidr = `10.${plan.subnetOctet + (i >> 8)}.${i & 255}.0/24`;
      const { value, ms } = await client.call('POST', '/v2.0/subnets', { subnet: { network_id: networkId, cidr, ip_version: 4 } });
      idOf(value, 'subnet', 'subnet create');
      return ms;
    })),
  );

  // 3. Ports, all on one network whose only subnet is a /20 (4,093 usable
  // addresses besides the gateway), so every port gets an address from it.
  // The network and subnet are set-up, not measured.
  const portNet = idOf((await client.call('POST', '/v2.0/networks', { network: { name: `bench-${slug}-ports` } })).value, 'network', 'port network');
  const portCidr = `10.${plan.portSubnetOctet}.0.0/20`;
  const portSubnet = idOf(
    (await client.call('POST', '/v2.0/subnets', { subnet: { network_id: portNet, cidr: portCidr, ip_version: 4 } })).value,
    'subnet',
    'port subnet',
  );
  progress(`${mode}: ${plan.ports} port creates`);
  results.push(
    result('port create', mode, await phase(plan.ports, concurrency, async () => {
      const { value, ms } = await client.call('POST', '/v2.0/ports', { port: { network_id: portNet } });
      const ips = fixedIps(record(value, 'port', 'port create'), 'port create');
      if (ips.length !== 1 || ips[0]?.subnet_id !== portSubnet) {
        throw new Error(`port create: expected one address on ${portCidr}, got ${JSON.stringify(ips)}`);
      }
      return ms;
    })),
  );

  // 4. Listing every port on the server.
  const portsNow = portsAlready + plan.ports;
  progress(`${mode}: ${plan.lists} port lists`);
  results.push(
    result(`port list (${portsNow.toLocaleString('en-US')} ports)`, mode, await phase(plan.lists, concurrency, async () => {
      const { value, ms } = await client.call('GET', '/v2.0/ports');
      const count = listOf(value, 'ports', 'port list').length;
      if (count < portsNow) throw new Error(`port list: ${count} ports, expected at least ${portsNow}`);
      return ms;
    })),
  );

  // The /20 must now hold exactly plan.ports allocations, all distinct:
  // concurrent creates are where a racy allocator would hand an address out twice.
  const onNet = listOf((await client.call('GET', `/v2.0/ports?network_id=${portNet}`)).value, 'ports', 'port check');
  const addresses = new Set(onNet.flatMap((p) => fixedIps(p, 'port check').map((ip) => ip.ip_address)));
  if (onNet.length !== plan.ports || addresses.size !== plan.ports) {
    throw new Error(`${mode}: network ${portNet} has ${onNet.length} ports with ${addresses.size} distinct addresses, expected ${plan.ports}`);
  }
  return results;
}
