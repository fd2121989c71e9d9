// The agent's conversation with the server, independent of what it runs:
// heartbeats at the pace the server asks for; a watch stream, reopened with
// capped exponential backoff whenever it ends; a snapshot fetch whenever the
// watch says "changed", handed to the reconciler when its revision differs
// from the last one applied. A resync hands it over even when the revision
// is the same, so drift on the host is repaired: a full one at start and
// after every reconnect of the watch, a check periodically (a missed event
// is repaired by the next resync). While the watch is down the heartbeat
// probes the server every second, and its first answer reopens the watch
// at once: after a server restart the agents see changes again within a
// second of its return, not after the watch's backoff (up to 30 s).
import type { HostSnapshot, ReportRequest, ReportResponse, WatchEvent } from '../../agent-api/protocol.js';
import type { WatchHandle } from '../../client/agent-client.js';
import type { Logger } from '../../log.js';
import { type Backoff, createBackoff } from './backoff.js';

/** 'full': at start and after a reconnect, reported when done; 'check': periodic. Both run the items whose Role.intact fails. */
export type Resync = 'full' | 'check';

/** The calls the runtime makes (AgentClient; a fake in unit tests). */
export interface AgentServer {
  report(req: ReportRequest): Promise<ReportResponse>;
  snapshot(host: string): Promise<HostSnapshot>;
  watch(host: string, onEvent: (event: WatchEvent) => void): Promise<WatchHandle>;
}

/** A fetch starts no sooner than this many times the last fetch's duration after it started. */
const FETCH_SPACING = 3;

/** Sleeps, but wakes early when the signal aborts (the runtime is stopping). */
export type Delay = (ms: number, signal: AbortSignal) => Promise<void>;

export const realDelay: Delay = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/** One loop's wait, which another loop can cut short. */
class Alarm {
  #early: AbortController | undefined;
  constructor(
    readonly delay: Delay,
    readonly stop: AbortSignal,
  ) {}

  async wait(ms: number): Promise<void> {
    const early = new AbortController();
    this.#early = early;
    await this.delay(ms, AbortSignal.any([this.stop, early.signal]));
    if (this.#early === early) this.#early = undefined;
  }

  ring(): void {
    this.#early?.abort();
  }
}

export interface AgentRuntimeOptions {
  readonly server: AgentServer;
  readonly host: string;
  readonly roles: ReportRequest['roles'];
  /**
   * Applies a snapshot whose revision is new, or any on a resync; never
   * called twice at once, with `resync` when handed over for a resync.
   */
  readonly onSnapshot: (snapshot: HostSnapshot, options: { resync: Resync | undefined }) => Promise<void>;
  readonly log: Logger;
  readonly delay?: Delay;
  readonly resyncIntervalMs?: number;
  readonly watchBackoff?: Backoff;
  readonly syncBackoff?: Backoff;
}

export class AgentRuntime {
  readonly #o: AgentRuntimeOptions;
  readonly #delay: Delay;
  readonly #stop = new AbortController();
  readonly #heartbeatAlarm: Alarm;
  readonly #watchAlarm: Alarm;
  #watchOpen = false;
  readonly #watchBackoff: Backoff;
  readonly #syncBackoff: Backoff;
  #loops: Promise<void>[] = [];
  #watch: WatchHandle | undefined;
  #applied: string | undefined;
  #syncing: Promise<void> | undefined;
  #syncAgain = false;
  /** The next fetched snapshot goes to the reconciler whatever its revision, as this resync. */
  #resync: Resync | undefined = 'full';
  /** When the last snapshot fetch started and how long it took. */
  #lastFetch = { at: 0, ms: 0 };

  constructor(options: AgentRuntimeOptions) {
    this.#o = options;
    this.#delay = options.delay ?? realDelay;
    this.#heartbeatAlarm = new Alarm(this.#delay, this.#stop.signal);
    this.#watchAlarm = new Alarm(this.#delay, this.#stop.signal);
    this.#watchBackoff = options.watchBackoff ?? createBackoff();
    this.#syncBackoff = options.syncBackoff ?? createBackoff();
  }

  /** The revision of the last snapshot handed to the reconciler. */
  get appliedRevision(): string | undefined {
    return this.#applied;
  }

