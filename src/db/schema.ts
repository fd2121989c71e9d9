// Table types for Kysely. Ids are text (UUIDs as Neutron sends them), so a
// malformed id in a filter is just a miss, never a cast error.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T extends object> = JSONColumnType<T, string, string>;

export interface StandardColumns {
  id: string;
  project_id: string;
  description: string;
  tags: Json<string[]>;
  created_at: Timestamp;
  updated_at: Timestamp;
  revision_number: Generated<number>;
}

export interface NetworksTable extends StandardColumns {
  name: string;
  admin_state_up: boolean;
  status: string;
  shared: boolean;
  router_external: boolean;
  mtu: number;
  network_type: string;
  physical_network: string | null;
  segmentation_id: number | null;
}

export interface SubnetsTable extends StandardColumns {
  network_id: string;
  name: string;
  ip_version: number;
  cidr: string;
  gateway_ip: string | null;
  allocation_pools: Json<{ start: string; end: string }[]>;
  dns_nameservers: Json<string[]>;
  host_routes: Json<{ destination: string; nexthop: string }[]>;
  enable_dhcp: boolean;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
}

export interface PortsTable extends StandardColumns {
  network_id: string;
  name: string;
  admin_state_up: boolean;
  status: string;
  mac_address: string;
  device_id: string;
  device_owner: string;
  binding_host_id: string;
  binding_profile: Json<Record<string, unknown>>;
  binding_vnic_type: string;
  binding_vif_type: string;
  binding_vif_details: Json<Record<string, unknown>>;
}

export interface IpAllocationsTable {
  port_id: string;
  subnet_id: string;
  network_id: string;
  ip_address: string;
  position: Generated<number>;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface AgentsTable {
  id: string;
  agent_type: string;
  binary: string;
  topic: string;
  host: string;
  admin_state_up: boolean;
  availability_zone: string | null;
  configurations: Json<Record<string, unknown>>;
  description: Generated<string>;
  created_at: Timestamp;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
}

export interface RoutersTable extends StandardColumns {
  name: string;
  admin_state_up: boolean;
  status: string;
  ha: boolean;
  enable_snat: Generated<boolean>;
  routes: Json<{ destination: string; nexthop: string }[]>;
}

export type RouterPortType = 'interface' | 'gateway' | 'ha';

export interface RouterPortsTable {
  port_id: string;
  router_id: string;
  port_type: RouterPortType;
}

export interface HaNetworksTable {
  project_id: string;
  network_id: string;
}

export interface HaVridsTable {
  network_id: string;
  vr_id: number;
  router_id: string;
}

export interface L3BindingsTable {
  router_id: string;
  agent_id: string;
  ha_port_id: string | null;
  state: Generated<string>;
  created_at: Timestamp;
}

export interface DhcpBindingsTable {
  network_id: string;
  agent_id: string;
  created_at: Timestamp;
}

export interface FloatingIpsTable extends StandardColumns {
  floating_network_id: string;
  floating_port_id: string;
  floating_ip_address: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
}

export interface ProjectsTable {
  id: string;
  name: string;
  domain_id: string;
  description: Generated<string>;
  enabled: Generated<boolean>;
  created_at: Timestamp;
}

export interface UsersTable {
  id: string;
  name: string;
  domain_id: string;
  password_hash: string;
  default_project_id: string | null;
  enabled: Generated<boolean>;
  created_at: Timestamp;
}

export interface RoleAssignmentsTable {
  user_id: string;
  project_id: string;
  role: string;
}

export interface TokensTable {
  token_hash: string;
  user_id: string;
  project_id: string | null;
  methods: Json<string[]>;
  audit_id: string;
  issued_at: Timestamp;
  expires_at: Timestamp;
  revoked: Generated<boolean>;
}

export interface Database {
  hanet_meta: MetaTable;
  networks: NetworksTable;
  subnets: SubnetsTable;
  ports: PortsTable;
  ip_allocations: IpAllocationsTable;
  agents: AgentsTable;
  routers: RoutersTable;
  router_ports: RouterPortsTable;
  ha_networks: HaNetworksTable;
  ha_vrids: HaVridsTable;
  l3_bindings: L3BindingsTable;
  dhcp_bindings: DhcpBindingsTable;
  floatingips: FloatingIpsTable;
  projects: ProjectsTable;
  users: UsersTable;
  role_assignments: RoleAssignmentsTable;
  tokens: TokensTable;
}
