// One thread of the ExecPool: runs each command it is sent and answers.
import { parentPort } from 'node:worker_threads';
import { ExecError, execHere } from './exec.js';
import type { ExecAnswer } from './exec-pool.js';

const port = parentPort!;
port.on('message', ({ id, argv, options }: { id: number; argv: string[]; options: { timeoutMs?: number; input?: string } }) => {
  execHere(argv, options).then(
    ({ stdout, stderr }) => port.postMessage({ id, ok: true, stdout, stderr } satisfies ExecAnswer),
    (err: unknown) =>
      port.postMessage({ id, ok: false, exitCode: err instanceof ExecError ? err.exitCode : null, stderr: err instanceof ExecError ? err.stderr : String(err) } satisfies ExecAnswer),
  );
});
