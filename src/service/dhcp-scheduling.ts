// Which DHCP agents serve which networks: a network with a DHCP-enabled
// subnet gets dhcp_agents_per_network agents, each with its own DHCP port;
// networks move off agents dead for longer than dhcp_failover_after.
import { AGENT_ROLES } from '../domain/agent.js';
import { InvalidDHCPAgent, NetworkHostedByDHCPAgent, NetworkNotFound, NetworkNotHostedByDhcpAgent } from '../domain/errors.js';
import { DEVICE_OWNER } from '../domain/router.js';
import { dhcpDeviceId } from '../domain/uuid5.js';
import { type Candidate, chooseAgents } from '../scheduler/choose-agents.js';
import { transact, type Tx } from '../db/transact.js';
import type { AgentService } from './agents.js';
import { SYSTEM_CONTEXT } from './context.js';
import type { ServiceDeps } from './deps.js';
import type { PortService } from './ports.js';

export interface DhcpSettings {
  readonly dhcp_agents_per_network: number;
  readonly agent_down_time: number;
  readonly dhcp_failover_after: number;
}

const DHCP_AGENT_TYPE = AGENT_ROLES.dhcp.agent_type;
export class DhcpScheduling {
  readonly #deps: ServiceDeps & { config: DhcpSettings };
  readonly #agents: AgentService;
  readonly #ports: PortService;

  constructor(deps: ServiceDeps & { config: DhcpSettings }, agents: AgentService, ports: PortService) {
    this.#deps = deps;
    this.#agents = agents;
    this.#ports = ports;
  }

  async candidates(tx: Tx): Promise<Candidate[]> {
    return this.#agents.candidates(tx, DHCP_AGENT_TYPE, 'dhcp_bindings');
  }


