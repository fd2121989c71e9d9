// The show and delete commands, which are the same for every resource
// but for its names.
import type { Command } from 'commander';
import { type ClientRuntime, type CommandContext, clientCommand, handle, idOf, showByNameOrId } from './client-command.js';
import { renderResource } from './format.js';

export interface ResourceNames {
  readonly plural: string;
  readonly singular: string;
  /** The command prefix: net, subnet, port, router, floatingip. */
  readonly command: string;
  /** Floating IPs and agents have no name: they are named by id only. */
  readonly byIdOnly?: boolean;
}

async function idFor(ctx: CommandContext, r: ResourceNames, given: string): Promise<string> {
  return r.byIdOnly ? given : idOf(ctx, r.plural, r.singular, given);
}

export function addShowCommand(parent: Command, runtime: ClientRuntime, r: ResourceNames, jsonIndent?: number): void {
  const what = r.byIdOnly ? 'ID' : 'ID or name';
  clientCommand(parent, `${r.command}-show`, `Show information of a given ${r.singular}.`)
    .argument(`<${r.singular}>`, `${what} of ${r.singular} to look up`)
    .action(
      handle(runtime, async (ctx, given: string) => {
        const resource = r.byIdOnly
          ? (await ctx.client.get<Record<string, Record<string, unknown>>>(`/v2.0/${r.plural}/${encodeURIComponent(given)}`))[r.singular]!
          : await showByNameOrId(ctx, r.plural, r.singular, given);
        ctx.print(renderResource(resource, { ...ctx.output, jsonIndent }));
      }),
    );
}

export function addDeleteCommand(parent: Command, runtime: ClientRuntime, r: ResourceNames): void {
  const what = r.byIdOnly ? 'ID(s)' : 'ID(s) or name(s)';
  clientCommand(parent, `${r.command}-delete`, `Delete a given ${r.singular}.`)
    .argument(`<${r.singular}...>`, `${what} of ${r.singular} to delete`)
    .action(
      handle(runtime, async (ctx, given: string[]) => {
        // One at a time, each confirmed as it goes: a failure stops the rest, as the old CLI did.
        for (const nameOrId of given) {
          await ctx.client.delete(`/v2.0/${r.plural}/${encodeURIComponent(await idFor(ctx, r, nameOrId))}`);
          ctx.print(`Deleted ${r.singular}: ${nameOrId}\n`);
        }
      }),
    );
}
