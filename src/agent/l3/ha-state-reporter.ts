// Reads keepalived's transitions and reports them. Each router's keepalived
// writes its transitions, in order, to its notify FIFO (global_defs
// notify_fifo, e.g. `INSTANCE "VR_1" MASTER 50`). The agent reads every
// FIFO on its event loop: no process per transition (a mass failover of
// hundreds of routers spawned hundreds of notify scripts, and two scripts of
// one router could finish out of order and record the wrong state). The
// FIFO is opened read-write, so it never reaches end-of-file and survives
// keepalived restarts; what keepalived wrote while no agent read waits in
// the pipe. Each state is recorded in <ha_confs>/<router>/state (for the
// next agent and for operators) and the changes of a burst go to the server
// in one batch. A failed report is kept and sent again, merged with newer
// states.
import { closeSync, constants, type FSWatcher, fstatSync, openSync, readFileSync, readSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { HaStatesRequest } from '../../agent-api/protocol.js';
import type { Logger } from '../../log.js';

export type VrrpState = 'master' | 'backup' | 'fault';

/** keepalived's notify FIFO line → the state it announces (STOP and group lines say nothing about it). */
export function parseFifoLine(line: string): VrrpState | undefined {
  const m = /^INSTANCE "[^"]*" (MASTER|BACKUP|FAULT)\b/.exec(line.trim());
  return m ? (m[1]!.toLowerCase() as VrrpState) : undefined;
}

interface Watched {
  readonly files: RouterStateFiles;
  /** inotify on the router's directory: keepalived making its FIFO, or a new one when reloaded. */
  readonly dirWatcher: FSWatcher;
  fifo?: { readonly socket: Socket; readonly ino: number; readonly fd: number };
}

export interface RouterStateFiles {
  /** The FIFO keepalived writes to (it creates it). */
  readonly fifo: string;
  /** Where the last state is recorded. */
  readonly state: string;
}

export class HaStateReporter {
  readonly #report: (states: HaStatesRequest['states']) => Promise<unknown>;
  readonly #log: Logger;
  readonly #batchMs: number;
  readonly #watched = new Map<string, Watched>();
  /** The state keepalived last announced, per router. */
  readonly #known = new Map<string, VrrpState>();
  #pending: Record<string, VrrpState> = {};
  #timer: NodeJS.Timeout | undefined;
  #sending = false;

  constructor(options: { report: (states: HaStatesRequest['states']) => Promise<unknown>; log: Logger; batchMs?: number }) {
    this.#report = options.report;
    this.#log = options.log;
    this.#batchMs = options.batchMs ?? 50;
  }

  /**
   * Reads a router's FIFO from now on (idempotent; call once its keepalived
   * runs): the one there is, and each one keepalived makes later (it makes
   * a new one when reloaded). The recorded state counts until keepalived
   * says otherwise.
   */
  watch(routerId: string, files: RouterStateFiles): void {
    if (this.#watched.has(routerId)) return this.#open(routerId);
    const dirWatcher = watch(dirname(files.fifo), (_event, name) => {
      if (name === basename(files.fifo)) this.#open(routerId);
    });
    dirWatcher.on('error', () => undefined); // the directory went away with the router
    this.#watched.set(routerId, { files, dirWatcher });
    const recorded = readRecorded(files.state);
    if (recorded && !this.#known.has(routerId)) this.#changed(routerId, recorded, { record: false });
    this.#open(routerId);
  }

  /** Opens the FIFO at the router's path unless it is the one being read. */
  #open(routerId: string): void {
    const w = this.#watched.get(routerId);
    if (!w) return;
    let fd: number;
    try {
      fd = openSync(w.files.fifo, constants.O_RDWR | constants.O_NONBLOCK);
    } catch {
      return; // not made yet: the directory watch sees it come
    }
    const ino = fstatSync(fd).ino;
    if (w.fifo?.ino === ino) return closeSync(fd);
    if (w.fifo) {
      // keepalived may have written its last lines to the old FIFO just
      // before its reload made the new one (a transition during the reload):
      // read them before letting it go, or the router's state is lost.
      this.#drain(routerId, w.fifo.fd);
      w.fifo.socket.destroy();
    }
    let socket: Socket;
    try {
      socket = new Socket({ fd, readable: true, writable: false });
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    socket.on('error', (err) => this.#log.warn({ router_id: routerId, err: err.message }, 'reading the notify FIFO failed'));
    w.fifo = { socket, ino, fd };
    createInterface({ input: socket }).on('line', (line) => this.#read(routerId, line));
  }

  #read(routerId: string, line: string): void {
    const state = parseFifoLine(line);
    if (state) this.#changed(routerId, state, { record: true });
  }

  /** Reads what is left in a FIFO (opened non-blocking) without waiting, in order. */
  #drain(routerId: string, fd: number): void {
    const buffer = Buffer.alloc(4096);
    let text = '';
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer);
      } catch {
        break; // EAGAIN: empty
      }
      if (n <= 0) break;
      text += buffer.toString('utf8', 0, n);
    }
    for (const line of text.split('\n')) this.#read(routerId, line);
  }

  unwatch(routerId: string): void {
    this.#close(this.#watched.get(routerId));
    this.#watched.delete(routerId);
    this.#known.delete(routerId);
    delete this.#pending[routerId];
  }

  /**
   * A router's keepalived is about to (re)start: what the earlier one
   * announced is no longer true, and the new one announces its own.
   */
  forget(routerId: string, files: RouterStateFiles): void {
    this.#known.delete(routerId);
    rmSync(files.state, { force: true });
  }

  /** The last state keepalived announced for a router. */
  stateOf(routerId: string): VrrpState | undefined {
    return this.#known.get(routerId);
  }

  close(): void {
    for (const w of this.#watched.values()) this.#close(w);
    this.#watched.clear();
    clearTimeout(this.#timer);
  }

  #close(w: Watched | undefined): void {
    w?.dirWatcher.close();
    w?.fifo?.socket.destroy();
  }

  #changed(routerId: string, state: VrrpState, options: { record: boolean }): void {
    if (this.#known.get(routerId) === state) return;
    this.#known.set(routerId, state);
    this.#log.info({ router_id: routerId, state }, 'VRRP state changed');
    const stateFile = this.#watched.get(routerId)?.files.state;
    if (options.record && stateFile) {
      // Synchronously, so the file always ends with the last transition read.
      try {
        writeFileSync(`${stateFile}.tmp`, `${state}\n`);
        renameSync(`${stateFile}.tmp`, stateFile);
      } catch (err) {
        this.#log.warn({ router_id: routerId, err: (err as Error).message }, 'recording the VRRP state failed');
      }
    }
    // Always queued, even when it is what the server was last told: a batch
    // under way may be telling it something older.
    this.#pending[routerId] = state;
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

function readRecorded(file: string): VrrpState | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === 'master' || text === 'backup' || text === 'fault' ? text : undefined;
  } catch {
    return undefined;
  }
}
