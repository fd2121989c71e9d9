// Runs `node bin/hanet server` as a child process, the way an operator would,
// for tests and benchmarks that need the real executable over real sockets:
// it waits until the API answers, reads the process's memory from /proc, and
// stops it by its own PID with SIGTERM (the server's clean shutdown path,
// escalating to SIGKILL if it hangs) or kills it outright to test crashes.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/lab/free-port.js';

/** The repository root (this file runs from dist/test/support/). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const HANET_BIN = join(REPO_ROOT, 'bin', 'hanet');

export interface ServerOptions {
  /** Repository root; bin/hanet is run from here. */
  readonly root: string;
  readonly statePath: string;
  readonly port: number;
  /** postgresql:// URL; undefined runs the embedded PGlite database. */
  readonly connection?: string;
  /** More `hanet server` arguments. */
  readonly args?: readonly string[];
}

/** How long startup (including first-run migrations) may take. */
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** Lines of server output kept to explain a failure. */
const OUTPUT_LINES = 40;

export class ServerProcess {
  private readonly output: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly url: URL,
  ) {
    // The pipes must be drained or a chatty server would block on write.
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      this.output.splice(0, Math.max(0, this.output.length - OUTPUT_LINES));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // Without a listener a failed spawn would crash the benchmark mid-cleanup.
    child.on('error', (err) => this.output.push(`spawn error: ${err.message}`));
  }

  /**
   * Spawns the server without waiting for it, so the caller can register its
   * cleanup before anything slow happens; then call waitReady().
   */
  static spawn(options: ServerOptions): ServerProcess {
    const args = [join(options.root, 'bin', 'hanet'), 'server', '--state-path', options.statePath, '--bind-port', String(options.port)];
    if (options.connection !== undefined) args.push('--connection', options.connection);
    // Tests and benchmarks speak noauth unless they ask for keystone.
    if (!(options.args ?? []).some((a) => a.startsWith('auth_strategy='))) args.push('--set', 'auth_strategy=noauth');
    args.push(...(options.args ?? []));
    // No shell in between: child.pid is the server itself, so SIGTERM and
    // /proc/<pid>/status reach the process being measured.
    const child = spawn(process.execPath, args, { cwd: options.root, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ServerProcess(child, new URL(`http://127.0.0.1:${options.port}/`));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('server process has no pid (spawn failed)');
    return this.child.pid;
  }

  /** The last lines the server wrote, for error reports. */
  recentOutput(): string {
    return this.output.join('\n');
  }

  /** Resident and peak resident memory in KiB, from /proc/<pid>/status. */
  memoryKiB(): { rss: number; peak: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const field = (name: string): number => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
      if (!m?.[1]) throw new Error(`no ${name} in /proc/${this.pid}/status`);
      return Number(m[1]);
    };
    return { rss: field('VmRSS'), peak: field('VmHWM') };
  }

  /** SIGTERM by PID, wait for exit; SIGKILL if it hangs. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.exited()) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    if (await within(exited, STOP_TIMEOUT_MS)) return;
    process.stderr.write(`hanet server ${this.pid} ignored SIGTERM for ${STOP_TIMEOUT_MS} ms; sending SIGKILL\n`);
    this.child.kill('SIGKILL');
    await exited;
  }

  /** SIGKILL by PID, as a crash or power loss would end it; waits for the exit. */
  async kill(): Promise<void> {
    if (this.exited()) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  private exited(): boolean {
    // No pid: spawn itself failed, so there is no process to wait for.
    return this.child.pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Polls GET / until it answers 200; fails early if the process dies. */
  async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exited()) {
        throw new Error(`hanet server exited (${this.child.exitCode ?? this.child.signalCode}) before it answered:\n${this.recentOutput()}`);
      }
      try {
        const res = await fetch(this.url, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
        last = `GET / answered ${res.status}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`hanet server not ready within ${READY_TIMEOUT_MS} ms (${last}):\n${this.recentOutput()}`);
  }
}

async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a server from this repository on a free port and waits until it answers. */
export async function startServerProcess(options: { statePath: string; args?: readonly string[] }): Promise<ServerProcess> {
  const server = ServerProcess.spawn({ root: REPO_ROOT, statePath: options.statePath, port: await freePort(), args: options.args ?? [] });
  try {
    await server.waitReady();
  } catch (err) {
    await server.kill();
    throw err;
  }
  return server;
}
