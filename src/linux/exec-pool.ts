// Host commands on worker threads. Node's spawn blocks its thread until the
// child has called exec; on a node busy with hundreds of routers that took
// about 20 ms per command, and an agent that runs thousands of commands did
// nothing else meanwhile (a CPU profile of one converging 250 routers: half
// its time inside spawn, its keepalived FIFOs and snapshots waiting). A few
// workers block instead, each for its own command, and the agent's event
// loop stays free.
import { Worker } from 'node:worker_threads';
import { type Exec, ExecError, type ExecResult } from './exec.js';

/** What a worker answers (exec-worker.ts). */
export type ExecAnswer = { id: number } & ({ ok: true; stdout: string; stderr: string } | { ok: false; exitCode: number | null; stderr: string });

interface Pending {
  readonly argv: readonly string[];
  resolve(result: ExecResult): void;
  reject(err: Error): void;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

export class ExecPool {
  readonly #threads: Thread[] = [];
  #nextId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.#threads.push(this.#start());
  }

  #start(): Thread {
    const worker = new Worker(new URL('./exec-worker.js', import.meta.url));
    const thread: Thread = { worker, pending: new Map() };
    worker.unref(); // an idle pool does not keep the process alive
    worker.on('error', () => undefined); // its exit follows, and fails what it was running
    worker.on('message', (answer: ExecAnswer) => {
      const p = thread.pending.get(answer.id);
      if (!p) return;
      thread.pending.delete(answer.id);
      if (thread.pending.size === 0) worker.unref();
      if (answer.ok) p.resolve({ stdout: answer.stdout, stderr: answer.stderr });
      else p.reject(new ExecError(p.argv, answer.exitCode, answer.stderr));
    });
    // A worker that dies fails what it was running, and a new one takes its place.
    worker.once('exit', (code) => {
      for (const p of thread.pending.values()) p.reject(new Error(`exec worker exited (${code}) while running: ${p.argv.join(' ')}`));
      thread.pending.clear();
      const i = this.#threads.indexOf(thread);
      if (i >= 0) this.#threads[i] = this.#start();
    });
    return thread;
  }

  readonly run: Exec = (argv, options = {}) =>
    new Promise((resolve, reject) => {
      if (!argv[0]) return reject(new Error('exec: empty argv'));
      // The least busy worker: a command waits only behind others' spawns.
      const thread = this.#threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = this.#nextId++;
      thread.pending.set(id, { argv, resolve, reject });
      if (thread.pending.size === 1) thread.worker.ref();
      thread.worker.postMessage({ id, argv, options });
    });

  async close(): Promise<void> {
    const threads = this.#threads.splice(0);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}
