// The router workload, run after the core one on the same server: HA router
// creation (each scheduled on three L3 agents, with its HA ports and VRID in
// the same transaction), router interfaces, floating IPs, the l3-agents view,
// and how soon a committed router change reaches an agent's watch stream.
// As in workload.ts every answer is checked, and what a phase needs (subnets
// for the interfaces, the external network) is created beforehand, untimed.
import { idOf, listOf, record, stringField } from './answers.js';
import type { ApiClient } from './http-client.js';
import { phase, result, type OpResult, type Phase } from './phase.js';
import { summarize } from './stats.js';
import type { WatchStream } from './watch.js';

export interface L3Plan {
  /** HA routers created per mode; both modes together must stay under the 254 VRIDs of one project. */
  readonly routersPerMode: number;
  readonly concurrency: number;
  readonly floatingIpsPerMode: number;
  readonly l3AgentLists: number;
  readonly watchChanges: number;
  /** The hosts whose L3 agents report; every HA router must be on all of them. */
  readonly hosts: readonly string[];
}

const SEQUENTIAL = 'sequential';

/** Longest wait for the event a change must cause. */
const WATCH_TIMEOUT_MS = 5_000;
/**
 * Quiet time after each event: longer than the server's 20 ms coalescing
 * window, so an event that a change caused late (a second commit) shows up
 * here as an extra event instead of being credited to the next change.
 */
const WATCH_SETTLE_MS = 100;

/** The two modes' labels and client counts, as in the core workload's tables. */
function modes(plan: L3Plan): { mode: string; concurrency: number; offset: number }[] {
  return [
    { mode: SEQUENTIAL, concurrency: 1, offset: 0 },
    { mode: `${plan.concurrency} concurrent`, concurrency: plan.concurrency, offset: plan.routersPerMode },
  ];
}

/** Interface subnet of router i: 10.50.0.0/24, 10.50.1.0/24, … (the core workload uses 10.0-1 and 10.200-201). */
function interfaceCidr(i: number): { cidr: string; nexthop: string } {
  const prefix = `10.${50 + (i >> 8)}.${i & 255}`;
  return { cidr: `${prefix}.0/24`, nexthop: `${prefix}.20` };
}

export interface L3Hooks {
  /** Opens a watch stream on one of the simulated hosts. */
  readonly openWatch: () => Promise<WatchStream>;
  readonly progress?: (what: string) => void;
}

