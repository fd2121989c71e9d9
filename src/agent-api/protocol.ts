// The agent protocol's messages (JSON over HTTP, on TCP or a unix socket).
// Shared by the server (agent-api/) and the agents' client.
import type { AgentRole } from '../domain/agent.js';

export const AGENT_API_PREFIX = '/agent/v1';

/** POST /agent/v1/report: registration and heartbeat of every role of one host. */
export interface ReportRequest {
  readonly host: string;
  readonly roles: readonly { role: AgentRole; configurations: Record<string, unknown> }[];
  /** True on the first report after the agent started. */
  readonly start_flag?: boolean;
}

export interface ReportResponse {
  readonly agents: readonly { role: AgentRole; id: string; agent_type: string }[];
  /** Seconds until the next report is due (the server's report_interval). */
  readonly report_interval: number;
}

/** POST /agent/v1/hosts/{host}/ha-states: keepalived's view of each router, batched. */
export interface HaStatesRequest {
  readonly states: Readonly<Record<string, 'master' | 'backup' | 'fault' | 'primary' | 'active' | 'standby'>>;
}

/** POST /agent/v1/hosts/{host}/port-status: ports the host has wired (ACTIVE) or lost (DOWN). */
export interface PortStatusRequest {
  readonly ports: Readonly<Record<string, 'ACTIVE' | 'DOWN'>>;
}

export interface SnapshotFixedIp {
  readonly subnet_id: string;
  readonly ip_address: string;
  readonly prefixlen: number;
}

export interface SnapshotPort {
  readonly id: string;
  readonly network_id: string;
  readonly mac_address: string;
  readonly mtu: number;
  readonly fixed_ips: readonly SnapshotFixedIp[];
}

export interface SnapshotRouter {
  readonly id: string;
  readonly admin_state_up: boolean;
  readonly ha: boolean;
  /** HA only: VRRP id, the VIP on the HA interface, this replica's HA port and the other replicas' HA addresses. */
  readonly vrid: number | null;
  readonly ha_vip: string | null;
  readonly ha_port: SnapshotPort | null;
  readonly ha_peers: readonly string[];
  readonly interfaces: readonly SnapshotPort[];
  readonly gateway: (SnapshotPort & { enable_snat: boolean; gateway_ips: readonly string[] }) | null;
  readonly routes: readonly { destination: string; nexthop: string }[];
  readonly floating_ips: readonly { id: string; floating_ip_address: string; fixed_ip_address: string }[];
}

export interface SnapshotSubnet {
  readonly id: string;
  readonly cidr: string;
  readonly ip_version: number;
  readonly gateway_ip: string | null;
  readonly enable_dhcp: boolean;
  readonly dns_nameservers: readonly string[];
  readonly host_routes: readonly { destination: string; nexthop: string }[];
}

export interface SnapshotDhcpNetwork {
  readonly id: string;
  readonly mtu: number;
  /** This host's DHCP port on the network. */
  readonly port: SnapshotPort | null;
  readonly subnets: readonly SnapshotSubnet[];
  /** Every port with an address on a DHCP subnet: the host file, identical on every agent. */
  readonly hosts: readonly { port_id: string; mac_address: string; ip_address: string; subnet_id: string }[];
  /** The addresses of all DHCP ports of the network (DNS servers when the subnet names none). */
  readonly dhcp_addresses: readonly string[];
}

export interface SnapshotL2Network {
  readonly id: string;
  readonly network_type: string;
  readonly segmentation_id: number | null;
  readonly physical_network: string | null;
  readonly mtu: number;
  /** Tunnel addresses of the other hosts that have this network. */
  readonly remote_tunnels: readonly string[];
}

/** How every replica of every HA router runs VRRP (the server's ha_vrrp_* options): all replicas must agree. */
export interface SnapshotVrrp {
  readonly version: 2 | 3;
  readonly advert_int: number;
  /** Missed adverts before a backup takes over (keepalived down_timer_adverts; 3 in the RFCs). */
  readonly down_timer_adverts: number;
  /** The first replica's priority; each next one 10 less. */
  readonly priority: number;
  readonly auth_type: 'PASS' | 'AH';
  /** Empty: no authentication. */
  readonly auth_password: string;
  readonly garp_master_repeat: number;
  readonly garp_master_refresh: number;
  readonly unicast: boolean;
}

/** How every DHCP agent runs dnsmasq (the server's DHCP options): all agents of a network must answer alike. */
export interface SnapshotDhcpSettings {
  /** Seconds; -1: infinite. */
  readonly lease_duration: number;
  /** The domain of the hosts' names (Neutron's dns_domain). */
  readonly dns_domain: string;
  /** DHCP options T1 and T2 in seconds; 0: the client's default (half and 7/8 of the lease). */
  readonly renewal_time: number;
  readonly rebinding_time: number;
}

/** The server's settings every agent applies alike. */
export type SnapshotSettings = Pick<HostSnapshot, 'vrrp' | 'dhcp'>;

/** GET /agent/v1/hosts/{host}/snapshot: everything one host should be running. */
export interface HostSnapshot {
  readonly host: string;
  /** A digest of the content: equal revisions mean nothing to do. */
  readonly revision: string;
  readonly routers: readonly SnapshotRouter[];
  readonly dhcp_networks: readonly SnapshotDhcpNetwork[];
  readonly l2_networks: readonly SnapshotL2Network[];
  /** VM ports bound to this host (binding:host_id), for the L2 role to plug. */
  readonly bound_ports: readonly SnapshotPort[];
  readonly vrrp: SnapshotVrrp;
  readonly dhcp: SnapshotDhcpSettings;
}

/** One line of GET /agent/v1/hosts/{host}/watch (newline-delimited JSON). */
export type WatchEvent = { readonly type: 'changed' } | { readonly type: 'ping' };
