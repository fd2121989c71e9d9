// Reads keepalived's transitions and reports them. The notify hook writes
// <ha_confs>/<router>/state; one inotify watch per router directory (no
// process per router) reads it the moment it changes, and the changes of a
// burst (a mass failover) go to the server in one batch. A failed report is
// kept and sent again, merged with newer states.
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import type { HaStatesRequest } from '../../agent-api/protocol.js';
import type { Logger } from '../../log.js';

type State = 'master' | 'backup' | 'fault';

export class HaStateReporter {
  readonly #report: (states: HaStatesRequest['states']) => Promise<unknown>;
  readonly #log: Logger;
  readonly #batchMs: number;
  readonly #watchers = new Map<string, { watcher: FSWatcher; file: string }>();
  /** What the server was last told, per router. */
  readonly #reported = new Map<string, State>();
  #pending: Record<string, State> = {};
  #timer: NodeJS.Timeout | undefined;
  #sending = false;

  constructor(options: { report: (states: HaStatesRequest['states']) => Promise<unknown>; log: Logger; batchMs?: number }) {
    this.#report = options.report;
    this.#log = options.log;
    this.#batchMs = options.batchMs ?? 50;
  }

  /** Starts watching a router's directory (idempotent) and reads its state now. */
  watch(routerId: string, dir: string): void {
    if (!this.#watchers.has(routerId)) {
      const file = `${dir}/state`;
      const watcher = watch(dir, () => this.#read(routerId, file));
      watcher.on('error', () => this.unwatch(routerId)); // the directory went away
      this.#watchers.set(routerId, { watcher, file });
    }
    this.#read(routerId, this.#watchers.get(routerId)!.file);
  }

  unwatch(routerId: string): void {
    this.#watchers.get(routerId)?.watcher.close();
    this.#watchers.delete(routerId);
    this.#reported.delete(routerId);
    delete this.#pending[routerId];
  }

  /** The last state keepalived recorded for a router, as reported or about to be. */
  stateOf(routerId: string): State | undefined {
    return this.#pending[routerId] ?? this.#reported.get(routerId);
  }

  close(): void {
    for (const id of [...this.#watchers.keys()]) this.#watchers.get(id)!.watcher.close();
    this.#watchers.clear();
    clearTimeout(this.#timer);
  }

  #read(routerId: string, file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch {
      return; // not written yet
    }
    // An empty read is the hook's write caught half-way; its next event brings the rest.
    if (text !== 'master' && text !== 'backup' && text !== 'fault') return;
    if (this.stateOf(routerId) === text) return;
    this.#log.info({ router_id: routerId, state: text }, 'VRRP state changed');
    this.#pending[routerId] = text;
    this.#schedule(this.#batchMs);
  }

  #schedule(ms: number): void {
    if (this.#timer || this.#sending) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, ms);
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    if (Object.keys(batch).length === 0) return;
    this.#pending = {};
    this.#sending = true;
    try {
      await this.#report(batch);
      for (const [id, state] of Object.entries(batch)) if (this.#watchers.has(id)) this.#reported.set(id, state);
    } catch (err) {
      this.#log.warn({ err: String(err), routers: Object.keys(batch).length }, 'reporting HA states failed; retrying');
      this.#pending = { ...batch, ...this.#pending };
      this.#sending = false;
      this.#schedule(1_000);
      return;
    }
    this.#sending = false;
    if (Object.keys(this.#pending).length > 0) this.#schedule(0);
  }
}
