// `hanet lab demo`: brings up the lab as a seed describes it, walks through
// the seed step by step on real parts (every command printed, then its real
// output), ends with a summary of the checks, and tears the lab down unless
// asked to keep it.
import { freePort } from '../free-port.js';
import { Lab } from '../lab.js';
import { type ClientRunner, DemoRunner } from './demo-runner.js';
import { JUJU_SETTINGS, runJuju } from './scenario-juju.js';
import { OSP_SETTINGS, runOsp } from './scenario-osp.js';

export const SCENARIOS = {
  osp: {
    title: 'seed 000: L3 and DHCP agents HA in Red Hat OSP 7, three controllers',
    settings: OSP_SETTINGS,
    run: runOsp,
  },
  juju: {
    title: 'seed 001: Neutron router HA with the Juju charms, three gateways, min = max = 2 L3 agents',
    settings: JUJU_SETTINGS,
    run: runJuju,
  },
} as const;
export type ScenarioName = keyof typeof SCENARIOS;

export interface DemoOptions {
  readonly scenario: ScenarioName;
  readonly keep: boolean;
  readonly lab: Lab;
  readonly runClient: ClientRunner;
  readonly write: (text: string) => void;
}

/** Runs one scenario; true when every check passed. */
export async function runDemo(options: DemoOptions): Promise<boolean> {
  const { lab, write } = options;
  const scenario = SCENARIOS[options.scenario];
  write(`hanet lab demo --scenario ${options.scenario}: ${scenario.title}\n`);
  const port = await freePort();
  const sets = Object.entries(scenario.settings).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  write(`\n$ hanet lab up --network-nodes 3 --compute-nodes 1 --port ${port} ${sets.join(' ')}\n`);
  await lab.up({ networkNodes: 3, computeNodes: 1, port, settings: scenario.settings, progress: (m) => write(`lab: ${m}\n`) });
  write(`\n$ eval "$(hanet lab env)"    # the lab's admin, with password authentication at its identity service\n`);
  const demo = new DemoRunner(lab, { OS_CLIENT_CONFIG_FILE: lab.paths.cloudsYaml, OS_CLOUD: `hanet-${lab.name}` }, options.runClient, write);
  let ok = false;
  try {
    await scenario.run(demo);
  } catch (err) {
    demo.check('the walkthrough ran to its end', false, (err as Error).message.split('\n')[0]!);
  } finally {
    ok = demo.summarize();
    if (options.keep) {
      write(`\nThe lab stays up (--keep): eval "$(hanet lab env --lab ${lab.name})" to use it, hanet lab down --lab ${lab.name} to remove it.\n`);
    } else {
      write('\n$ hanet lab down\n');
      await lab.down((m) => write(`lab: ${m}\n`));
    }
  }
  return ok;
}
