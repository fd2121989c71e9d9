// net-*, subnet-* and port-* with the neutron CLI's arguments and columns.
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  ClientCommandError,
  type ClientRuntime,
  type CommandContext,
  clientCommand,
  collect,
  handle,
  idOf,
  integerOption,
  keyValueOption,
  listOf,
  printCreated,
} from './client-command.js';
import { renderList } from './format.js';
import { NET_LIST, PORT_LIST, SUBNET_LIST } from './list-shapes.js';
import { addDeleteCommand, addShowCommand } from './resource-commands.js';

const NETWORK = { plural: 'networks', singular: 'network', command: 'net' } as const;
const SUBNET = { plural: 'subnets', singular: 'subnet', command: 'subnet' } as const;
const PORT = { plural: 'ports', singular: 'port', command: 'port' } as const;

/** Subnet ids per request when net-list looks up CIDRs: keeps the URL short, as neutronclient splits long ones. */
const SUBNET_IDS_PER_REQUEST = 50;

/** Replaces each network's subnet ids by {id, cidr}, as neutronclient's net-list does (JSON output shows them so too). */
async function withSubnetCidrs(ctx: CommandContext, networks: Record<string, unknown>[]): Promise<void> {
  const ids = networks.flatMap((n) => (Array.isArray(n.subnets) ? (n.subnets as string[]) : []));
  const found = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < ids.length; i += SUBNET_IDS_PER_REQUEST) {
    const query = ids.slice(i, i + SUBNET_IDS_PER_REQUEST).map((id) => `&id=${encodeURIComponent(id)}`).join('');
    for (const s of await listOf(ctx, 'subnets', `?fields=id&fields=cidr${query}`)) found.set(s.id as string, s);
  }
  for (const n of networks) {
    if (Array.isArray(n.subnets)) n.subnets = (n.subnets as string[]).map((id) => found.get(id) ?? { id });
  }
}

function addNetworkCommands(parent: Command, runtime: ClientRuntime): void {
  clientCommand(parent, 'net-create', 'Create a network for a given tenant.')
    .argument('<name>', 'name of the network to be created')
    .option('--admin-state-down', 'set admin state up to false')
    .option('--shared', 'set the network as shared')
    .option('--router:external', 'set the network as external (for router gateways and floating IPs)')
    .option('--provider:network_type <network_type>', 'the physical mechanism by which the virtual network is implemented (flat, vlan, vxlan)')
    .option('--provider:physical_network <physical_network_name>', 'name of the physical network over which the virtual network is implemented')
    .addOption(new Option('--provider:segmentation_id <segmentation_id>', 'VLAN ID for VLAN networks or tunnel ID for VXLAN networks').argParser(integerOption))
    .option('--description <description>', 'description of the network')
    .action(
      handle(runtime, async (ctx, name: string, opts: Record<string, unknown>) => {
        const body: Record<string, unknown> = { name, admin_state_up: !opts.adminStateDown };
        if (opts.shared) body.shared = true;
        if (opts['router:external']) body['router:external'] = true;
        for (const key of ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id', 'description']) {
          if (opts[key] !== undefined) body[key] = opts[key];
        }
        const { network } = await ctx.client.post<{ network: Record<string, unknown> }>('/v2.0/networks', { network: body });
        printCreated(ctx, 'network', network);
      }),
    );

  clientCommand(parent, 'net-list', 'List networks that belong to a given tenant.').action(
    handle(runtime, async (ctx) => {
      const networks = await listOf(ctx, 'networks');
      await withSubnetCidrs(ctx, networks);
      ctx.print(renderList(networks, NET_LIST, ctx.output));
    }),
  );

  addShowCommand(parent, runtime, NETWORK);
  addDeleteCommand(parent, runtime, NETWORK);
}

interface SubnetOptions {
  readonly name?: string;
  readonly description?: string;
  /** A string from --gateway, false from --no-gateway. */
  readonly gateway?: string | false;
  readonly allocationPool?: Record<string, string>[];
  readonly hostRoute?: Record<string, string>[];
  readonly dnsNameserver?: string[];
  readonly disableDhcp?: boolean;
  readonly enableDhcp?: boolean;
  readonly ipVersion: number;
  readonly ipv6RaMode?: string;
  readonly ipv6AddressMode?: string;
}

function ipVersionOption(value: string): number {
  if (value !== '4' && value !== '6') throw new InvalidArgumentError("expected '4' or '6'");
  return Number(value);
}

