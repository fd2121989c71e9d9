// Runs `hanet server` as a real child process on a free loopback port, for
// tests that need a socket (the openstack CLI) or a process to kill.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/support/). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const HANET_BIN = join(REPO_ROOT, 'bin', 'hanet');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly stderr: () => string;
  /** SIGTERM (clean shutdown) or SIGKILL (a crash); resolves when the process is gone. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

async function waitUntilUp(url: string, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hanet server exited with ${child.exitCode}:\n${stderr()}`);
    try {
      if ((await fetch(`${url}/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`hanet server did not answer within ${timeoutMs} ms:\n${stderr()}`);
}

export async function startServerProcess(options: { statePath: string; port?: number; args?: readonly string[] }): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [HANET_BIN, 'server', '--state-path', options.statePath, '--bind-port', String(port), ...(options.args ?? [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errText = '';
  child.stderr!.on('data', (d: Buffer) => {
    errText += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  try {
    await waitUntilUp(url, child, () => errText, 60_000);
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
  return { url, pid: child.pid!, stderr: () => errText, stop };
}
