// The agent's reconciler: holds the newest snapshot and turns it into work
// items, one per resource of each role ("l2/host", "l3/<router>",
// "dhcp/<network>"), run by a keyed work queue. Items that disappear from a
// snapshot are run once more, so their role tears them down. An item whose
// part of the snapshot did not change since its last successful pass (its
// role's digest) is left alone, so one new port does not make every router
// of the node look at itself again; a resync runs the items whose role's
// cheap look at the host (Role.intact) fails.
import type { HostSnapshot } from '../agent-api/protocol.js';
import type { Logger } from '../log.js';
import type { Role } from './role.js';
import type { Resync } from './runtime/agent-runtime.js';
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
   * Takes a new snapshot (or the same one again, for a resync) and queues the
   * items it changed and the ones it dropped. On a resync the other items
   * are run only when their role's cheap look (Role.intact) fails, or when
   * the role has none: after an agent restart, a reconnect or a minute of
   * quiet, hundreds of healthy routers cost no process.
   */
  async apply(snapshot: HostSnapshot, options: { resync?: Resync | undefined } = {}): Promise<void> {
    this.#snapshot = snapshot;
    const started = performance.now();
    const keys = new Set<string>();
    const toCheck: { role: Role; key: string; digest: string | undefined }[] = [];
    for (const role of this.#roles.values()) {
      for (const key of role.keys(snapshot)) {
        const fullKey = `${role.name}/${key}`;
        keys.add(fullKey);
        const synced = this.#synced.get(fullKey);
        const digest = role.digest?.(key, snapshot);
        if (synced !== undefined && synced !== digest) this.#queue.add(fullKey);
        else if (options.resync) toCheck.push({ role, key, digest });
        else if (synced === undefined) this.#queue.add(fullKey);
      }
    }
    for (const key of this.#keys) {
      if (keys.has(key)) continue;
      this.#synced.delete(key);
      this.#queue.add(key);
    }
    this.#keys = keys;
    if (!options.resync) return;
    const intact = await Promise.all(toCheck.map(({ role, key }) => role.intact?.(key, snapshot) ?? false));
    let queued = 0;
    toCheck.forEach(({ role, key, digest }, i) => {
      const fullKey = `${role.name}/${key}`;
      if (intact[i] && digest !== undefined) {
        this.#synced.set(fullKey, digest);
      } else {
        this.#queue.add(fullKey);
        queued++;
      }
    });
    if (options.resync === 'full') {
      // Logged once the queue is empty; operators (and the scale benchmark) read it.
      void this.#queue.idle().then(() => this.#log.info({ items: keys.size, run: queued, ms: Math.round(performance.now() - started) }, 'full resync done'));
    } else if (queued > 0) {
      this.#log.info({ items: keys.size, run: queued }, 'periodic check ran items again');
    }
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
