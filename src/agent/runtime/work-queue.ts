// A keyed work queue, as controllers in the Kubernetes client use: a key
// (one resource: "l2", "router:<id>", "dhcp:<id>") is queued at most once;
// a key added while its work runs is run once more afterwards, never twice
// at the same time; a failure retries that key alone with capped exponential
// backoff, so one broken router cannot hold up the others.
import type { Logger } from '../../log.js';
import { type Backoff, createBackoff } from './backoff.js';

export interface WorkQueueOptions {
  readonly worker: (key: string) => Promise<void>;
  readonly log: Logger;
  /** Keys worked on at once. */
  readonly concurrency?: number;
  readonly backoff?: () => Backoff;
}

export class WorkQueue {
  readonly #o: WorkQueueOptions;
  readonly #queue = new Set<string>();
  readonly #running = new Set<string>();
  /** Keys added again while running: they go back on the queue when done. */
  readonly #dirty = new Set<string>();
  readonly #backoffs = new Map<string, Backoff>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #idleWaiters: (() => void)[] = [];
  #stopped = false;

  constructor(options: WorkQueueOptions) {
    this.#o = options;
  }

  add(key: string): void {
    if (this.#stopped) return;
    if (this.#running.has(key)) this.#dirty.add(key);
    else this.#queue.add(key);
    this.#pump();
  }

  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.add(key);
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  /** Resolves once nothing is queued or running (delayed retries do not count). */
  idle(): Promise<void> {
    if (this.#queue.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops what is queued and waits for the work under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queue.clear();
    this.#dirty.clear();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await this.idle();
  }

  #pump(): void {
    const limit = this.#o.concurrency ?? 4;
    for (const key of this.#queue) {
      if (this.#running.size >= limit) return;
      this.#queue.delete(key);
      this.#running.add(key);
      void this.#work(key);
    }
    if (this.#running.size === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  async #work(key: string): Promise<void> {
    try {
      await this.#o.worker(key);
      this.#backoffs.get(key)?.reset();
    } catch (err) {
      let backoff = this.#backoffs.get(key);
      if (!backoff) this.#backoffs.set(key, (backoff = (this.#o.backoff ?? createBackoff)()));
      const wait = backoff.next();
      this.#o.log.warn({ key, err: err instanceof Error ? err.message : String(err), retry_ms: wait }, 'reconcile failed; retrying');
      this.addAfter(key, wait);
    } finally {
      this.#running.delete(key);
      if (this.#dirty.delete(key) && !this.#stopped) this.#queue.add(key);
      this.#pump();
    }
  }
}
