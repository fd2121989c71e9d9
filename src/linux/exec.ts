// Runs host commands: always an argv array (never a shell string), with a
// time limit, and failures turned into an ExecError that carries the exit
// status and stderr for the typed errors of the wrappers above it. The agent
// runs them through its spawner process (spawner.ts), the CLI and tests
// straight from Node.
import { execFile } from 'node:child_process';
import type { Spawner } from './spawner.js';

export class ExecError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim() || 'no output'}`);
  }
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** How long a command may run when the caller does not say. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The one way host commands run, so tests and the executor can swap it. */
export type Exec = (argv: readonly string[], options?: { timeoutMs?: number; input?: string }) => Promise<ExecResult>;

/** Runs the command as a child of this process. */
export const execHere: Exec = (argv, options = {}) =>
  new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (!file) return reject(new Error('exec: empty argv'));
    const child = execFile(file, args, { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      const code = typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null;
      reject(new ExecError(argv, code, stderr || err.message));
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });

let spawner: Spawner | undefined;

/** From now on host commands run through this spawner (undefined: as children of this process again). */
export function useSpawner(next: Spawner | undefined): void {
  spawner = next;
}

export const exec: Exec = (argv, options) => (spawner ? spawner.run(argv, options) : execHere(argv, options));
