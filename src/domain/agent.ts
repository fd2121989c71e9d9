// Agents: the roles a node runs, their API view, and liveness.
import { toBoolean, toStr } from './attributes.js';
import type { ResourceSpec } from './resource-spec.js';

export type AgentRole = 'l3' | 'dhcp' | 'l2';

/** What each role is called in the API, as Neutron names its agents. */
export const AGENT_ROLES: Readonly<Record<AgentRole, { agent_type: string; binary: string; topic: string; availability_zone: string | null }>> = {
  l3: { agent_type: 'L3 agent', binary: 'hanet-l3-agent', topic: 'l3_agent', availability_zone: 'nova' },
  dhcp: { agent_type: 'DHCP agent', binary: 'hanet-dhcp-agent', topic: 'dhcp_agent', availability_zone: 'nova' },
  l2: { agent_type: 'Linux bridge agent', binary: 'hanet-linuxbridge-agent', topic: 'N/A', availability_zone: null },
};

export const AGENT_SPEC: ResourceSpec = {
  singular: 'agent',
  plural: 'agents',
  attributes: {
    id: {},
    agent_type: {},
    binary: {},
    topic: {},
    host: {},
    admin_state_up: { put: true, convert: toBoolean },
    description: { put: true, convert: toStr(255) },
    alive: {},
    availability_zone: {},
    configurations: {},
    created_at: {},
    started_at: {},
    heartbeat_timestamp: {},
    resources_synced: {},
  },
};

export interface AgentView {
  readonly id: string;
  readonly agent_type: string;
  readonly binary: string;
  readonly topic: string;
  readonly host: string;
  readonly admin_state_up: boolean;
  readonly alive: boolean;
  readonly availability_zone: string | null;
  readonly configurations: Readonly<Record<string, unknown>>;
  readonly description: string;
  readonly created_at: string;
  readonly started_at: string;
  readonly heartbeat_timestamp: string;
  readonly resources_synced: null;
}

/** Neutron prints agent times as "2018-04-08 07:32:42" (UTC, no T, no zone). */
export function formatAgentTime(value: Date | string): string {
  return new Date(value).toISOString().slice(0, 19).replace('T', ' ');
}

/** An agent is alive while its last heartbeat is younger than agent_down_time. */
export function isAgentAlive(heartbeat: Date | string, now: Date, agentDownTimeSeconds: number): boolean {
  return now.getTime() - new Date(heartbeat).getTime() < agentDownTimeSeconds * 1000;
}