  start(): void {
    this.#loops = [this.#heartbeatLoop(), this.#watchLoop(), this.#resyncLoop()];
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#watch?.close();
    await Promise.all(this.#loops);
    await this.#syncing;
  }

  get #stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  async #heartbeatLoop(): Promise<void> {
    let first = true;
    while (!this.#stopping) {
      let waitMs: number;
      try {
        const answer = await this.#o.server.report({ host: this.#o.host, roles: this.#o.roles, start_flag: first });
        first = false;
        waitMs = answer.report_interval * 1000;
        if (!this.#watchOpen) {
          // The server answers: reopen the watch now, and keep probing until it is open.
          this.#watchAlarm.ring();
          waitMs = Math.min(waitMs, 1_000);
        }
      } catch (err) {
        this.#o.log.warn({ err: String(err) }, 'heartbeat failed; retrying');
        waitMs = 1_000;
      }
      await this.#heartbeatAlarm.wait(waitMs);
    }
  }

  async #watchLoop(): Promise<void> {
    while (!this.#stopping) {
      try {
        // The stream opens with "changed": the fetch it starts is a full
        // resync, at start and after every reconnect. Asked for before the
        // stream opens, since its first line can arrive with the response
        // headers, before the open returns: a flag set afterwards waited for
        // the next change (13 s after a server restart at 100 routers).
        this.#wantResync('full');
        this.#watch = await this.#o.server.watch(this.#o.host, (event) => {
          if (event.type === 'changed') this.requestSync();
        });
        this.#watchBackoff.reset();
        this.#watchOpen = true;
        await this.#watch.ended;
        this.#watchOpen = false;
        if (this.#stopping) return;
        this.#o.log.info('watch stream ended; reopening');
        this.#heartbeatAlarm.ring();
      } catch (err) {
        if (this.#stopping) return;
        const wait = this.#watchBackoff.next();
        this.#o.log.warn({ err: String(err), retry_ms: wait }, 'watch failed');
        this.#heartbeatAlarm.ring();
        await this.#watchAlarm.wait(wait);
      }
    }
  }

  async #resyncLoop(): Promise<void> {
    const every = this.#o.resyncIntervalMs ?? 60_000;
    while (!this.#stopping) {
      await this.#delay(every, this.#stop.signal);
      if (!this.#stopping) this.requestSync({ resync: 'check' });
    }
  }

  /** Fetches the snapshot now, or once more after the fetch under way (requests coalesce). */
  requestSync(options: { resync?: Resync } = {}): void {
    this.#wantResync(options.resync);
    if (this.#syncing) {
      this.#syncAgain = true;
      return;
    }
    this.#syncing = this.#sync().finally(() => {
      this.#syncing = undefined;
      if (this.#syncAgain && !this.#stopping) {
        this.#syncAgain = false;
        this.requestSync();
      }
    });
  }

  /** The next handover is (at least) this resync: a full one is never made a check. */
  #wantResync(resync: Resync | undefined): void {
    if (resync && this.#resync !== 'full') this.#resync = resync;
  }

  async #sync(): Promise<void> {
    // Under a burst of changes (hundreds of routers created), every agent
    // would fetch back to back and keep the server busy building snapshots;
    // spacing fetches by a few times the last one's duration bounds that
    // share, and the changes meanwhile are in the next snapshot. A single
    // change after a quiet spell is fetched at once.
    const spacing = this.#lastFetch.at + FETCH_SPACING * this.#lastFetch.ms - Date.now();
    if (spacing > 0) await this.#delay(spacing, this.#stop.signal);
    while (!this.#stopping) {
      try {
        const resync = this.#resync;
        this.#resync = undefined;
        const started = Date.now();
        const snapshot = await this.#o.server.snapshot(this.#o.host).catch((err: unknown) => {
          this.#wantResync(resync);
          throw err;
        });
        // The first fetch after a (re)connect may meet a server that has just
        // started and is slow once: that says nothing about its load, and
        // spacing by it delayed the next change by seconds.
        if (resync !== 'full') this.#lastFetch = { at: started, ms: Date.now() - started };
        if (resync || snapshot.revision !== this.#applied) {
          await this.#o.onSnapshot(snapshot, { resync });
          this.#applied = snapshot.revision;
        }
        this.#syncBackoff.reset();
        return;
      } catch (err) {
        const wait = this.#syncBackoff.next();
        this.#o.log.warn({ err: String(err), retry_ms: wait }, 'sync failed');
        await this.#delay(wait, this.#stop.signal);
      }
    }
  }
}
