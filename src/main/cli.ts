// The `hanet` executable. Each subcommand is a thin shell over a composition
// root: server, agent, lab, and the neutron-style client commands.
import { Command, Option } from 'commander';
import { registerIdentityCommands } from '../cli/identity-command.js';
import { registerLabCommands } from '../cli/lab-command.js';
import { registerNeutronCommands } from '../cli/neutron/commands.js';
import { collectSetting } from '../cli/set-option.js';
import { loadAgentConfig } from '../config/agent-config.js';
import { ConfigError } from '../config/options.js';
import { loadServerConfig } from '../config/server-config.js';
import { createLogger, type Logger } from '../log.js';

const program = new Command('hanet')
  .description('Highly available virtual routers and DHCP behind a Neutron v2.0 compatible API')
  .showHelpAfterError();

program
  .command('server')
  .description('serve the Neutron v2.0 API')
  .option('--config <file>', 'INI file with Neutron option names')
  .option('--bind-host <address>', 'address to listen on (bind_host)')
  .option('--bind-port <port>', 'port to listen on (bind_port)')
  .option('--state-path <dir>', 'state directory (state_path)')
  .option('--connection <url>', 'postgresql:// URL; empty for embedded PGlite')
  .addOption(new Option('--set <option=value>', 'any other option; repeatable').argParser(collectSetting).default({}))
  .option('--debug', 'log at debug level')
  .action(async (opts) => {
    const overrides: Record<string, string> = { ...opts.set };
    if (opts.bindHost !== undefined) overrides.bind_host = opts.bindHost;
    if (opts.bindPort !== undefined) overrides.bind_port = opts.bindPort;
    if (opts.statePath !== undefined) overrides.state_path = opts.statePath;
    if (opts.connection !== undefined) overrides.connection = opts.connection;
    if (opts.debug) overrides.debug = 'true';
    const config = orExit('hanet server', () => loadServerConfig({ file: opts.config, env: process.env, overrides }));
    const log = createLogger({ name: 'hanet-server', level: config.debug ? 'debug' : 'info' });
    // Loaded here, not at the top: client commands should not pay for the server's modules.
    const { startServer } = await import('./server.js');
    stopOnSignal(await startServer(config, log), log);
  });

program
  .command('agent')
  .description("run this node's roles (l2, l3, dhcp): reconcile namespaces, bridges and daemons with the server's desired state")
  .option('--config <file>', 'INI file (host, roles, server, agent_token, [vxlan] local_ip, ...)')
  .addOption(new Option('--set <option=value>', 'any option; repeatable').argParser(collectSetting).default({}))
  .option('--debug', 'log at debug level')
  .action(async (opts) => {
    const overrides: Record<string, string> = { ...opts.set };
    if (opts.debug) overrides.debug = 'true';
    const config = orExit('hanet agent', () => loadAgentConfig({ file: opts.config, env: process.env, overrides }));
    const log = createLogger({ name: 'hanet-agent', level: config.debug ? 'debug' : 'info' });
    const { startAgent } = await import('./agent.js');
    stopOnSignal(await startAgent(config, log), log);
  });

registerLabCommands(program);
registerIdentityCommands(program);
registerNeutronCommands(program);

/** Loads a configuration, or prints every problem and exits 2. */
function orExit<T>(command: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${command}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

function stopOnSignal(running: { stop(): Promise<void> }, log: Logger): void {
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`hanet: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
