// What agents report back: each replica's HA state (stored per binding; the
// active replica's host also becomes the binding host of the router's
// interface and gateway ports) and the status of the ports they wired.
import { haStateFromReport, isSplitBrain, type HaState } from '../domain/ha-state.js';
import { AGENT_ROLES } from '../domain/agent.js';
import { transact } from '../db/transact.js';
import type { Logger } from '../log.js';
import type { AgentService } from './agents.js';
import type { ServiceDeps } from './deps.js';

export interface SplitBrain {
  readonly router_id: string;
  readonly active_hosts: readonly string[];
}

export class HaReportService {
  readonly #deps: ServiceDeps;
  readonly #agents: AgentService;
  readonly #log: Logger;

  constructor(deps: ServiceDeps, agents: AgentService, log: Logger) {
    this.#deps = deps;
    this.#agents = agents;
    this.#log = log;
  }

  /** Stores a batch of states from one host's L3 agent; unknown routers and words are ignored. */
  async reportStates(host: string, states: Readonly<Record<string, string>>): Promise<number> {
    const updated = await transact(this.#deps.db, async (tx) => {
      const agent = await tx.selectFrom('agents').select('id').where('host', '=', host).where('agent_type', '=', AGENT_ROLES.l3.agent_type).executeTakeFirst();
      if (!agent) return [];
      const changed: string[] = [];
      for (const [routerId, word] of Object.entries(states)) {
        const state = haStateFromReport(word);
        if (!state) continue;
        const res = await tx
          .updateTable('l3_bindings')
          .set({ state })
          .where('router_id', '=', routerId)
          .where('agent_id', '=', agent.id)
          .where('state', '!=', state)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) continue;
        changed.push(routerId);
        if (state === 'active') {
          // The router's own ports now live where its master is.
          const ports = tx.selectFrom('router_ports').select('port_id').where('router_id', '=', routerId).where('port_type', '!=', 'ha');
          await tx.updateTable('ports').set({ binding_host_id: host }).where('id', 'in', ports).execute();
        }
      }
      return changed;
    });
    for (const routerId of updated) {
      const brain = await this.splitBrain(routerId);
      if (brain) this.#log.warn({ router_id: routerId, active_hosts: brain.active_hosts }, 'split brain: several replicas report active');
    }
    return updated.length;
  }

  /** The alive replicas of a router reporting active, when there are several. */
  async splitBrain(routerId: string): Promise<SplitBrain | undefined> {
    const rows = await this.#deps.db
      .selectFrom('l3_bindings')
      .innerJoin('agents', 'agents.id', 'l3_bindings.agent_id')
      .select(['agents.host', 'agents.heartbeat_at', 'l3_bindings.state'])
      .where('l3_bindings.router_id', '=', routerId)
      .execute();
    const now = this.#deps.clock();
    const alive = rows.filter((r) => this.#agents.isAlive(r, now));
    if (!isSplitBrain(alive.map((r) => r.state as HaState))) return undefined;
    return { router_id: routerId, active_hosts: alive.filter((r) => r.state === 'active').map((r) => r.host).sort() };
  }

  /** Every router in split brain now (for the API and the metric). */
  async splitBrains(): Promise<SplitBrain[]> {
    const candidates = await this.#deps.db
      .selectFrom('l3_bindings')
      .select('router_id')
      .where('state', '=', 'active')
      .groupBy('router_id')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    const found: SplitBrain[] = [];
    for (const c of candidates) {
      const brain = await this.splitBrain(c.router_id);
      if (brain) found.push(brain);
    }
    return found;
  }

  /** Marks ports the host wired ACTIVE (or lost, DOWN). Only ports of this host or its routers' and networks' are touched. */
  /**
   * Only ports bound to the reporting host change: an HA router's interface
   * is wired on every replica, but its status is the active replica's.
   */
  async reportPortStatus(host: string, ports: Readonly<Record<string, string>>): Promise<number> {
    let count = 0;
    await transact(this.#deps.db, async (tx) => {
      for (const status of ['ACTIVE', 'DOWN'] as const) {
        const ids = Object.entries(ports).filter(([, s]) => s === status).map(([id]) => id);
        if (ids.length === 0) continue;
        const res = await tx.updateTable('ports').set({ status }).where('id', 'in', ids).where('binding_host_id', '=', host).where('status', '!=', status).executeTakeFirst();
        count += Number(res.numUpdatedRows);
      }
    });
    return count;
  }
}
