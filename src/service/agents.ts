// Agents: registration and heartbeats over the agent protocol, and the
// admin API (list, show, update admin_state_up/description, delete).
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { AGENT_ROLES, type AgentRole, type AgentView, formatAgentTime, isAgentAlive } from '../domain/agent.js';
import { AgentNotFound } from '../domain/errors.js';
import { dhcpDeviceId } from '../domain/uuid5.js';
import type { Attrs } from '../domain/resource-spec.js';
import type { AgentsTable } from '../db/schema.js';
import type { Candidate } from '../scheduler/choose-agents.js';
import { transact, type Tx } from '../db/transact.js';
import type { RequestContext } from './context.js';
import type { Filters, ServiceDeps } from './deps.js';
import { applySqlFilters } from './sql-filters.js';

export type AgentRow = Selectable<AgentsTable>;

const SQL_FILTER_COLUMNS = { id: 'id', host: 'host', agent_type: 'agent_type', binary: 'binary' } as const;

export interface RoleReport {
  readonly role: AgentRole;
  readonly configurations: Readonly<Record<string, unknown>>;
}

export interface ReportResult {
  readonly agents: readonly { role: AgentRole; id: string; agent_type: string }[];
  /** Roles that are new or were dead until this report: they need scheduling. */
  readonly revived: readonly AgentRole[];
}

/** Settings liveness depends on. */
export interface AgentSettings {
  readonly agent_down_time: number;
}

export class AgentService {
  readonly #deps: ServiceDeps & { config: AgentSettings };

  constructor(deps: ServiceDeps & { config: AgentSettings }) {
    this.#deps = deps;
  }

  /**
   * The agents whose last heartbeat is older than `since`. The periodic
   * repairs ask this first: the agents table is small, the bindings have a
   * row per replica, and on most runs no agent is dead.
   */
  async deadSince(tx: Tx, since: Date): Promise<string[]> {
    return (await tx.selectFrom('agents').select('id').where('heartbeat_at', '<', since).execute()).map((a) => a.id);
  }

  /**
   * Every agent of a type as a scheduling candidate: liveness, and load as the
   * number of its rows in `bindings` (routers or networks it hosts), counted
   * per agent by index: cheaper than joining every binding and grouping.
   */
  async candidates(tx: Tx, agentType: string, bindings: 'l3_bindings' | 'dhcp_bindings'): Promise<Candidate[]> {
    const rows = await tx
      .selectFrom('agents')
      .select((eb) => [
        'agents.id',
        'agents.host',
        'agents.admin_state_up',
        'agents.heartbeat_at',
        eb.selectFrom(bindings).select(eb.fn.countAll<number>().as('n')).whereRef(`${bindings}.agent_id`, '=', 'agents.id').as('load'),
      ])
      .where('agents.agent_type', '=', agentType)
      .execute();
    const now = this.#deps.clock();
    return rows.map((r) => ({ id: r.id, host: r.host, adminStateUp: r.admin_state_up, alive: this.isAlive(r, now), load: Number(r.load) }));
  }

  isAlive(row: Pick<AgentRow, 'heartbeat_at'>, now = this.#deps.clock()): boolean {
    return isAgentAlive(row.heartbeat_at, now, this.#deps.config.agent_down_time);
  }

  view(row: AgentRow, now = this.#deps.clock()): AgentView {
    return {
      id: row.id,
      agent_type: row.agent_type,
      binary: row.binary,
      topic: row.topic,
      host: row.host,
      admin_state_up: row.admin_state_up,
      alive: this.isAlive(row, now),
      availability_zone: row.availability_zone,
      configurations: row.configurations,
      description: row.description,
      created_at: formatAgentTime(row.created_at),
      started_at: formatAgentTime(row.started_at),
      heartbeat_timestamp: formatAgentTime(row.heartbeat_at),
      resources_synced: null,
    };
  }

  async list(_ctx: RequestContext, filters: Filters): Promise<AgentView[]> {
    const rows = await applySqlFilters(this.#deps.db.selectFrom('agents').selectAll(), filters, SQL_FILTER_COLUMNS)
      .orderBy('host')
      .orderBy('agent_type')
      .execute();
    const now = this.#deps.clock();
    return rows.map((r) => this.view(r, now));
  }

  async get(_ctx: RequestContext, id: string): Promise<AgentView> {
    return this.view(await this.row(this.#deps.db, id));
  }

  async row(db: Tx | ServiceDeps['db'], id: string): Promise<AgentRow> {
    const row = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AgentNotFound(id);
    return row;
  }

  async update(_ctx: RequestContext, id: string, attrs: Attrs): Promise<AgentView> {
    return transact(this.#deps.db, async (tx) => {
      await this.row(tx, id);
      const row = await tx
        .updateTable('agents')
        .set({
          ...(attrs.admin_state_up !== undefined && { admin_state_up: attrs.admin_state_up as boolean }),
          ...(attrs.description !== undefined && { description: attrs.description as string }),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return this.view(row);
    });
  }

  /** Deleting an agent drops its bindings with the ports they own (HA ports, DHCP ports). */
  async remove(_ctx: RequestContext, id: string): Promise<void> {
    await transact(this.#deps.db, async (tx) => {
      const agent = await this.row(tx, id);
      const haPorts = await tx.selectFrom('l3_bindings').select('ha_port_id').where('agent_id', '=', id).execute();
      const dhcpNetworks = await tx.selectFrom('dhcp_bindings').select('network_id').where('agent_id', '=', id).execute();
      await tx.deleteFrom('agents').where('id', '=', id).execute();
      const ids = haPorts.map((p) => p.ha_port_id).filter((p): p is string => p !== null);
      if (ids.length > 0) await tx.deleteFrom('ports').where('id', 'in', ids).execute();
      for (const { network_id } of dhcpNetworks) {
        await tx.deleteFrom('ports').where('network_id', '=', network_id).where('device_id', '=', dhcpDeviceId(agent.host, network_id)).execute();
      }
    });
  }

  /**
   * Registers or heartbeats every role of one host. `startFlag` is sent on
   * the agent's first report after it started, which resets started_at.
   */
  async report(tx: Tx, host: string, roles: readonly RoleReport[], startFlag: boolean): Promise<ReportResult> {
    const now = this.#deps.clock();
    const agents: { role: AgentRole; id: string; agent_type: string }[] = [];
    const revived: AgentRole[] = [];
    for (const { role, configurations } of roles) {
      const kind = AGENT_ROLES[role];
      const existing = await tx
        .selectFrom('agents')
        .selectAll()
        .where('agent_type', '=', kind.agent_type)
        .where('host', '=', host)
        .forUpdate()
        .executeTakeFirst();
      if (!existing) {
        const id = randomUUID();
        await tx
          .insertInto('agents')
          .values({
            id,
            agent_type: kind.agent_type,
            binary: kind.binary,
            topic: kind.topic,
            host,
            admin_state_up: true,
            availability_zone: kind.availability_zone,
            configurations: JSON.stringify(configurations),
            created_at: now,
            started_at: now,
            heartbeat_at: now,
          })
          .execute();
        agents.push({ role, id, agent_type: kind.agent_type });
        revived.push(role);
        continue;
      }
      if (!this.isAlive(existing, now)) revived.push(role);
      await tx
        .updateTable('agents')
        .set({ heartbeat_at: now, configurations: JSON.stringify(configurations), ...(startFlag && { started_at: now }) })
        .where('id', '=', existing.id)
        .execute();
      agents.push({ role, id: existing.id, agent_type: kind.agent_type });
    }
    return { agents, revived };
  }
}
