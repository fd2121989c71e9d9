// floatingip-* with the neutron CLI's arguments, columns and messages.
// Floating IPs have no name: they are named by id, ports by name or id.
import type { Command } from 'commander';
import { type ClientRuntime, clientCommand, handle, idOf, listOf, printCreated } from './client-command.js';
import { renderList } from './format.js';
import { FLOATINGIP_LIST } from './list-shapes.js';
import { addDeleteCommand, addShowCommand } from './resource-commands.js';

const FLOATINGIP = { plural: 'floatingips', singular: 'floatingip', command: 'floatingip', byIdOnly: true } as const;

interface FloatingIpCreateOptions {
  readonly portId?: string;
  readonly fixedIpAddress?: string;
  readonly floatingIpAddress?: string;
  readonly subnet?: string;
  readonly description?: string;
}

export function addFloatingIpCommands(parent: Command, runtime: ClientRuntime): void {
  clientCommand(parent, 'floatingip-create', 'Create a floating IP for a given tenant.')
    .argument('<floating-network>', 'ID or name of the network from which the floating IP is allocated')
    .option('--port-id <port>', 'ID or name of the port to be associated with the floating IP')
    .option('--fixed-ip-address <ip>', 'IP address on the port (only required if the port has several)')
    .option('--floating-ip-address <ip>', 'IP address of the floating IP')
    .option('--subnet <subnet>', 'ID or name of the subnet to take the floating IP from')
    .option('--description <description>', 'description of the floating IP')
    .action(
      handle(runtime, async (ctx, network: string, opts: FloatingIpCreateOptions) => {
        const body: Record<string, unknown> = { floating_network_id: await idOf(ctx, 'networks', 'network', network) };
        if (opts.portId !== undefined) body.port_id = await idOf(ctx, 'ports', 'port', opts.portId);
        if (opts.fixedIpAddress !== undefined) body.fixed_ip_address = opts.fixedIpAddress;
        if (opts.floatingIpAddress !== undefined) body.floating_ip_address = opts.floatingIpAddress;
        if (opts.subnet !== undefined) body.subnet_id = await idOf(ctx, 'subnets', 'subnet', opts.subnet);
        if (opts.description !== undefined) body.description = opts.description;
        const { floatingip } = await ctx.client.post<{ floatingip: Record<string, unknown> }>('/v2.0/floatingips', { floatingip: body });
        printCreated(ctx, 'floatingip', floatingip);
      }),
    );

  clientCommand(parent, 'floatingip-associate', 'Create a mapping between a floating IP and a fixed IP.')
    .argument('<floatingip-id>', 'ID of the floating IP to associate')
    .argument('<port>', 'ID or name of the port to be associated with the floating IP')
    .option('--fixed-ip-address <ip>', 'IP address on the port (only required if the port has several)')
    .action(
      handle(runtime, async (ctx, floatingIp: string, port: string, opts: { fixedIpAddress?: string }) => {
        const body: Record<string, unknown> = { port_id: await idOf(ctx, 'ports', 'port', port) };
        if (opts.fixedIpAddress !== undefined) body.fixed_ip_address = opts.fixedIpAddress;
        await ctx.client.put(`/v2.0/floatingips/${encodeURIComponent(floatingIp)}`, { floatingip: body });
        ctx.print(`Associated floating IP ${floatingIp}\n`);
      }),
    );

  clientCommand(parent, 'floatingip-disassociate', 'Remove a mapping from a floating IP to a fixed IP.')
    .argument('<floatingip-id>', 'ID of the floating IP to disassociate')
    .action(
      handle(runtime, async (ctx, floatingIp: string) => {
        await ctx.client.put(`/v2.0/floatingips/${encodeURIComponent(floatingIp)}`, { floatingip: { port_id: null } });
        ctx.print(`Disassociated floating IP ${floatingIp}\n`);
      }),
    );

  clientCommand(parent, 'floatingip-list', 'List floating IPs that belong to a given tenant.').action(
    handle(runtime, async (ctx) => ctx.print(renderList(await listOf(ctx, 'floatingips'), FLOATINGIP_LIST, ctx.output))),
  );

  addShowCommand(parent, runtime, FLOATINGIP);
  addDeleteCommand(parent, runtime, FLOATINGIP);
}
