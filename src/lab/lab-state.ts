// What a running lab is made of, written to <lab dir>/lab.json after every
// step, so later `hanet lab ...` commands, and `hanet lab down` after a
// crash, know every PID and name it created.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { LabNode } from './lab-layout.js';

export interface NodeProcesses {
  /** The `unshare` process, our child; PID 1 of the node is its only child. */
  readonly unshare: number;
  /** The node's PID 1 (lab-node-init.sh), as seen from the machine. */
  readonly init: number;
  /** The `nsenter` that launched the agent, and the agent itself. */
  agentLauncher?: number;
  agent?: number;
}

export interface LabVm {
  readonly name: string;
  readonly node: string;
  readonly portId: string;
  readonly networkId: string;
}

export interface LabState {
  readonly name: string;
  readonly dir: string;
  readonly port: number;
  readonly token: string;
  /** The built-in identity service's port and the admin's password (auth_strategy = keystone). */
  readonly identityPort: number;
  readonly adminPassword: string;
  readonly nodes: readonly LabNode[];
  /** Server options given with --set. */
  readonly settings: Readonly<Record<string, string>>;
  server?: number;
  readonly processes: Record<string, NodeProcesses>;
  readonly vms: Record<string, LabVm>;
}

export function readLabState(file: string): LabState | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as LabState;
}

export function writeLabState(file: string, state: LabState): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
