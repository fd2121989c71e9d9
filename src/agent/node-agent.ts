// The agent's reconciler: holds the newest snapshot and turns it into work
// items, one per resource of each role ("l2/host", "l3/<router>",
// "dhcp/<network>"), run by a keyed work queue. Items that disappear from a
// snapshot are run once more, so their role tears them down. An item whose
// part of the snapshot did not change since its last successful pass (its
// role's digest) is left alone, so one new port does not make every router
// of the node look at itself again; a full resync runs every item.
import type { HostSnapshot } from '../agent-api/protocol.js';
import type { Logger } from '../log.js';
import type { Role } from './role.js';
import { WorkQueue } from './runtime/work-queue.js';

export class NodeAgent {
  readonly #roles: Map<string, Role>;
  readonly #queue: WorkQueue;
  readonly #log: Logger;
  #snapshot: HostSnapshot | undefined;
  #keys = new Set<string>();
  /** Per item, the digest of the snapshot its last successful pass worked from. */
  readonly #synced = new Map<string, string>();

  constructor(options: { roles: readonly Role[]; log: Logger; concurrency?: number }) {
    this.#roles = new Map(options.roles.map((r) => [r.name, r]));
    this.#log = options.log;
    this.#queue = new WorkQueue({ worker: (key) => this.#work(key), log: options.log, concurrency: options.concurrency ?? 8 });
  }

  get snapshot(): HostSnapshot | undefined {
    return this.#snapshot;
  }

  /**
   * Takes a new snapshot (or the same one again, for a full resync) and
   * queues the items it changed, the ones it dropped, and with `full` all.
   */
  apply(snapshot: HostSnapshot, options: { full?: boolean } = {}): void {
    this.#snapshot = snapshot;
    const keys = new Set<string>();
    for (const role of this.#roles.values()) {
      for (const key of role.keys(snapshot)) {
        const fullKey = `${role.name}/${key}`;
        keys.add(fullKey);
        const synced = this.#synced.get(fullKey);
        if (options.full || synced === undefined || synced !== role.digest?.(key, snapshot)) this.#queue.add(fullKey);
      }
    }
    for (const key of this.#keys) {
      if (keys.has(key)) continue;
      this.#synced.delete(key);
      this.#queue.add(key);
    }
    this.#keys = keys;
    if (options.full) this.#reportWhenDone(keys.size);
  }

  /** Logs how long a full resync took: operators (and the scale benchmark) read it. */
  #reportWhenDone(items: number): void {
    const started = performance.now();
    void this.#queue.idle().then(() => this.#log.info({ items, ms: Math.round(performance.now() - started) }, 'full resync done'));
  }

  /** Queues one role's item again, e.g. on a host event. No-op before the first snapshot. */
  poke(role: string, key: string): void {
    if (this.#snapshot) this.#queue.add(`${role}/${key}`);
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  stop(): Promise<void> {
    return this.#queue.stop();
  }

  async #work(fullKey: string): Promise<void> {
    const snapshot = this.#snapshot;
    const slash = fullKey.indexOf('/');
    const role = this.#roles.get(fullKey.slice(0, slash));
    if (!snapshot || !role) return;
    const key = fullKey.slice(slash + 1);
    this.#synced.delete(fullKey);
    const result = await role.sync(key, snapshot);
    const digest = this.#keys.has(fullKey) ? role.digest?.(key, snapshot) : undefined;
    if (digest !== undefined) this.#synced.set(fullKey, digest);
    if (result?.recheckInMs !== undefined) this.#queue.addAfter(fullKey, result.recheckInMs);
  }
}