function addSubnetCommands(parent: Command, runtime: ClientRuntime): void {
  const ipv6Modes = ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'];
  clientCommand(parent, 'subnet-create', 'Create a subnet for a given tenant.')
    .argument('<network>', 'network ID or name this subnet belongs to')
    .argument('<cidr>', 'CIDR of subnet to create')
    .option('--name <name>', 'name of this subnet')
    .option('--description <description>', 'description of this subnet')
    .option('--gateway <gateway_ip>', 'gateway IP of this subnet')
    .option('--no-gateway', 'do not configure a gateway for this subnet')
    .addOption(new Option('--allocation-pool <start=IP_ADDR,end=IP_ADDR>', 'allocation pool IP addresses for this subnet; repeatable').argParser(keyValueOption(['start', 'end'])))
    .addOption(new Option('--host-route <destination=CIDR,nexthop=IP_ADDR>', 'additional route; repeatable').argParser(keyValueOption(['destination', 'nexthop'])))
    .addOption(new Option('--dns-nameserver <dns_nameserver>', 'DNS name server for this subnet; repeatable').argParser(collect))
    .option('--disable-dhcp', 'disable DHCP for this subnet')
    .option('--enable-dhcp', 'enable DHCP for this subnet')
    .addOption(new Option('--ip-version <4|6>', 'IP version to use').argParser(ipVersionOption).default(4))
    .addOption(new Option('--ipv6-ra-mode <mode>', 'IPv6 RA (Router Advertisement) mode').choices(ipv6Modes))
    .addOption(new Option('--ipv6-address-mode <mode>', 'IPv6 address mode').choices(ipv6Modes))
    .action(
      handle(runtime, async (ctx, network: string, cidr: string, opts: SubnetOptions) => {
        if (opts.disableDhcp && opts.enableDhcp) throw new ClientCommandError('You cannot enable and disable DHCP at the same time.');
        if (opts.ipVersion === 4 && (opts.ipv6RaMode || opts.ipv6AddressMode)) {
          throw new ClientCommandError(`--${opts.ipv6RaMode ? 'ipv6-ra-mode' : 'ipv6-address-mode'} is invalid when --ip-version is 4`);
        }
        const body: Record<string, unknown> = { network_id: await idOf(ctx, 'networks', 'network', network), ip_version: opts.ipVersion, cidr };
        if (opts.name !== undefined) body.name = opts.name;
        if (opts.description !== undefined) body.description = opts.description;
        if (opts.allocationPool) body.allocation_pools = opts.allocationPool;
        if (opts.hostRoute) body.host_routes = opts.hostRoute;
        if (opts.dnsNameserver) body.dns_nameservers = opts.dnsNameserver;
        if (opts.gateway === false) body.gateway_ip = null;
        else if (opts.gateway !== undefined) body.gateway_ip = opts.gateway;
        if (opts.disableDhcp) body.enable_dhcp = false;
        if (opts.enableDhcp) body.enable_dhcp = true;
        if (opts.ipv6RaMode) body.ipv6_ra_mode = opts.ipv6RaMode;
        if (opts.ipv6AddressMode) body.ipv6_address_mode = opts.ipv6AddressMode;
        const { subnet } = await ctx.client.post<{ subnet: Record<string, unknown> }>('/v2.0/subnets', { subnet: body });
        printCreated(ctx, 'subnet', subnet);
      }),
    );

  clientCommand(parent, 'subnet-list', 'List subnets that belong to a given tenant.').action(
    handle(runtime, async (ctx) => ctx.print(renderList(await listOf(ctx, 'subnets'), SUBNET_LIST, ctx.output))),
  );

  addShowCommand(parent, runtime, SUBNET);
  addDeleteCommand(parent, runtime, SUBNET);
}

/** --fixed-ip subnet_id=SUBNET,ip_address=IP with the subnet named by name or id. */
export async function resolveFixedIps(ctx: CommandContext, specs: readonly Record<string, string>[]): Promise<Record<string, string>[]> {
  return Promise.all(specs.map(async (spec) => (spec.subnet_id ? { ...spec, subnet_id: await idOf(ctx, 'subnets', 'subnet', spec.subnet_id) } : { ...spec })));
}

interface PortOptions {
  readonly name?: string;
  readonly description?: string;
  readonly fixedIp?: Record<string, string>[];
  readonly deviceId?: string;
  readonly deviceOwner?: string;
  readonly adminStateDown?: boolean;
  readonly macAddress?: string;
}

function addPortCommands(parent: Command, runtime: ClientRuntime): void {
  clientCommand(parent, 'port-create', 'Create a port for a given tenant.')
    .argument('<network>', 'ID or name of the network this port belongs to')
    .option('--name <name>', 'name of this port')
    .option('--description <description>', 'description of this port')
    .addOption(
      new Option('--fixed-ip <subnet_id=SUBNET,ip_address=IP_ADDR>', 'desired IP and/or subnet for this port; repeatable').argParser(keyValueOption([], ['subnet_id', 'ip_address'])),
    )
    .option('--device-id <device_id>', 'device ID of this port')
    .option('--device-owner <device_owner>', 'device owner of this port')
    .option('--admin-state-down', 'set admin state up to false')
    .option('--mac-address <mac_address>', 'MAC address of this port')
    .action(
      handle(runtime, async (ctx, network: string, opts: PortOptions) => {
        const body: Record<string, unknown> = { admin_state_up: !opts.adminStateDown, network_id: await idOf(ctx, 'networks', 'network', network) };
        if (opts.name !== undefined) body.name = opts.name;
        if (opts.description !== undefined) body.description = opts.description;
        if (opts.deviceId !== undefined) body.device_id = opts.deviceId;
        if (opts.deviceOwner !== undefined) body.device_owner = opts.deviceOwner;
        if (opts.macAddress !== undefined) body.mac_address = opts.macAddress;
        if (opts.fixedIp) body.fixed_ips = await resolveFixedIps(ctx, opts.fixedIp);
        const { port } = await ctx.client.post<{ port: Record<string, unknown> }>('/v2.0/ports', { port: body });
        printCreated(ctx, 'port', port);
      }),
    );

  clientCommand(parent, 'port-list', 'List ports that belong to a given tenant.').action(
    handle(runtime, async (ctx) => ctx.print(renderList(await listOf(ctx, 'ports'), PORT_LIST, ctx.output))),
  );

  addShowCommand(parent, runtime, PORT);
  addDeleteCommand(parent, runtime, PORT);
}

export function addNetworkingCommands(parent: Command, runtime: ClientRuntime): void {
  addNetworkCommands(parent, runtime);
  addSubnetCommands(parent, runtime);
  addPortCommands(parent, runtime);
}
