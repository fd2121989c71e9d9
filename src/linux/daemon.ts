// Supervision of long-running daemons (keepalived, dnsmasq) that outlive the
// agent that started them: an agent restart adopts the running daemons
// instead of restarting them, so a router's VRRP state and a network's DHCP
// leases survive agent upgrades and crashes.
//
// A daemon that forks (keepalived, dnsmasq in daemon mode) is re-parented to
// PID 1 of its PID namespace, so no 'exit' event ever tells us it died; the
// pid file plus /proc is the one source of truth. A pid counts as the daemon
// only if it is alive, not a zombie, and its command line still holds the
// spec's identity: pids get reused, and a stale pid file must never make us
// adopt, signal or kill an unrelated process.
//
// The agent's service manager must let the daemons live on when the agent
// stops (systemd: KillMode=process), or they die with it and get restarted.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../log.js';
import { type Exec, ExecError, exec as defaultExec } from './exec.js';
import { NamespaceNotFound, namespaceExists } from './iproute2.js';
import { parseCmdline, parseProcState } from './proc.js';

export interface DaemonSpec {
  /** For logs and the supervisor's registry (the key: one spec per name), e.g. 'keepalived qrouter-x'. */
  readonly name: string;
  readonly argv: readonly string[];
  /** Run inside this network namespace (`ip netns exec NS ...`). */
  readonly namespace?: string;
  readonly pidFile: string;
  /**
   * true: the program forks and writes pidFile itself (keepalived -p,
   * dnsmasq --pid-file); its start command must return once it has forked and
   * must not keep our stdout/stderr open (both detach their stdio).
   * false: we start it detached (own session, stdio to logFile or /dev/null)
   * and write pidFile ourselves.
   */
  readonly daemonizes: boolean;
  /** Where a non-forking daemon's stdout/stderr go; its tail goes into DaemonStartError. */
  readonly logFile?: string;
  /**
   * A string that must appear in /proc/<pid>/cmdline (the arguments joined
   * with spaces) for the pid to count as this daemon, e.g. its config file's
   * path. It must not be part of another daemon's command line: prefer
   * '/run/hanet/r1/keepalived.conf' to '/run/hanet/r1' (which '/run/hanet/r10'
   * contains).
   */
  readonly identity: string;
}

export class DaemonStartError extends Error {
  constructor(
    readonly daemonName: string,
    readonly argv: readonly string[],
    readonly reason: string,
    /** The last lines of the daemon's stderr and log file, if any. */
    readonly output: string,
  ) {
    super(`${daemonName} did not start (${argv.join(' ')}): ${reason}${output ? `\n${output}` : ''}`);
  }
}

export class DaemonStopError extends Error {
  constructor(
    readonly daemonName: string,
    readonly pid: number,
  ) {
    super(`${daemonName} (pid ${pid}) is still there after SIGKILL`);
  }
}

/** The pid in a pid file's text, or undefined for an empty, half-written or garbled one. */
export function parsePid(text: string): number | undefined {
  const first = text.split('\n', 1)[0]!.trim();
  if (!/^[1-9][0-9]{0,9}$/.test(first)) return undefined;
  const pid = Number(first);
  // Above the kernel's PID_MAX_LIMIT (2^22) it is not a pid.
  return pid <= 4_194_304 ? pid : undefined;
}

/**
 * How soon a dead daemon may be started again: 1 s after its last start, then
 * 2 s, 4 s ... capped at 30 s, so a daemon that crashes at once cannot cause
 * a spawn storm. A daemon that stayed up `stableMs` (60 s) starts over: it is
 * respawned at once (its run was the 1 s gap), then after 2 s, 4 s ...
 */
