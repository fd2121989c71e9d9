// One emulated node: boot it (unshare + lab-node-init.sh as PID 1), run
// commands inside it (nsenter into all its namespaces), start and stop its
// agent, and power it off (SIGKILL of its PID 1).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Exec, exec } from '../linux/exec.js';
import { childrenOf, isRunning, terminate, waitGone } from '../linux/proc.js';
import type { NodeProcesses } from './lab-state.js';
import { waitUntil } from './wait.js';

export const NODE_INIT = fileURLToPath(new URL('../../../libexec/lab-node-init.sh', import.meta.url));
/** The `hanet` CLI, which the lab runs as server and agents. */
export const CLI = fileURLToPath(new URL('../main/cli.js', import.meta.url));

/** Starts a detached process whose output goes to `logFile`; it outlives the CLI. */
export function spawnDetached(argv: readonly string[], logFile: string, env: Readonly<Record<string, string>> = {}): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/** nsenter into every namespace of the node: commands see its links, mounts (/run/netns), hostname and processes. */
export function nodeArgv(init: number, argv: readonly string[]): string[] {
  return ['nsenter', '-t', String(init), '--net', '--mount', '--uts', '--pid', '--', ...argv];
}

/** An Exec that runs inside the node, for the iproute2 wrappers. */
export function nodeExec(init: number): Exec {
  return (argv, options) => exec(nodeArgv(init, argv), options);
}

/** What identifies a node's PID 1 and its agent in /proc/<pid>/cmdline. */
export const initMarker = (name: string, nodeDir: string) => `${NODE_INIT} ${name} ${nodeDir}`;
export const agentMarker = (nodeDir: string) => `agent --config ${nodeDir}/agent.ini`;

export async function bootNode(name: string, nodeDir: string): Promise<NodeProcesses> {
  mkdirSync(nodeDir, { recursive: true });
  rmSync(`${nodeDir}/ready`, { force: true });
  const child = spawnDetached(
    ['unshare', '--net', '--mount', '--uts', '--pid', '--fork', '--mount-proc', '--propagation', 'private', NODE_INIT, name, nodeDir],
    `${nodeDir}/init.log`,
  );
  const unsharePid = child.pid!;
  await waitUntil(`node ${name} to boot (see ${nodeDir}/init.log)`, 10_000, () => (existsSync(`${nodeDir}/ready`) ? true : undefined));
  const init = await waitUntil(`PID 1 of node ${name}`, 2_000, () => childrenOf(unsharePid)[0]);
  return { unshare: unsharePid, init };
}

export function nodeIsUp(name: string, nodeDir: string, p: NodeProcesses | undefined): boolean {
  return isRunning(p?.init, initMarker(name, nodeDir));
}

/** Starts `hanet agent` inside the node; returns the launcher's and the agent's PIDs. */
export async function startNodeAgent(init: number, nodeDir: string): Promise<{ agentLauncher: number; agent: number }> {
  const launcher = spawnDetached(nodeArgv(init, [process.execPath, CLI, 'agent', '--config', `${nodeDir}/agent.ini`]), `${nodeDir}/agent.log`);
  const agentLauncher = launcher.pid!;
  // nsenter forks to enter the PID namespace: the agent is its only child.
  const agent = await waitUntil('the agent to start', 5_000, () => childrenOf(agentLauncher)[0]);
  return { agentLauncher, agent };
}

export async function stopNodeAgent(nodeDir: string, p: NodeProcesses, signal: 'SIGTERM' | 'SIGKILL'): Promise<boolean> {
  const stopped = await terminate(p.agent, agentMarker(nodeDir), { signal });
  if (p.agentLauncher) await waitGone(p.agentLauncher, 2_000);
  return stopped;
}

export function agentIsRunning(nodeDir: string, p: NodeProcesses | undefined): boolean {
  return isRunning(p?.agent, agentMarker(nodeDir));
}

/** Every process of the node's PID namespace (found by that namespace, never by name). */
function processesOfNode(init: number): number[] {
  let pidNs: string;
  try {
    pidNs = readlinkSync(`/proc/${init}/ns/pid`);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) === pidNs) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/**
 * Sends a signal to every process of the node (SIGSTOP: it sends nothing
 * more, as if the power went). SIGKILL also goes to the agent's launcher:
 * that nsenter, outside the node, stops itself when the agent stops and then
 * never reaps it, and the node's PID 1 cannot finish dying until it does.
 */
export function signalNode(nodeDir: string, p: NodeProcesses, signal: 'SIGSTOP' | 'SIGKILL'): void {
  const pids = processesOfNode(p.init);
  if (signal === 'SIGKILL' && isRunning(p.agentLauncher, agentMarker(nodeDir))) pids.push(p.agentLauncher);
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/** Kills every process of the node at once, and its namespaces go with them. */
export async function killNode(name: string, nodeDir: string, p: NodeProcesses): Promise<void> {
  await terminate(p.init, initMarker(name, nodeDir), { signal: 'SIGKILL' });
  await terminate(p.unshare, initMarker(name, nodeDir), { signal: 'SIGKILL', timeoutMs: 1_000 });
  if (p.agentLauncher) await waitGone(p.agentLauncher, 2_000);
}