export async function runL3(client: ApiClient, plan: L3Plan, hooks: L3Hooks): Promise<OpResult[]> {
  const progress = hooks.progress ?? (() => {});
  const totalRouters = 2 * plan.routersPerMode;
  if (totalRouters >= 254) throw new Error(`${totalRouters} HA routers would exhaust the project's 254 VRIDs`);
  const results: OpResult[] = [];

  // 1. HA routers, each scheduled on every simulated host's L3 agent.
  const routerIds = new Array<string>(totalRouters);
  for (const { mode, concurrency, offset } of modes(plan)) {
    progress(`${mode}: ${plan.routersPerMode} HA router creates`);
    results.push(
      result('HA router create (3 agents)', mode, await phase(plan.routersPerMode, concurrency, async (i) => {
        const name = `bench-router-${offset + i}`;
        const { value, ms } = await client.call('POST', '/v2.0/routers', { router: { name } });
        const router = record(value, 'router', 'router create');
        if (router.ha !== true || router.name !== name) throw new Error(`router create: expected an HA router '${name}': ${JSON.stringify(router)}`);
        routerIds[offset + i] = stringField(router, 'id', 'router create');
        return ms;
      })),
    );
  }

  // 2. One interface per router, each on a network and subnet of its own
  // (a subnet can be on one router only), created beforehand and untimed.
  progress(`creating ${totalRouters} networks and subnets for router interfaces`);
  const subnetIds = new Array<string>(totalRouters);
  await phase(totalRouters, plan.concurrency, async (i) => {
    const network = idOf((await client.call('POST', '/v2.0/networks', { network: { name: `bench-if-${i}` } })).value, 'network', 'interface network');
    const subnet = { network_id: network, cidr: interfaceCidr(i).cidr, ip_version: 4 };
    subnetIds[i] = idOf((await client.call('POST', '/v2.0/subnets', { subnet })).value, 'subnet', 'interface subnet');
    return 0;
  });
  for (const { mode, concurrency, offset } of modes(plan)) {
    progress(`${mode}: ${plan.routersPerMode} add_router_interface`);
    results.push(
      result('add_router_interface', mode, await phase(plan.routersPerMode, concurrency, async (i) => {
        const routerId = element(routerIds, offset + i, 'router');
        const subnetId = element(subnetIds, offset + i, 'interface subnet');
        const { value, ms } = await client.call('PUT', `/v2.0/routers/${routerId}/add_router_interface`, { subnet_id: subnetId });
        const answer = value as Record<string, unknown>;
        if (answer.id !== routerId || answer.subnet_id !== subnetId || typeof answer.port_id !== 'string') {
          throw new Error(`add_router_interface: expected router ${routerId} on subnet ${subnetId} with a port: ${JSON.stringify(value)}`);
        }
        return ms;
      })),
    );
  }

  // 3. Floating IPs on an external flat network, unassociated (no router
  // gateway needed). Every address must be distinct across both modes.
  const external = await createExternalNetwork(client);
  const floatingAddresses = new Set<string>();
  for (const { mode, concurrency } of modes(plan)) {
    progress(`${mode}: ${plan.floatingIpsPerMode} floating IP creates`);
    results.push(
      result('floating IP create', mode, await phase(plan.floatingIpsPerMode, concurrency, async () => {
        const { value, ms } = await client.call('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: external.networkId } });
        const fip = record(value, 'floatingip', 'floating IP create');
        const address = stringField(fip, 'floating_ip_address', 'floating IP create');
        if (fip.floating_network_id !== external.networkId || !address.startsWith(external.addressPrefix)) {
          throw new Error(`floating IP create: expected an address in ${external.cidr}: ${JSON.stringify(fip)}`);
        }
        if (floatingAddresses.has(address)) throw new Error(`floating IP create: ${address} handed out twice`);
        floatingAddresses.add(address);
        return ms;
      })),
    );
  }

  // 4. Which agents host a router, and in what HA state. Every second router,
  // so routers from both create phases are checked to be on all three hosts.
  progress(`${SEQUENTIAL}: ${plan.l3AgentLists} GET l3-agents`);
  results.push(
    result('GET l3-agents', SEQUENTIAL, await phase(plan.l3AgentLists, 1, async (i) => {
      const routerId = element(routerIds, (2 * i) % totalRouters, 'router');
      const { value, ms } = await client.call('GET', `/v2.0/routers/${routerId}/l3-agents`);
      checkL3Agents(routerId, listOf(value, 'agents', 'l3-agents'), plan.hosts);
      return ms;
    })),
  );

  // 5. Change → notification, on router 0 (its interface gives the routes a valid nexthop).
  progress(`${SEQUENTIAL}: ${plan.watchChanges} router changes → watch events`);
  const watched = interfaceCidr(0);
  results.push(
    result('router change → watch event', SEQUENTIAL, await watchPhase(client, await hooks.openWatch(), element(routerIds, 0, 'router'), watched.nexthop, plan.watchChanges, progress)),
  );
  return results;
}

function element(items: readonly (string | undefined)[], i: number, what: string): string {
  const value = items[i];
  if (value === undefined) throw new Error(`${what} ${i} was not created`);
  return value;
}

async function createExternalNetwork(client: ApiClient): Promise<{ networkId: string; cidr: string; addressPrefix: string }> {
  const network = {
    name: 'bench-external',
    'router:external': true,
    'provider:network_type': 'flat',
    'provider:physical_network': 'physnet1',
  };
  const networkId = idOf((await client.call('POST', '/v2.0/networks', { network })).value, 'network', 'external network');
  const cidr = '172.24.0.0/16';
  await client.call('POST', '/v2.0/subnets', { subnet: { network_id: networkId, cidr, ip_version: 4, enable_dhcp: false } });
  return { networkId, cidr, addressPrefix: '172.24.' };
}

/** An HA router must be on one L3 agent per host, each alive and with a known HA state. */
function checkL3Agents(routerId: string, agents: readonly Record<string, unknown>[], hosts: readonly string[]): void {
  const seen = agents.map((a) => a.host).sort();
  const states = agents.map((a) => a.ha_state);
  const expected = [...hosts].sort();
  const ok =
    JSON.stringify(seen) === JSON.stringify(expected) &&
    agents.every((a) => a.agent_type === 'L3 agent' && a.alive === true) &&
    states.every((s) => s === 'active' || s === 'standby');
  if (!ok) throw new Error(`l3-agents of ${routerId}: expected alive L3 agents on ${expected.join(', ')}: ${JSON.stringify(agents).slice(0, 1000)}`);
}

/** Routes compared by value: the server stores them as jsonb, which does not keep key order. */
function routeKeys(routes: unknown): string {
  if (!Array.isArray(routes)) return `not a list: ${JSON.stringify(routes)}`;
  return routes
    .map((r: { destination?: unknown; nexthop?: unknown }) => `${String(r.destination)} via ${String(r.nexthop)}`)
    .sort()
    .join(', ');
}

/**
 * Waits for the stream's first "changed" (sent at once on connect), then
 * changes the router's routes `changes` times, alternating two route sets so
 * every PUT really changes the row, and times each from just before the PUT
 * to the arrival of the next "changed". Events left over before a change are
 * dropped and events during the settle pause counted: neither is credited.
 * The phase's wall time leaves the settle pauses out, so req/s is changes
 * per second of change → event time, not of deliberate waiting.
 */
async function watchPhase(
  client: ApiClient,
  watch: WatchStream,
  routerId: string,
  nexthop: string,
  changes: number,
  progress: (what: string) => void,
): Promise<Phase> {
  const routeSets = [
    [{ destination: '10.250.0.0/16', nexthop }],
    [{ destination: '10.251.0.0/16', nexthop }],
  ];
  let extraEvents = 0;
  let settledMs = 0;
  // The PUT's own latency, to tell the server's notification delay from the write's.
  const putMs: number[] = [];
  try {
    await watch.nextChanged(WATCH_TIMEOUT_MS);
    const p = await phase(changes, 1, async (i) => {
      extraEvents += watch.drain();
      const routes = routeSets[i % 2];
      const started = performance.now();
      const [answer, arrived] = await Promise.all([
        client.call('PUT', `/v2.0/routers/${routerId}`, { router: { routes } }),
        watch.nextChanged(WATCH_TIMEOUT_MS),
      ]);
      const shown = record(answer.value, 'router', 'router update').routes;
      if (routeKeys(shown) !== routeKeys(routes)) throw new Error(`router update: routes ${JSON.stringify(shown)}, expected ${JSON.stringify(routes)}`);
      putMs.push(answer.ms);
      const settleStart = performance.now();
      await new Promise((resolve) => setTimeout(resolve, WATCH_SETTLE_MS));
      settledMs += performance.now() - settleStart;
      return arrived - started;
    });
    extraEvents += watch.drain();
    const put = summarize(putMs, p.wallMs);
    progress(`watch: the PUTs alone took p50 ${put.p50.toFixed(2)} ms, p99 ${put.p99.toFixed(2)} ms; ${extraEvents} events beyond one per change, ${watch.pings} pings (ignored)`);
    return { latenciesMs: p.latenciesMs, wallMs: p.wallMs - settledMs };
  } finally {
    watch.close();
  }
}
