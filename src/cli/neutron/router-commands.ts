// router-* with the neutron CLI's arguments, columns and messages.
import { type Command, Option } from 'commander';
import {
  ClientCommandError,
  type ClientRuntime,
  booleanOption,
  clientCommand,
  handle,
  idOf,
  keyValueOption,
  listOf,
  printCreated,
} from './client-command.js';
import { renderList } from './format.js';
import { PORT_LIST, ROUTER_LIST } from './list-shapes.js';
import { resolveFixedIps } from './network-commands.js';
import { addDeleteCommand, addShowCommand } from './resource-commands.js';

const ROUTER = { plural: 'routers', singular: 'router', command: 'router' } as const;

interface RouterUpdateOptions {
  readonly name?: string;
  readonly description?: string;
  readonly adminStateUp?: boolean;
  readonly distributed?: boolean;
  readonly ha?: boolean;
  readonly route?: Record<string, string>[];
  /** false from --no-routes. */
  readonly routes?: boolean;
}

/** The body of router-update, from the options given. */
function routerChanges(opts: RouterUpdateOptions): Record<string, unknown> {
  if (opts.route && opts.routes === false) throw new ClientCommandError('argument --no-routes: not allowed with argument --route');
  const body: Record<string, unknown> = {};
  if (opts.name !== undefined) body.name = opts.name;
  if (opts.description !== undefined) body.description = opts.description;
  if (opts.adminStateUp !== undefined) body.admin_state_up = opts.adminStateUp;
  if (opts.distributed !== undefined) body.distributed = opts.distributed;
  if (opts.ha !== undefined) body.ha = opts.ha;
  if (opts.routes === false) body.routes = null;
  else if (opts.route) body.routes = opts.route;
  return body;
}

/** "SUBNET", "subnet=SUBNET" or "port=PORT", as router-interface-add/-delete take their INTERFACE. */
function parseInterface(spec: string): { kind: 'subnet' | 'port'; nameOrId: string } {
  const at = spec.indexOf('=');
  if (at < 0) return { kind: 'subnet', nameOrId: spec };
  const kind = spec.slice(0, at);
  if (kind !== 'subnet' && kind !== 'port') throw new ClientCommandError('You must specify either subnet or port for INTERFACE parameter.');
  return { kind, nameOrId: spec.slice(at + 1) };
}

function addRouterCrud(parent: Command, runtime: ClientRuntime): void {
  clientCommand(parent, 'router-create', 'Create a router for a given tenant.')
    .argument('<name>', 'name of the router to be created')
    .option('--admin-state-down', 'set admin state up to false')
    .option('--description <description>', 'description of the router')
    .addOption(new Option('--distributed <True|False>', 'create a distributed router').argParser(booleanOption))
    .addOption(new Option('--ha <True|False>', 'create a highly available router').argParser(booleanOption))
    .action(
      handle(runtime, async (ctx, name: string, opts: { adminStateDown?: boolean; description?: string; distributed?: boolean; ha?: boolean }) => {
        const body: Record<string, unknown> = { admin_state_up: !opts.adminStateDown, name };
        if (opts.description !== undefined) body.description = opts.description;
        if (opts.distributed !== undefined) body.distributed = opts.distributed;
        if (opts.ha !== undefined) body.ha = opts.ha;
        const { router } = await ctx.client.post<{ router: Record<string, unknown> }>('/v2.0/routers', { router: body });
        printCreated(ctx, 'router', router);
      }),
    );

  clientCommand(parent, 'router-update', "Update router's information.")
    .argument('<router>', 'ID or name of router to update')
    .option('--name <name>', 'updated name of the router')
    .option('--description <description>', 'description of the router')
    .addOption(new Option('--admin-state-up <True|False>', 'the administrative state of the router (True means "Up")').argParser(booleanOption))
    .addOption(new Option('--distributed <True|False>', 'True means this router should operate in distributed mode').argParser(booleanOption))
    .addOption(new Option('--ha <True|False>', 'True means this router is highly available (the server may refuse the change)').argParser(booleanOption))
    .addOption(new Option('--route <destination=CIDR,nexthop=IP_ADDR>', 'route to associate with the router; repeatable').argParser(keyValueOption(['destination', 'nexthop'])))
    .option('--no-routes', 'remove routes associated with the router')
    .action(
      handle(runtime, async (ctx, router: string, opts: RouterUpdateOptions) => {
        const body = routerChanges(opts);
        if (Object.keys(body).length === 0) throw new ClientCommandError('Must specify new values to update router');
        await ctx.client.put(`/v2.0/routers/${await idOf(ctx, 'routers', 'router', router)}`, { router: body });
        ctx.print(`Updated router: ${router}\n`);
      }),
    );

  clientCommand(parent, 'router-list', 'List routers that belong to a given tenant.').action(
    handle(runtime, async (ctx) => ctx.print(renderList(await listOf(ctx, 'routers'), ROUTER_LIST, ctx.output))),
  );

  addShowCommand(parent, runtime, ROUTER);
  addDeleteCommand(parent, runtime, ROUTER);
}

