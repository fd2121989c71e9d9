// The columns of each list command, and the cells neutronclient formats
// itself (its _formatters), as the seeds' transcripts show them. Pure.
import { jsonLines, type ListShape, pythonJson } from './format.js';

type Row = Readonly<Record<string, unknown>>;

/** net-list: each subnet as "<id> <cidr>" on a line (the command puts {id, cidr} objects in `subnets`). */
export const NET_LIST: ListShape = {
  columns: ['id', 'name', 'subnets'],
  cells: {
    subnets: (row: Row) => ((row.subnets as readonly { id: string; cidr?: string }[] | undefined) ?? []).map((s) => `${s.id} ${s.cidr ?? ''}`).join('\n'),
  },
};

export const SUBNET_LIST: ListShape = {
  columns: ['id', 'name', 'cidr', 'allocation_pools'],
  cells: {
    allocation_pools: (row: Row) => jsonLines(row.allocation_pools),
    dns_nameservers: (row: Row) => jsonLines(row.dns_nameservers),
    host_routes: (row: Row) => jsonLines(row.host_routes),
  },
};

/** port-list and router-port-list. */
export const PORT_LIST: ListShape = {
  columns: ['id', 'name', 'mac_address', 'fixed_ips'],
  cells: { fixed_ips: (row: Row) => jsonLines(row.fixed_ips) },
};

/** neutronclient dumps the gateway as JSON even when there is none: "null". */
export const ROUTER_LIST: ListShape = {
  columns: ['id', 'name', 'external_gateway_info', 'distributed', 'ha'],
  cells: { external_gateway_info: (row: Row) => pythonJson(row.external_gateway_info) },
};

export const FLOATINGIP_LIST: ListShape = { columns: ['id', 'fixed_ip_address', 'floating_ip_address', 'port_id'] };

/** agent-list in the seeds' columns (newer neutronclients added availability_zone and binary). */
export const AGENT_LIST: ListShape = { columns: ['id', 'agent_type', 'host', 'alive', 'admin_state_up'] };

/** l3-agent-list-hosting-router: ha_state only when the server reports one, as for HA routers. */
export function l3AgentsHostingRouter(agents: readonly Row[]): ListShape {
  return { columns: ['id', 'host', 'admin_state_up', 'alive', ...(agents.some((a) => a.ha_state != null) ? ['ha_state'] : [])] };
}

export const DHCP_AGENTS_HOSTING_NET: ListShape = { columns: ['id', 'host', 'admin_state_up', 'alive'] };

/** neutronclient replaces `alive` by a face before formatting, so JSON output shows the face too. */
export function withAliveFaces<R extends Record<string, unknown>>(agents: R[]): R[] {
  for (const agent of agents) if ('alive' in agent) (agent as Record<string, unknown>).alive = agent.alive ? ':-)' : 'xxx';
  return agents;
}
