import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../log.js';
import { WorkQueue } from './work-queue.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('runs a key once however often it is queued, and once more when added while running', async () => {
    const runs: string[] = [];
    let release: (() => void) | undefined;
    const q = new WorkQueue({
      log: silentLogger(),
      worker: async (key) => {
        runs.push(key);
        if (key === 'a' && runs.length === 1) await new Promise<void>((r) => (release = r));
      },
    });
    q.add('a');
    q.add('a');
    await tick();
    assert.deepEqual(runs, ['a'], 'deduplicated while queued');
    q.add('a'); // while running: once more afterwards, not in parallel
    q.add('a');
    q.add('b');
    await tick();
    assert.deepEqual(runs, ['a', 'b']);
    release!();
    await q.idle();
    assert.deepEqual(runs, ['a', 'b', 'a']);
  });

  it('retries a failing key alone, with its own backoff, until it succeeds', async () => {
    let failures = 2;
    const runs: string[] = [];
    const q = new WorkQueue({
      log: silentLogger(),
      backoff: () => ({ next: () => 5, reset: () => {} }),
      worker: async (key) => {
        runs.push(key);
        if (key === 'bad' && failures-- > 0) throw new Error('boom');
      },
    });
    q.add('bad');
    q.add('good');
    await q.idle();
    assert.deepEqual(runs, ['bad', 'good']);
    await new Promise((r) => setTimeout(r, 40));
    await q.idle();
    assert.deepEqual(runs, ['bad', 'good', 'bad', 'bad']);
    await q.stop();
  });

  it('keeps to its concurrency', async () => {
    let running = 0;
    let peak = 0;
    const q = new WorkQueue({
      log: silentLogger(),
      concurrency: 2,
      worker: async () => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
    });
    for (let i = 0; i < 6; i++) q.add(`k${i}`);
    await q.idle();
    assert.equal(peak, 2);
  });
});
