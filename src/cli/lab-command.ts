// `hanet lab ...`: the command-line face of src/lab/lab.ts. Progress goes
// to stderr, results (status tables, env exports) to stdout.
import { spawnSync } from 'node:child_process';
import { type Command, Option } from 'commander';
import { NeutronApiError } from '../client/neutron-client.js';
import { AGENT_ROLES } from '../domain/agent.js';
import { Lab, LabError } from '../lab/lab.js';
import { agentIsRunning, nodeIsUp } from '../lab/lab-node.js';
import { UPSTREAM_IP } from '../lab/lab-layout.js';
import { runDemo, SCENARIOS, type ScenarioName } from '../lab/demo/demo.js';
import { runNeutronCommand } from './neutron/commands.js';
import { collectSetting } from './set-option.js';

const started = Date.now();
const progress = (message: string) => process.stderr.write(`lab: [${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

function labOf(opts: { lab?: string; dir?: string }): Lab {
  return new Lab({ name: opts.lab ?? process.env.HANET_LAB, dir: opts.dir ?? process.env.HANET_LAB_DIR });
}

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`'${value}' is not a whole number`);
  return Number(value);
}

/** Runs a lab action; a LabError is the user's problem: print it and exit 1. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof LabError || err instanceof NeutronApiError) {
        process.stderr.write(`hanet lab: ${err.message}\n`);
        process.exit(1);
      }
      throw err;
    }
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function registerLabCommands(program: Command): void {
  const lab = program
    .command('lab')
    .description('emulated nodes on this machine: a server and an agent per node, for trying and testing hanet')
    .option('--lab <name>', 'lab name (default: $HANET_LAB or "lab"); namespaces are hanet-<name>-*')
    .option('--dir <path>', 'lab directory (default: $HANET_LAB_DIR or /tmp/hanet-<name>)');
  const labOpts = () => lab.opts<{ lab?: string; dir?: string }>();

  lab
    .command('up')
    .description('start the server and the nodes, and wait until every agent is alive')
    .addOption(new Option('--network-nodes <n>', 'network nodes net-0.. (l2, l3, dhcp)').argParser(count).default(3))
    .addOption(new Option('--compute-nodes <n>', 'compute nodes compute-0.. (l2)').argParser(count).default(1))
    .addOption(new Option('--port <port>', "the server's API port on 127.0.0.1").argParser(count).default(9696))
    .addOption(new Option('--set <option=value>', 'a server option; repeatable').argParser(collectSetting).default({}))
    .action(
      action(async (opts: { networkNodes: number; computeNodes: number; port: number; set: Record<string, string> }) => {
        const l = labOf(labOpts());
        await l.up({ networkNodes: opts.networkNodes, computeNodes: opts.computeNodes, port: opts.port, settings: opts.set, progress });
        process.stderr.write(`lab: point the openstack CLI at it with: eval "$(hanet lab env)"\n`);
      }),
    );

  lab
    .command('down')
    .description('remove everything the lab created (also after a crashed run)')
    .action(action(() => labOf(labOpts()).down(progress)));

  lab
    .command('status')
    .description('nodes, agents and VMs of the lab')
    .action(
      action(async () => {
        const l = labOf(labOpts());
        const state = l.state();
        if (!state) return void process.stdout.write(`no lab at ${l.paths.dir}\n`);
        const serverUp = l.serverIsUp(state);
        process.stdout.write(`server   ${serverUp ? 'up' : 'DOWN'}  http://127.0.0.1:${state.port}  (${l.paths.serverLog})\nupstream ${UPSTREAM_IP} (external network)\n\n`);
        let alive = new Map<string, boolean>();
        if (serverUp) {
          const { agents } = await l.client(state).get<{ agents: { host: string; agent_type: string; alive: boolean }[] }>('/v2.0/agents');
          alive = new Map(agents.map((a) => [`${a.host}/${a.agent_type}`, a.alive]));
        }
        const rows = [['NODE', 'STATE', 'MGMT IP', 'AGENT', 'ROLES (alive in the API)']];
        for (const node of state.nodes) {
          const dir = l.paths.nodeDir(node.name);
          const p = state.processes[node.name];
          const up = nodeIsUp(node.name, dir, p);
          const roles = node.roles.map((r) => `${r} ${alive.get(`${node.name}/${AGENT_ROLES[r].agent_type}`) ? ':-)' : 'xxx'}`).join(' ');
          rows.push([node.name, up ? 'up' : 'down', node.mgmtIp, up && agentIsRunning(dir, p) ? `pid ${p!.agent}` : '-', roles]);
        }
        process.stdout.write(table(rows));
        const vms = Object.values(state.vms);
        if (vms.length > 0) process.stdout.write(`\n${table([['VM', 'NODE', 'PORT'], ...vms.map((v) => [v.name, v.node, v.portId])])}`);
      }),
    );

  lab
    .command('env')
    .description('shell exports that point the openstack CLI at the lab: eval "$(hanet lab env)"')
    .action(action(() => void process.stdout.write(labOf(labOpts()).env())));

  lab
    .command('exec')
    .description('run a command on a node (net-0, compute-0, ...), in a VM, or on "upstream"')
    .argument('<target>', 'node, VM name, or upstream')
    .argument('<command...>', 'the command, after --')
    .action(
      action((target: string, command: string[]) => {
        const argv = labOf(labOpts()).execArgv(target, command);
        const result = spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit' });
        process.exit(result.status ?? 1);
      }),
    );

  lab
    .command('demo')
    .description('bring up the lab as a seed describes it, walk through the seed on real parts, check every step, and tear it down')
    .addOption(new Option('--scenario <name>', 'osp: seed 000 (three controllers, L3 and DHCP HA); juju: seed 001 (three gateways, router HA with an external network)').choices(Object.keys(SCENARIOS)).default('osp'))
    .option('--keep', 'leave the lab up afterwards')
    .action(
      action(async (opts: { scenario: ScenarioName; keep?: boolean }) => {
        const { lab: name, dir } = labOpts();
        const demoLab = new Lab({ name: name ?? process.env.HANET_LAB ?? 'demo', dir: dir ?? process.env.HANET_LAB_DIR });
        const write = (text: string) => void process.stdout.write(text);
        // Interrupted: the lab goes, unless it was to be kept.
        for (const signal of ['SIGINT', 'SIGTERM'] as const) {
          process.once(signal, () => {
            write(`\n${signal}: ${opts.keep ? 'leaving the lab up' : 'tearing the lab down'}\n`);
            void (opts.keep ? Promise.resolve() : demoLab.down(progress)).finally(() => process.exit(130));
          });
        }
        const ok = await runDemo({ scenario: opts.scenario, keep: opts.keep ?? false, lab: demoLab, runClient: runNeutronCommand, write });
        process.exitCode = ok ? 0 : 1;
      }),
    );

  const vm = lab.command('vm').description('VMs: namespaces on compute nodes, plugged into tenant networks');
  vm.command('create')
    .description("a port bound to the node (a new one, or --port), and a VM namespace on it with the port's MAC; its address comes from DHCP")
    .argument('<name>')
    .option('--network <network>', 'network name or id: a new port on it')
    .option('--port <port>', 'an existing port (name or id) to boot the VM on')
    .option('--node <node>', 'node to run on (default: the first compute node)')
    .action(
      action(async (name: string, opts: { network?: string; port?: string; node?: string }) => {
        if ((opts.network === undefined) === (opts.port === undefined)) throw new LabError('give either --network or --port');
        const on = opts.port !== undefined ? { port: opts.port } : { network: opts.network! };
        const created = await labOf(labOpts()).vmCreate(name, on, opts.node);
        process.stdout.write(table([['VM', 'NODE', 'PORT', 'IP'], [created.name, created.node, created.portId, created.ip ?? '-']]));
      }),
    );

  const node = lab.command('node').description('power nodes off and on');
  node.command('kill').description('power off: SIGKILL of the node\'s PID namespace').argument('<node>').action(action((n: string) => labOf(labOpts()).nodeKill(n)));
  node.command('start').description('boot a node that was killed, with its agent and VMs').argument('<node>').action(action((n: string) => labOf(labOpts()).nodeStart(n)));

  const agent = lab.command('agent').description("stop and start a node's agent (the data plane stays)");
  agent
    .command('stop')
    .argument('<node>')
    .option('--kill', 'SIGKILL instead of SIGTERM')
    .action(action((n: string, opts: { kill?: boolean }) => labOf(labOpts()).agentStop(n, opts.kill ?? false)));
  agent.command('start').argument('<node>').action(action((n: string) => labOf(labOpts()).agentStart(n)));

  const server = lab.command('server').description('stop and start the server (agents and the data plane carry on)');
  server.command('stop').action(action(() => labOf(labOpts()).serverStop()));
  server.command('start').action(action(() => labOf(labOpts()).serverStart()));

  lab.command('partition').description("cut a node's underlay (tunnel) link").argument('<node>').action(action((n: string) => labOf(labOpts()).partition(n, true)));
  lab.command('heal').description("restore a node's underlay link").argument('<node>').action(action((n: string) => labOf(labOpts()).partition(n, false)));
}
