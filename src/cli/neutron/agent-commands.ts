// agent-list, agent-show and the scheduler lists (l3-agent-list-hosting-router,
// dhcp-agent-list-hosting-net) in the neutron CLI's columns.
import type { Command } from 'commander';
import { type ClientRuntime, clientCommand, handle, idOf, listAt, listOf } from './client-command.js';
import { renderList } from './format.js';
import { AGENT_LIST, DHCP_AGENTS_HOSTING_NET, l3AgentsHostingRouter, withAliveFaces } from './list-shapes.js';
import { addShowCommand } from './resource-commands.js';

export function addAgentCommands(parent: Command, runtime: ClientRuntime): void {
  clientCommand(parent, 'agent-list', 'List agents.').action(
    handle(runtime, async (ctx) => ctx.print(renderList(withAliveFaces(await listOf(ctx, 'agents')), AGENT_LIST, ctx.output))),
  );

  // Agents have no name; neutronclient prints agent-show's dicts (configurations) with json_indent 5.
  addShowCommand(parent, runtime, { plural: 'agents', singular: 'agent', command: 'agent', byIdOnly: true }, 5);

  clientCommand(parent, 'l3-agent-list-hosting-router', 'List L3 agents hosting a router.')
    .argument('<router>', 'router to query (name or ID)')
    .action(
      handle(runtime, async (ctx, router: string) => {
        const routerId = await idOf(ctx, 'routers', 'router', router);
        const agents = withAliveFaces(await listAt(ctx, `routers/${routerId}/l3-agents`, 'agents'));
        ctx.print(renderList(agents, l3AgentsHostingRouter(agents), ctx.output));
      }),
    );

  clientCommand(parent, 'dhcp-agent-list-hosting-net', 'List DHCP agents hosting a network.')
    .argument('<network>', 'network to query (name or ID)')
    .action(
      handle(runtime, async (ctx, network: string) => {
        const networkId = await idOf(ctx, 'networks', 'network', network);
        const agents = withAliveFaces(await listAt(ctx, `networks/${networkId}/dhcp-agents`, 'agents'));
        ctx.print(renderList(agents, DHCP_AGENTS_HOSTING_NET, ctx.output));
      }),
    );
}
