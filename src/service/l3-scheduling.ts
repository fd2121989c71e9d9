// Where routers run: the binding of routers to L3 agents, with everything an
// HA replica needs (the project's HA network, the router's VRID, one HA port
// per replica), and the repairs: top-up of under-replicated routers and the
// replacement of replicas on agents dead for too long. Placement itself is
// the pure scheduler/choose-agents.ts.
import { AGENT_ROLES } from '../domain/agent.js';
import { HANotEnoughAvailableAgents, InvalidL3Agent, RouterHostedByL3Agent, RouterNotHostedByL3Agent } from '../domain/errors.js';
import { DEVICE_OWNER } from '../domain/router.js';
import { pickVrid } from '../domain/vrid.js';
import { type Candidate, chooseAgents, wantedReplicas } from '../scheduler/choose-agents.js';
import { sql } from 'kysely';
import { lockAllocation, type Tx } from '../db/transact.js';
import type { AgentService } from './agents.js';
import { SYSTEM_CONTEXT } from './context.js';
import type { ServiceDeps } from './deps.js';
import type { NetworkService } from './networks.js';
import type { PortService } from './ports.js';
import type { SubnetService } from './subnets.js';

export interface L3Settings {
  readonly l3_ha_net_cidr: string;
  readonly max_l3_agents_per_router: number;
  readonly min_l3_agents_per_router: number;
  readonly agent_down_time: number;
  readonly ha_replace_dead_agent_after: number;
}

export interface SchedulableRouter {
  readonly id: string;
  readonly project_id: string;
  readonly ha: boolean;
}

export interface L3SchedulingDeps {
  readonly deps: ServiceDeps & { config: L3Settings };
  readonly agents: AgentService;
  readonly networks: NetworkService;
  readonly subnets: SubnetService;
  readonly ports: PortService;
}

const L3_AGENT_TYPE = AGENT_ROLES.l3.agent_type;

export class L3Scheduling {
  readonly #d: L3SchedulingDeps;

  constructor(d: L3SchedulingDeps) {
    this.#d = d;
  }

