// One measured phase: a request run n times by a number of async loops, and
// its summary as a table row. Shared by every workload so all operations are
// timed and reported the same way.
import { summarize, type Summary } from './stats.js';

export interface OpResult extends Summary {
  readonly op: string;
  readonly mode: string;
}

export interface Phase {
  readonly latenciesMs: number[];
  readonly wallMs: number;
}

/**
 * Runs request(i) for i in [0, n) from `concurrency` async loops that take
 * the next index from one shared counter. If a request fails the other loops
 * stop after their current request, and the first error is thrown once all
 * have stopped, so nothing keeps talking to a server that is being shut down.
 */
export async function phase(n: number, concurrency: number, request: (i: number) => Promise<number>): Promise<Phase> {
  const latenciesMs: number[] = [];
  let next = 0;
  let failed = false;
  const loop = async () => {
    while (!failed) {
      const i = next++;
      if (i >= n) return;
      try {
        latenciesMs.push(await request(i));
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const started = performance.now();
  const outcomes = await Promise.allSettled(Array.from({ length: concurrency }, loop));
  const wallMs = performance.now() - started;
  const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (rejected) throw rejected.reason;
  return { latenciesMs, wallMs };
}

export function result(op: string, mode: string, p: Phase): OpResult {
  return { op, mode, ...summarize(p.latenciesMs, p.wallMs) };
}
