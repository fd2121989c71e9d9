// The client commands of `hanet`: the legacy neutron CLI's names, arguments
// and output (net-create, router-interface-add, l3-agent-list-hosting-router,
// ...), so the seeds' transcripts can be replayed against hanet as written.
// They run as subcommands of the executable, or in-process through
// runNeutronCommand (which `hanet lab demo` uses to show real output).
import { Command, CommanderError } from 'commander';
import { addAgentCommands } from './agent-commands.js';
import { type ClientIo, ClientRuntime, addCommonOptions } from './client-command.js';
import { addFloatingIpCommands } from './floatingip-commands.js';
import { addNetworkingCommands } from './network-commands.js';
import { addRouterCommands } from './router-commands.js';

export type { ClientIo } from './client-command.js';

/** Adds every client command to `parent`; returns them. */
function addClientCommands(parent: Command, runtime: ClientRuntime): Command[] {
  const before = new Set(parent.commands);
  addNetworkingCommands(parent, runtime);
  addRouterCommands(parent, runtime);
  addFloatingIpCommands(parent, runtime);
  addAgentCommands(parent, runtime);
  const added = parent.commands.filter((c) => !before.has(c));
  for (const command of added) addCommonOptions(command);
  return added;
}

/** The neutron CLI followed argparse, whose usage errors exit 2 (commander's exit 1). */
function usageExitCode(err: CommanderError): number {
  return err.exitCode === 0 ? 0 : 2;
}

/** The client commands as subcommands of the `hanet` executable, writing to the process's stdout and stderr. */
export function registerNeutronCommands(program: Command): void {
  const runtime = new ClientRuntime({
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  });
  for (const command of addClientCommands(program, runtime)) {
    command.exitOverride((err) => process.exit(usageExitCode(err)));
    // exitCode rather than exit(): stdout may still be draining into a pipe.
    command.hook('postAction', () => void (process.exitCode = runtime.exitCode));
  }
}

/**
 * Parses and runs one client command in-process (argv without "hanet", e.g.
 * ['router-create', 'testrouter']) and returns its exit code: 0, 1 when it
 * failed (the message went to io.stderr), 2 for a usage error. A fresh
 * program each call, so no option value lingers from an earlier one.
 */
export async function runNeutronCommand(argv: readonly string[], io: ClientIo): Promise<number> {
  const runtime = new ClientRuntime(io);
  const program = new Command('hanet')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for additional information)');
  addClientCommands(program, runtime);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return usageExitCode(err);
    io.stderr(`hanet: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return runtime.exitCode;
}