  get #config(): L3Settings {
    return this.#d.deps.config;
  }

  /** Every L3 agent with its load (routers hosted) and liveness. */
  async candidates(tx: Tx): Promise<Candidate[]> {
    return this.#d.agents.candidates(tx, L3_AGENT_TYPE, 'l3_bindings');
  }


  /**
   * Places a new (or newly converted) router: an HA router on
   * max_l3_agents_per_router agents, refusing with nothing created when
   * fewer than min_l3_agents_per_router are available; a legacy router on one.
   */
  async scheduleNew(tx: Tx, router: SchedulableRouter): Promise<void> {
    const candidates = await this.candidates(tx);
    const eligible = candidates.filter((c) => c.alive && c.adminStateUp);
    if (!router.ha) {
      await this.bindAll(tx, router, chooseAgents(candidates, 1));
      return;
    }
    const minimum = this.#config.min_l3_agents_per_router;
    if (minimum > 0 && eligible.length < minimum) throw new HANotEnoughAvailableAgents(minimum, eligible.length);
    const count = wantedReplicas(this.#config.max_l3_agents_per_router, eligible.length);
    await this.bindAll(tx, router, chooseAgents(candidates, count));
  }

  /**
   * Binds the router to agents; each HA replica gets its HA port on the
   * project's HA network. The HA network and VRID are settled once and the
   * HA ports written together: a create runs a third of the statements.
   */
  async bindAll(tx: Tx, router: SchedulableRouter, agents: readonly { id: string; host: string }[]): Promise<void> {
    if (agents.length === 0) return;
    const haNetworkId = router.ha ? await this.#ensureVrid(tx, router) : undefined;
    const haPorts = haNetworkId
      ? await this.#d.ports.insertManyInTx(
          tx,
          SYSTEM_CONTEXT,
          agents.map((agent) => ({
            network_id: haNetworkId,
            name: `HA port tenant ${router.project_id}`,
            device_owner: DEVICE_OWNER.haPort,
            device_id: router.id,
            'binding:host_id': agent.host,
            project_id: '',
          })),
        )
      : [];
    // The router's ports and its bindings in one statement: statements are round trips into PGlite.
    const now = this.#d.deps.clock();
    const bindings = agents.map((agent, i) => ({ router_id: router.id, agent_id: agent.id, ha_port_id: haPorts[i]?.id ?? null, created_at: now }));
    if (haPorts.length === 0) {
      await tx.insertInto('l3_bindings').values(bindings).execute();
      return;
    }
    await tx
      .with('ha_ports', (db) => db.insertInto('router_ports').values(haPorts.map((p) => ({ port_id: p.id, router_id: router.id, port_type: 'ha' as const }))))
      .insertInto('l3_bindings')
      .values(bindings)
      .execute();
  }

  async unbind(tx: Tx, routerId: string, agentId: string): Promise<void> {
    const binding = await tx.deleteFrom('l3_bindings').where('router_id', '=', routerId).where('agent_id', '=', agentId).returning('ha_port_id').executeTakeFirst();
    if (binding?.ha_port_id) await tx.deleteFrom('ports').where('id', '=', binding.ha_port_id).execute();
  }

  /** Removes every replica and the HA allocations (router delete, HA conversion). */
  async unscheduleAll(tx: Tx, router: SchedulableRouter): Promise<void> {
    const bindings = await tx.selectFrom('l3_bindings').select('agent_id').where('router_id', '=', router.id).execute();
    for (const b of bindings) await this.unbind(tx, router.id, b.agent_id);
    await tx.deleteFrom('ha_vrids').where('router_id', '=', router.id).execute();
    await this.#releaseHaNetworkIfUnused(tx, router.project_id);
  }

  /** `POST /agents/{id}/l3-routers`: manual scheduling, which ignores max_l3_agents_per_router. */
  async addToAgent(tx: Tx, router: SchedulableRouter, agentId: string): Promise<void> {
    const agent = await tx.selectFrom('agents').select(['id', 'host', 'agent_type', 'admin_state_up']).where('id', '=', agentId).executeTakeFirst();
    if (!agent || agent.agent_type !== L3_AGENT_TYPE || !agent.admin_state_up) throw new InvalidL3Agent(agentId);
    const bindings = await tx.selectFrom('l3_bindings').select('agent_id').where('router_id', '=', router.id).execute();
    if (bindings.some((b) => b.agent_id === agentId)) throw new RouterHostedByL3Agent(router.id, agentId);
    // A legacy router lives on one agent only.
    if (!router.ha && bindings.length > 0) throw new RouterHostedByL3Agent(router.id, bindings[0]!.agent_id);
    await this.bindAll(tx, router, [agent]);
  }

  async removeFromAgent(tx: Tx, routerId: string, agentId: string): Promise<void> {
    const bound = await tx.selectFrom('l3_bindings').select('agent_id').where('router_id', '=', routerId).where('agent_id', '=', agentId).executeTakeFirst();
    if (!bound) throw new RouterNotHostedByL3Agent(routerId, agentId);
    await this.unbind(tx, routerId, agentId);
  }

  /**
   * Gives routers with fewer replicas than wanted more of them, on eligible
   * agents that do not host them yet (run when an L3 agent registers or comes
   * back). Bindings on dead agents still count: replacing
   * them is replaceDead's job, after ha_replace_dead_agent_after.
   */
  async topUp(tx: Tx): Promise<number> {
    const candidates = await this.candidates(tx);
    const eligible = candidates.filter((c) => c.alive && c.adminStateUp).length;
    if (eligible === 0) return 0;
    const routers = await tx
      .selectFrom('routers')
      .leftJoin('l3_bindings', 'l3_bindings.router_id', 'routers.id')
      .select((eb) => ['routers.id', 'routers.project_id', 'routers.ha', eb.fn.count<number>('l3_bindings.agent_id').as('replicas')])
      .groupBy(['routers.id', 'routers.project_id', 'routers.ha'])
      .execute();
    let added = 0;
    for (const router of routers) {
      const wanted = router.ha ? wantedReplicas(this.#config.max_l3_agents_per_router, Math.max(eligible, Number(router.replicas))) : 1;
      const missing = wanted - Number(router.replicas);
      if (missing <= 0) continue;
      const hosting = new Set((await tx.selectFrom('l3_bindings').select('agent_id').where('router_id', '=', router.id).execute()).map((b) => b.agent_id));
      const chosen = chooseAgents(candidates, missing, hosting);
      await this.bindAll(tx, router, chosen);
      added += chosen.length;
    }
    return added;
  }

  /** Moves replicas off agents dead for longer than ha_replace_dead_agent_after, where another agent can take them. */
  async replaceDead(tx: Tx): Promise<number> {
    const after = this.#config.ha_replace_dead_agent_after;
    if (after <= 0) return 0;
    const dead = await this.#d.agents.deadSince(tx, new Date(this.#d.deps.clock().getTime() - (this.#config.agent_down_time + after) * 1000));
    if (dead.length === 0) return 0;
    const stale = await tx
      .selectFrom('l3_bindings')
      .innerJoin('routers', 'routers.id', 'l3_bindings.router_id')
      .select(['l3_bindings.agent_id', 'routers.id', 'routers.project_id', 'routers.ha'])
      .where('l3_bindings.agent_id', 'in', dead)
      .execute();
    let moved = 0;
    for (const binding of stale) {
      const candidates = await this.candidates(tx);
      const hosting = new Set((await tx.selectFrom('l3_bindings').select('agent_id').where('router_id', '=', binding.id).execute()).map((b) => b.agent_id));
      const [replacement] = chooseAgents(candidates, 1, hosting);
      if (!replacement) continue;
      await this.unbind(tx, binding.id, binding.agent_id);
      await this.bindAll(tx, binding, [replacement]);
      moved++;
    }
    return moved;
  }

  /** The project's HA network, made with its subnet on first use. */
  async #ensureHaNetwork(tx: Tx, projectId: string): Promise<string> {
    const find = () => tx.selectFrom('ha_networks').select('network_id').where('project_id', '=', projectId).executeTakeFirst();
    const known = await find();
    if (known) return known.network_id;
    // Only the creation is serialised, so routers of a project with an HA network never wait for each other here.
    await lockAllocation(tx, `ha-network:${projectId}`);
    const existing = await find();
    if (existing) return existing.network_id;
    const network = await this.#d.networks.insertInTx(tx, SYSTEM_CONTEXT, { name: `HA network tenant ${projectId}`, project_id: '' });
    await this.#d.subnets.insertInTx(tx, SYSTEM_CONTEXT, {
      network_id: network.id,
      name: `HA subnet tenant ${projectId}`,
      ip_version: 4,
      cidr: this.#config.l3_ha_net_cidr,
      enable_dhcp: false,
      gateway_ip: null,
      project_id: '',
    });
    await tx.insertInto('ha_networks').values({ project_id: projectId, network_id: network.id }).execute();
    return network.id;
  }

  /** The router's VRID on its project's HA network; returns that network. */
  async #ensureVrid(tx: Tx, router: SchedulableRouter): Promise<string> {
    const networkId = await this.#ensureHaNetwork(tx, router.project_id);
    // One JSON value, not a row per router of the project (see db/json-rows.ts).
    const { vrids, mine } = await tx
      .selectFrom('ha_vrids')
      .select([sql<string>`coalesce(json_agg(vr_id), '[]')::text`.as('vrids'), sql<boolean | null>`bool_or(router_id = ${router.id})`.as('mine')])
      .where('network_id', '=', networkId)
      .executeTakeFirstOrThrow();
    if (mine) return networkId;
    // No lock: two concurrent creates rarely pick the same random VRID, and
    // when they do the unique index refuses one and transact() retries it.
    const vrId = pickVrid(new Set(JSON.parse(vrids) as number[]), (n) => Math.floor(Math.random() * n));
    await tx.insertInto('ha_vrids').values({ network_id: networkId, vr_id: vrId, router_id: router.id }).execute();
    return networkId;
  }

  /** The HA network goes away with the project's last HA router. */
  async #releaseHaNetworkIfUnused(tx: Tx, projectId: string): Promise<void> {
    const ha = await tx.selectFrom('ha_networks').select('network_id').where('project_id', '=', projectId).executeTakeFirst();
    if (!ha) return;
    const inUse = await tx.selectFrom('ha_vrids').select('router_id').where('network_id', '=', ha.network_id).executeTakeFirst();
    if (inUse) return;
    await tx.deleteFrom('ports').where('network_id', '=', ha.network_id).execute();
    await tx.deleteFrom('subnets').where('network_id', '=', ha.network_id).execute();
    await tx.deleteFrom('networks').where('id', '=', ha.network_id).execute();
  }
}
