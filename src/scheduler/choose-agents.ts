// Pure placement: which agents get a router or a network. Neutron's
// LeastRouters/WeightScheduler choice: the least loaded eligible agents,
// ties broken by host name so that placement is repeatable.

export interface Candidate {
  readonly id: string;
  readonly host: string;
  readonly alive: boolean;
  readonly adminStateUp: boolean;
  /** Routers (or networks) the agent hosts now. */
  readonly load: number;
}

/** Up to `count` alive, admin-up candidates not in `exclude`, least loaded first. */
export function chooseAgents(candidates: readonly Candidate[], count: number, exclude: ReadonlySet<string> = new Set()): Candidate[] {
  if (count <= 0) return [];
  return candidates
    .filter((c) => c.alive && c.adminStateUp && !exclude.has(c.id))
    .sort((a, b) => a.load - b.load || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))
    .slice(0, count);
}

/** max_l3_agents_per_router = 0 means "every eligible agent". */
export function wantedReplicas(maxPerRouter: number, eligible: number): number {
  return maxPerRouter === 0 ? eligible : Math.min(maxPerRouter, eligible);
}