function addRouterPlumbing(parent: Command, runtime: ClientRuntime): void {
  const interfaceHelp = 'SUBNET, subnet=SUBNET or port=PORT (name or ID)';
  const interfaceCommands = [
    { name: 'router-interface-add', help: 'Add an internal network interface to a router.', call: 'add_router_interface', done: (port: string, router: string) => `Added interface ${port} to router ${router}.\n` },
    { name: 'router-interface-delete', help: 'Remove an internal network interface from a router.', call: 'remove_router_interface', done: (_port: string, router: string) => `Removed interface from router ${router}.\n` },
  ];
  for (const c of interfaceCommands) {
    clientCommand(parent, c.name, c.help)
      .argument('<router>', 'ID or name of the router')
      .argument('<interface>', interfaceHelp)
      .action(
        handle(runtime, async (ctx, router: string, spec: string) => {
          const { kind, nameOrId } = parseInterface(spec);
          const routerId = await idOf(ctx, 'routers', 'router', router);
          const body = { [`${kind}_id`]: await idOf(ctx, `${kind}s`, kind, nameOrId) };
          const info = await ctx.client.put<{ port_id: string }>(`/v2.0/routers/${routerId}/${c.call}`, body);
          ctx.print(c.done(info.port_id, router));
        }),
      );
  }

  clientCommand(parent, 'router-gateway-set', 'Set the external network gateway for a router.')
    .argument('<router>', 'ID or name of the router')
    .argument('<external-network>', 'ID or name of the external network for the gateway')
    .option('--enable-snat', 'enable source NAT on the router gateway')
    .option('--disable-snat', 'disable source NAT on the router gateway')
    .addOption(
      new Option('--fixed-ip <subnet_id=SUBNET,ip_address=IP_ADDR>', 'desired IP and/or subnet on the external network; repeatable').argParser(
        keyValueOption([], ['subnet_id', 'ip_address']),
      ),
    )
    .action(
      handle(runtime, async (ctx, router: string, network: string, opts: { enableSnat?: boolean; disableSnat?: boolean; fixedIp?: Record<string, string>[] }) => {
        const routerId = await idOf(ctx, 'routers', 'router', router);
        const gateway: Record<string, unknown> = { network_id: await idOf(ctx, 'networks', 'network', network) };
        if (opts.enableSnat) gateway.enable_snat = true;
        if (opts.disableSnat) gateway.enable_snat = false;
        if (opts.fixedIp) gateway.external_fixed_ips = await resolveFixedIps(ctx, opts.fixedIp);
        await ctx.client.put(`/v2.0/routers/${routerId}`, { router: { external_gateway_info: gateway } });
        ctx.print(`Set gateway for router ${router}\n`);
      }),
    );

  clientCommand(parent, 'router-gateway-clear', 'Remove an external network gateway from a router.')
    .argument('<router>', 'ID or name of the router')
    .action(
      handle(runtime, async (ctx, router: string) => {
        await ctx.client.put(`/v2.0/routers/${await idOf(ctx, 'routers', 'router', router)}`, { router: { external_gateway_info: {} } });
        ctx.print(`Removed gateway from router ${router}\n`);
      }),
    );

  clientCommand(parent, 'router-port-list', 'List ports that belong to a given tenant, with specified router.')
    .argument('<router>', 'ID or name of the router to look up')
    .action(
      handle(runtime, async (ctx, router: string) => {
        const routerId = await idOf(ctx, 'routers', 'router', router);
        ctx.print(renderList(await listOf(ctx, 'ports', `?device_id=${encodeURIComponent(routerId)}`), PORT_LIST, ctx.output));
      }),
    );
}

export function addRouterCommands(parent: Command, runtime: ClientRuntime): void {
  addRouterCrud(parent, runtime);
  addRouterPlumbing(parent, runtime);
}