export class RespawnBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #stableMs: number;
  #attempt = 0;
  #lastStartAt: number;

  constructor(startedAt: number, options: { initialMs?: number; maxMs?: number; stableMs?: number } = {}) {
    this.#initialMs = options.initialMs ?? 1_000;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#stableMs = options.stableMs ?? 60_000;
    this.#lastStartAt = startedAt;
  }

  /** Called when the daemon is found dead: the milliseconds to wait before starting it again (0: now). */
  wait(now: number): number {
    if (now - this.#lastStartAt >= this.#stableMs) this.#attempt = 0;
    const delay = Math.min(this.#maxMs, this.#initialMs * 2 ** this.#attempt);
    return Math.max(0, this.#lastStartAt + delay - now);
  }

  /** Called for every start attempt after the first, whether it worked or not. */
  restarted(now: number): void {
    this.#attempt++;
    this.#lastStartAt = now;
  }
}

type ProcessInfo = { readonly args: readonly string[] };

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The process's arguments if it is alive and not a zombie; undefined when it
 * is gone (also mid-read). /proc is read synchronously: it is never on a
 * disk, and the supervisor looks at hundreds of daemons every second.
 */
function readProcess(pid: number): ProcessInfo | undefined {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errnoCode(err) === 'ESRCH') return undefined;
    if (errnoCode(err) !== 'EPERM') throw err;
  }
  try {
    // A zombie still passes kill(pid, 0); nobody may ever reap it when PID 1 is not a real init.
    const state = parseProcState(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (state === undefined || state === 'Z' || state === 'X') return undefined;
    return { args: parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8')) };
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ESRCH') return undefined;
    throw err;
  }
}

/** Whether `pid` is a live process whose command line holds `identity`. */
function isDaemon(pid: number, identity: string): boolean {
  const info = readProcess(pid);
  return info !== undefined && hasIdentity(info, identity);
}

function hasIdentity(info: ProcessInfo, identity: string): boolean {
  return info.args.join(' ').includes(identity);
}

async function readPidFile(path: string): Promise<number | undefined> {
  try {
    return parsePid(await readFile(path, 'utf8'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** The last lines of a log file (the last 4 KiB at most); '' when there is none. */
async function tailOf(path: string | undefined, maxLines = 20): Promise<string> {
  if (!path) return '';
  let handle;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, 4096);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return lastLines(buffer.toString('utf8'), maxLines);
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}

function lastLines(text: string, maxLines = 20): string {
  return text.trim().split('\n').slice(-maxLines).join('\n');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A non-forking daemon we spawned; `exit` is set once it has exited (and been reaped). */
interface SpawnedChild {
  readonly pid: number;
  exit: string | undefined;
}

interface Entry {
  spec: DaemonSpec;
  pid: number;
  readonly backoff: RespawnBackoff;
  /** Whether the current death has been logged already (a backoff wait lasts several polls). */
  deathLogged: boolean;
}

export interface DaemonSupervisorOptions {
  readonly exec?: Exec;
  readonly log: Logger;
  /** How often registered daemons are checked (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** Called after a dead daemon was started again. */
  readonly onRespawn?: (name: string, oldPid: number, newPid: number) => void;
  /** How long a start may take until the pid file names the live daemon (default 5000 ms). */
  readonly startTimeoutMs?: number;
  /**
   * How long a non-forking daemon must stay up for its start to count
   * (default 100 ms), so that one failing at once (bad option, busy port) is a
   * DaemonStartError with its output rather than a respawn loop. A forking
   * daemon reports such failures through its exit status instead.
   */
  readonly startSettleMs?: number;
  readonly respawnBackoff?: { initialMs?: number; maxMs?: number; stableMs?: number };
  readonly now?: () => number;
}

export class DaemonSupervisor {
  readonly #exec: Exec;
  readonly #log: Logger;
  readonly #pollIntervalMs: number;
  readonly #onRespawn: ((name: string, oldPid: number, newPid: number) => void) | undefined;
  readonly #startTimeoutMs: number;
  readonly #startSettleMs: number;
  readonly #backoffOptions: { initialMs?: number; maxMs?: number; stableMs?: number };
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  /** Per daemon name, the tail of its chain of operations: ensure, stop, signal and respawn never overlap. */
  readonly #queues = new Map<string, Promise<unknown>>();
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #closed = false;

  constructor(options: DaemonSupervisorOptions) {
    this.#exec = options.exec ?? defaultExec;
    this.#log = options.log;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#onRespawn = options.onRespawn;
    this.#startTimeoutMs = options.startTimeoutMs ?? 5_000;
    this.#startSettleMs = options.startSettleMs ?? 100;
    this.#backoffOptions = options.respawnBackoff ?? {};
    this.#now = options.now ?? Date.now;
  }

  /**
   * Adopts the running daemon (no restart, no signal) or starts it, and
   * supervises it from now on. A start that does not end with the pid file
   * naming the live daemon is a DaemonStartError. An already supervised daemon
   * keeps its respawn backoff, so ensure() in a reconcile loop cannot turn a
   * crashing daemon into a spawn storm either.
   */
  async ensure(spec: DaemonSpec): Promise<{ pid: number; started: boolean }> {
    checkSpec(spec);
    if (this.#closed) throw new Error('DaemonSupervisor is closed');
    return this.#serialize(spec.name, async () => {
      const entry = this.#entries.get(spec.name);
      let pid = await this.#find(spec, entry?.pid);
      const started = pid === undefined;
      if (pid === undefined) {
        if (entry) {
          // A failed start counts too: the supervisor's next try backs off.
          entry.spec = spec;
          entry.backoff.restarted(this.#now());
        }
        pid = await this.#start(spec);
        this.#log.info({ daemon: spec.name, pid }, 'started daemon');
      } else if (entry?.pid !== pid) {
        this.#log.info({ daemon: spec.name, pid }, 'adopted running daemon');
      }
      if (entry) {
        Object.assign(entry, { spec, pid, deathLogged: false });
      } else {
        this.#entries.set(spec.name, { spec, pid, backoff: new RespawnBackoff(this.#now(), this.#backoffOptions), deathLogged: false });
      }
      this.#startTimer();
      return { pid, started };
    });
  }

  /** Sends `sig` to the daemon if it runs (by name: a supervised one); false when there was nothing to signal. */
  signal(target: string | DaemonSpec, sig: NodeJS.Signals): Promise<boolean> {
    const name = typeof target === 'string' ? target : target.name;
    return this.#serialize(name, async () => {
      const entry = this.#entries.get(name);
      const spec = typeof target === 'string' ? entry?.spec : target;
      if (!spec) return false;
      const pid = await this.#find(spec, entry?.pid);
      // The identity was checked just now; a pid reused in between is beyond
      // what kill(2) lets us rule out (Node has no pidfd_send_signal).
      return pid !== undefined && kill(pid, sig);
    });
  }

  /**
   * Stops supervising the daemon and stops it: SIGTERM, SIGKILL after
   * `timeoutMs`, then removes the pid file. Success when it was not running.
   */
  stop(spec: DaemonSpec, options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    return this.#serialize(spec.name, async () => {
      const entry = this.#entries.get(spec.name);
      this.#entries.delete(spec.name);
      if (this.#entries.size === 0) this.#stopTimer();
      const pid = await this.#find(spec, entry?.pid);
      if (pid !== undefined) {
        kill(pid, 'SIGTERM');
        if (!(await waitGone(pid, spec.identity, timeoutMs))) {
          this.#log.warn({ daemon: spec.name, pid, timeoutMs }, 'daemon ignored SIGTERM; sending SIGKILL');
          kill(pid, 'SIGKILL');
          if (!(await waitGone(pid, spec.identity, 2_000))) throw new DaemonStopError(spec.name, pid);
        }
        this.#log.info({ daemon: spec.name, pid }, 'stopped daemon');
      }
      await rm(spec.pidFile, { force: true });
    });
  }

  async isRunning(spec: DaemonSpec): Promise<boolean> {
    return (await this.pidOf(spec)) !== undefined;
  }

  /** The daemon's pid if it is running (as its pid file, or the pid we last knew, says). */
  pidOf(spec: DaemonSpec): Promise<number | undefined> {
    return this.#find(spec, this.#entries.get(spec.name)?.pid);
  }

  /** Stops supervising, and leaves the daemons running: they are meant to outlive the agent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopTimer();
    await this.#tick;
  }

  async #find(spec: DaemonSpec, known: number | undefined): Promise<number | undefined> {
    // The pid we know first: while it is still the daemon, the periodic
    // check of hundreds of daemons reads only /proc, not their pid files.
    if (known !== undefined && isDaemon(known, spec.identity)) return known;
    const fromFile = await readPidFile(spec.pidFile);
    return fromFile !== undefined && fromFile !== known && isDaemon(fromFile, spec.identity) ? fromFile : undefined;
  }

  async #start(spec: DaemonSpec): Promise<number> {
    if (spec.namespace !== undefined) {
      // Checked here, as `ip netns exec` of a detached child reports it only into the log.
      if (!namespaceExists(spec.namespace)) throw new NamespaceNotFound(spec.namespace);
    }
    await rm(spec.pidFile, { force: true }); // stale: it did not name the live daemon
    await mkdir(dirname(spec.pidFile), { recursive: true });
    if (spec.logFile) await mkdir(dirname(spec.logFile), { recursive: true });
    const argv = spec.namespace !== undefined ? ['ip', 'netns', 'exec', spec.namespace, ...spec.argv] : [...spec.argv];
    if (spec.daemonizes) {
      try {
        await this.#exec(argv, { timeoutMs: this.#startTimeoutMs });
      } catch (err) {
        if (!(err instanceof ExecError)) throw err;
        const output = [lastLines(err.stderr), await tailOf(spec.logFile)].filter(Boolean).join('\n');
        throw new DaemonStartError(spec.name, argv, `exit ${err.exitCode ?? 'by signal or timeout'}`, output);
      }
      return this.#awaitPidFile(spec, argv, undefined);
    }
    const child = await this.#spawnDetached(spec, argv);
    try {
      return await this.#awaitPidFile(spec, argv, child);
    } catch (err) {
      // Our own child (unreaped, so the pid is still its): do not leave it
      // running unsupervised, e.g. when the identity never showed up.
      if (!child.exit) kill(child.pid, 'SIGKILL');
      await rm(spec.pidFile, { force: true });
      throw err;
    }
  }

  /**
   * Starts a non-forking daemon in its own session (so it outlives us and our
   * terminal's signals), stdio to its log file or /dev/null (never a pipe: it
   * would get SIGPIPE once we are gone), and writes its pid file. While we
   * live, the ChildProcess reaps it when it exits; unref() lets us exit first.
   */
  async #spawnDetached(spec: DaemonSpec, argv: readonly string[]): Promise<SpawnedChild> {
    const log = spec.logFile ? await open(spec.logFile, 'a') : undefined;
    const status: { exit: string | undefined } = { exit: undefined };
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log?.fd ?? 'ignore', log?.fd ?? 'ignore'] });
      child.on('exit', (code, signal) => {
        status.exit = code !== null ? `exit ${code}` : `killed by ${signal}`;
        this.#log.debug({ daemon: spec.name, pid: child.pid, code, signal }, 'daemon process exited');
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      throw new DaemonStartError(spec.name, argv, (err as Error).message, await tailOf(spec.logFile));
    } finally {
      await log?.close();
    }
    child.on('error', (err) => this.#log.warn({ err, daemon: spec.name }, 'daemon child process error'));
    child.unref();
    const pid = child.pid!;
    try {
      // Write-then-rename: a reader never sees a half-written pid.
      const tmp = `${spec.pidFile}.${process.pid}.tmp`;
      await writeFile(tmp, `${pid}\n`);
      await rename(tmp, spec.pidFile);
    } catch (err) {
      kill(pid, 'SIGKILL'); // unsupervisable without its pid file
      throw err;
    }
    return Object.assign(status, { pid });
  }

  /**
   * Polls (every 15 ms, up to the start timeout) until the pid file names the
   * live daemon, and for one we spawned, until it has also stayed up for the
   * settle time.
   */
  async #awaitPidFile(spec: DaemonSpec, argv: readonly string[], child: SpawnedChild | undefined): Promise<number> {
    const startedAt = Date.now();
    const deadline = startedAt + this.#startTimeoutMs;
    for (;;) {
      const pid = await readPidFile(spec.pidFile);
      const info = pid !== undefined ? readProcess(pid) : undefined;
      if (child?.exit) throw new DaemonStartError(spec.name, argv, child.exit, await tailOf(spec.logFile));
      // `ip netns exec` replaces itself with the daemon; until it has, the
      // identity in its own arguments does not prove the daemon runs.
      const running = pid !== undefined && info !== undefined && hasIdentity(info, spec.identity) && !(spec.namespace !== undefined && isIpNetnsExec(info));
      if (running && (!child || Date.now() - startedAt >= this.#startSettleMs)) return pid;
      if (Date.now() >= deadline) {
        throw new DaemonStartError(spec.name, argv, `${spec.pidFile} did not name a live process with "${spec.identity}" within ${this.#startTimeoutMs} ms`, await tailOf(spec.logFile));
      }
      await sleep(15);
    }
  }

  #serialize<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.#queues.get(name) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(name, tail);
    void tail.then(() => {
      if (this.#queues.get(name) === tail) this.#queues.delete(name);
    });
    return run;
  }

  #startTimer(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => {
      // One pass at a time: a slow start must not stack passes up.
      this.#tick ??= this.#checkAll().finally(() => (this.#tick = undefined));
    }, this.#pollIntervalMs);
    this.#timer.unref(); // supervision alone does not keep the agent alive
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #checkAll(): Promise<void> {
    await Promise.all(
      [...this.#entries.keys()].map((name) =>
        this.#serialize(name, () => this.#check(name)).catch((err: unknown) => this.#log.error({ err, daemon: name }, 'daemon supervision check failed')),
      ),
    );
  }

  async #check(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry || this.#closed) return;
    const { spec } = entry;
    const pid = await this.#find(spec, entry.pid);
    if (pid !== undefined) {
      if (pid !== entry.pid) this.#log.info({ daemon: name, oldPid: entry.pid, pid }, 'daemon runs under a new pid; following it');
      Object.assign(entry, { pid, deathLogged: false });
      return;
    }
    const now = this.#now();
    const waitMs = entry.backoff.wait(now);
    if (waitMs > 0) {
      if (!entry.deathLogged) this.#log.warn({ daemon: name, pid: entry.pid, respawnInMs: waitMs }, 'daemon died; respawning after backoff');
      entry.deathLogged = true;
      return;
    }
    entry.backoff.restarted(now);
    const oldPid = entry.pid;
    try {
      entry.pid = await this.#start(spec);
    } catch (err) {
      entry.deathLogged = false; // log the next wait too
      this.#log.error({ err, daemon: name, oldPid }, 'respawning daemon failed');
      return;
    }
    entry.deathLogged = false;
    this.#log.warn({ daemon: name, oldPid, pid: entry.pid }, 'daemon died; respawned it');
    try {
      this.#onRespawn?.(name, oldPid, entry.pid);
    } catch (err) {
      this.#log.error({ err, daemon: name }, 'onRespawn callback failed');
    }
  }
}

function checkSpec(spec: DaemonSpec): void {
  if (spec.argv.length === 0) throw new TypeError(`daemon ${spec.name}: empty argv`);
  // An empty identity would match any process, and adopt or kill it.
  if (spec.identity.trim() === '') throw new TypeError(`daemon ${spec.name}: empty identity`);
}

function isIpNetnsExec(info: ProcessInfo): boolean {
  return basename(info.args[0] ?? '') === 'ip' && info.args[1] === 'netns' && info.args[2] === 'exec';
}

/** kill(2) that treats "no such process" as false rather than an error. */
function kill(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ESRCH') return false;
    throw err;
  }
}

/** Whether `pid` stops being the daemon (gone, a zombie, or another program) within `timeoutMs`. */
async function waitGone(pid: number, identity: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = readProcess(pid);
    // An empty command line: the process is exiting (its memory is gone, it
    // is not a zombie yet) and may still hold its sockets; wait for the end.
    if (!info || (info.args.length > 0 && !hasIdentity(info, identity))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(15);
  }
}