  async #dhcpSubnets(tx: Tx, networkId: string): Promise<string[]> {
    const rows = await tx.selectFrom('subnets').select('id').where('network_id', '=', networkId).where('enable_dhcp', '=', true).orderBy('created_at').execute();
    return rows.map((r) => r.id);
  }

  /**
   * Gives a network with DHCP-enabled subnets its agents, and every serving
   * agent's DHCP port an address on each of those subnets. Called when
   * subnets change, when DHCP agents register or come back, and after failover.
   */
  async scheduleNetwork(tx: Tx, networkId: string, candidates?: Candidate[]): Promise<void> {
    const subnets = await this.#dhcpSubnets(tx, networkId);
    if (subnets.length === 0) return;
    const bound = await tx
      .selectFrom('dhcp_bindings')
      .innerJoin('agents', 'agents.id', 'dhcp_bindings.agent_id')
      .select(['agents.id', 'agents.host'])
      .where('dhcp_bindings.network_id', '=', networkId)
      .execute();
    for (const agent of bound) await this.#ensurePort(tx, networkId, agent.host, subnets);
    const missing = this.#deps.config.dhcp_agents_per_network - bound.length;
    if (missing <= 0) return;
    const chosen = chooseAgents(candidates ?? (await this.candidates(tx)), missing, new Set(bound.map((b) => b.id)));
    for (const agent of chosen) await this.#bind(tx, networkId, agent, subnets);
  }

  async #bind(tx: Tx, networkId: string, agent: { id: string; host: string }, subnets: readonly string[]): Promise<void> {
    await tx.insertInto('dhcp_bindings').values({ network_id: networkId, agent_id: agent.id, created_at: this.#deps.clock() }).execute();
    await this.#ensurePort(tx, networkId, agent.host, subnets);
  }

  /** The agent's DHCP port on the network, with one address on each DHCP subnet (.2, .3, .4 … as in the seed). */
  async #ensurePort(tx: Tx, networkId: string, host: string, subnets: readonly string[]): Promise<void> {
    const deviceId = dhcpDeviceId(host, networkId);
    const existing = await tx.selectFrom('ports').select('id').where('network_id', '=', networkId).where('device_id', '=', deviceId).executeTakeFirst();
    if (!existing) {
      const network = await tx.selectFrom('networks').select('project_id').where('id', '=', networkId).executeTakeFirstOrThrow();
      await this.#ports.insertInTx(tx, SYSTEM_CONTEXT, {
        network_id: networkId,
        device_owner: DEVICE_OWNER.dhcp,
        device_id: deviceId,
        'binding:host_id': host,
        project_id: network.project_id,
        fixed_ips: subnets.map((subnet_id) => ({ subnet_id })),
      });
      return;
    }
    const has = await tx.selectFrom('ip_allocations').select('subnet_id').where('port_id', '=', existing.id).execute();
    const lacking = subnets.filter((s) => !has.some((h) => h.subnet_id === s));
    if (lacking.length > 0) {
      await this.#ports.updateInTx(tx, existing.id, { fixed_ips: [...has.map((h) => ({ subnet_id: h.subnet_id })), ...lacking.map((subnet_id) => ({ subnet_id }))] });
    }
  }

  async #unbind(tx: Tx, networkId: string, agent: { id: string; host: string }): Promise<void> {
    await tx.deleteFrom('dhcp_bindings').where('network_id', '=', networkId).where('agent_id', '=', agent.id).execute();
    await tx.deleteFrom('ports').where('network_id', '=', networkId).where('device_id', '=', dhcpDeviceId(agent.host, networkId)).execute();
  }

  /** Networks with DHCP subnets and fewer agents than wanted get more (a DHCP agent registered or came back). */
  async scheduleUnserved(tx: Tx): Promise<void> {
    const networks = await tx
      .selectFrom('subnets')
      .select('network_id')
      .distinct()
      .where('enable_dhcp', '=', true)
      .where('network_id', 'in', (eb) =>
        eb
          .selectFrom('networks')
          .leftJoin('dhcp_bindings', 'dhcp_bindings.network_id', 'networks.id')
          .select('networks.id')
          .groupBy('networks.id')
          .having((h) => h.fn.count('dhcp_bindings.agent_id'), '<', this.#deps.config.dhcp_agents_per_network),
      )
      .execute();
    if (networks.length === 0) return;
    const candidates = await this.candidates(tx);
    for (const n of networks) await this.scheduleNetwork(tx, n.network_id, candidates);
  }

  /** Moves networks off DHCP agents dead for longer than dhcp_failover_after, where an alive agent can take them. */
  async failover(tx: Tx): Promise<number> {
    const after = this.#deps.config.dhcp_failover_after;
    if (after <= 0) return 0;
    const dead = await this.#agents.deadSince(tx, new Date(this.#deps.clock().getTime() - (this.#deps.config.agent_down_time + after) * 1000));
    if (dead.length === 0) return 0;
    const stale = await tx
      .selectFrom('dhcp_bindings')
      .innerJoin('agents', 'agents.id', 'dhcp_bindings.agent_id')
      .select(['dhcp_bindings.network_id', 'agents.id', 'agents.host'])
      .where('agents.id', 'in', dead)
      .execute();
    let moved = 0;
    for (const binding of stale) {
      const candidates = await this.candidates(tx);
      const serving = new Set((await tx.selectFrom('dhcp_bindings').select('agent_id').where('network_id', '=', binding.network_id).execute()).map((b) => b.agent_id));
      if (chooseAgents(candidates, 1, serving).length === 0) continue;
      await this.#unbind(tx, binding.network_id, binding);
      await this.scheduleNetwork(tx, binding.network_id, candidates);
      moved++;
    }
    return moved;
  }

  /** The DHCP agents serving a network (`GET /networks/{id}/dhcp-agents`). */
  async agentIdsOf(networkId: string): Promise<string[]> {
    const rows = await this.#deps.db.selectFrom('dhcp_bindings').select('agent_id').where('network_id', '=', networkId).execute();
    return rows.map((r) => r.agent_id);
  }

  /** The networks a DHCP agent serves (`GET /agents/{id}/dhcp-networks`). */
  async networkIdsOf(agentId: string): Promise<string[]> {
    const rows = await this.#deps.db.selectFrom('dhcp_bindings').select('network_id').where('agent_id', '=', agentId).execute();
    return rows.map((r) => r.network_id);
  }

  /** `POST /agents/{id}/dhcp-networks`. */
  async addNetwork(networkId: string, agentId: string): Promise<void> {
    await transact(this.#deps.db, (tx) => this.#addToAgent(tx, networkId, agentId));
  }

  /** `DELETE /agents/{id}/dhcp-networks/{network}`. */
  async removeNetwork(networkId: string, agentId: string): Promise<void> {
    await transact(this.#deps.db, (tx) => this.#removeFromAgent(tx, networkId, agentId));
  }

  async #addToAgent(tx: Tx, networkId: string, agentId: string): Promise<void> {
    const agent = await tx.selectFrom('agents').select(['id', 'host', 'agent_type', 'admin_state_up']).where('id', '=', agentId).executeTakeFirst();
    if (!agent || agent.agent_type !== DHCP_AGENT_TYPE || !agent.admin_state_up) throw new InvalidDHCPAgent(agentId);
    const network = await tx.selectFrom('networks').select('id').where('id', '=', networkId).executeTakeFirst();
    if (!network) throw new NetworkNotFound(networkId);
    const bound = await tx.selectFrom('dhcp_bindings').select('agent_id').where('network_id', '=', networkId).where('agent_id', '=', agentId).executeTakeFirst();
    if (bound) throw new NetworkHostedByDHCPAgent(networkId, agentId);
    await this.#bind(tx, networkId, agent, await this.#dhcpSubnets(tx, networkId));
  }

  async #removeFromAgent(tx: Tx, networkId: string, agentId: string): Promise<void> {
    const agent = await tx.selectFrom('agents').select(['id', 'host']).where('id', '=', agentId).executeTakeFirst();
    const bound = agent && (await tx.selectFrom('dhcp_bindings').select('agent_id').where('network_id', '=', networkId).where('agent_id', '=', agentId).executeTakeFirst());
    if (!agent || !bound) throw new NetworkNotHostedByDhcpAgent(networkId, agentId);
    await this.#unbind(tx, networkId, agent);
  }
}
