// The L3 role: one work item per router hosted here ("l3/<router_id>"), plus
// "l3/leftovers", which removes routers this node no longer hosts that an
// earlier agent left (namespaces, keepalived, files). A router pass observes,
// plans (plan-router.ts) and applies; keepalived is reloaded at most once per
// `reloadIntervalMs` per router, since SIGHUP bursts cause split brains.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { HaStatesRequest, HostSnapshot, SnapshotRouter } from '../../agent-api/protocol.js';
import { readText, writeAtomically } from '../../linux/files.js';
import { namespaceExists } from '../../linux/iproute2.js';
import type { Logger } from '../../log.js';
import { tapName } from '../l2/plan-l2.js';
import { findLeftovers } from '../leftovers.js';
import { findById, type Role, type SyncResult } from '../role.js';
import { applyRouter, keepalivedSpec, observeAfterPass, observeRouter, removeRouter, type RouterHost } from './apply-router.js';
import { HaStateReporter } from './ha-state-reporter.js';
import { planRouter } from './plan-router.js';
import { type DesiredRouter, desiredRouter, ROUTER_NS_PREFIX, routerNamespace, routerPaths } from './router-model.js';

const LEFTOVERS = 'leftovers';

const syncedDigest = (digest: string) => createHash('sha1').update(digest).digest('hex');

export interface L3RoleOptions {
  readonly host: RouterHost;
  readonly statePath: string;
  readonly reportStates: (states: HaStatesRequest['states']) => Promise<unknown>;
  readonly log: Logger;
  readonly reloadIntervalMs?: number;
  /** Queues a router's item again (NodeAgent.poke), e.g. once its HA path is up. */
  readonly poke?: (routerId: string) => void;
}

/** How long what a pass applied stands for what is there, for the router's next pass. */
const APPLIED_TRUSTED_MS = 30_000;

/** How soon a router whose HA path is down looks again, should no link event come. */
const HA_PATH_RECHECK_MS = 2_000;

const hosted = (snapshot: HostSnapshot): SnapshotRouter[] => snapshot.routers.filter((r) => r.admin_state_up);

/** Whether the node's tap is in a bridge (sysfs of the agent's own namespace: no process). */
const tapPlugged = (tap: string) => existsSync(`/sys/class/net/${tap}/master`);

function hostedRouter(snapshot: HostSnapshot, id: string): SnapshotRouter | undefined {
  const router = findById(snapshot.routers, id);
  return router?.admin_state_up ? router : undefined;
}

export class L3Role implements Role {
  readonly name = 'l3';
  readonly #o: L3RoleOptions;
  readonly #states: HaStateReporter;
  readonly #lastReload = new Map<string, number>();
  /** Routers whose keepalived waits for the HA port's tap to be plugged, with the tap. */
  readonly #waitingForHaPath = new Map<string, string>();
  /**
   * What the last pass of an HA router applied (all of it, or all but
   * keepalived's start while the HA path was down), with its HA tap and when.
   */
  readonly #applied = new Map<string, { tap: string; desired: DesiredRouter; at: number }>();

  constructor(options: L3RoleOptions) {
    this.#o = options;
    this.#states = new HaStateReporter({ report: options.reportStates, log: options.log });
  }

  keys(snapshot: HostSnapshot): string[] {
    return [...hosted(snapshot).map((r) => r.id), LEFTOVERS];
  }

  digest(key: string, snapshot: HostSnapshot): string {
    if (key === LEFTOVERS) return hosted(snapshot).map((r) => r.id).join();
    return JSON.stringify([hostedRouter(snapshot, key) ?? null, snapshot.vrrp]);
  }

  /**
   * The resync's look at a router, without a process: its namespace is
   * there, its last complete pass applied this very part of the snapshot
   * (the digest it left in its directory, so this holds across agent
   * restarts), and for an HA router keepalived runs with its tap plugged.
   * A full pass runs three processes in the router's namespace; for
   * hundreds of routers at every start and every minute, that kept each
   * agent busy most of the time and the machine saturated.
   */
  async intact(key: string, snapshot: HostSnapshot): Promise<boolean> {
    if (key === LEFTOVERS) return false;
    const router = hostedRouter(snapshot, key);
    const namespace = routerNamespace(key);
    if (!router || this.#waitingForHaPath.has(key) || !namespaceExists(namespace)) return false;
    const paths = routerPaths(this.#o.statePath, key);
    if ((await readText(paths.synced)) !== syncedDigest(this.digest(key, snapshot))) return false;
    if (!router.ha) return true;
    const haTap = router.ha_port ? tapName(router.ha_port.id) : undefined;
    if (haTap === undefined || !tapPlugged(haTap) || !(await this.#o.host.daemons.isRunning(keepalivedSpec(key, namespace, paths)))) return false;
    // As a pass would: a restarted agent reads the transitions of routers it does not run.
    this.#states.watch(key, paths);
    return true;
  }

  async sync(key: string, snapshot: HostSnapshot): Promise<SyncResult | void> {
    if (key === LEFTOVERS) return this.#removeLeftovers(snapshot);
    const router = hostedRouter(snapshot, key);
    const namespace = routerNamespace(key);
    const paths = routerPaths(this.#o.statePath, key);
    await rm(paths.synced, { force: true });
    if (!router) {
      this.#waitingForHaPath.delete(key);
      this.#applied.delete(key);
      this.#states.unwatch(key);
      this.#lastReload.delete(key);
      if (namespaceExists(namespace) || existsSync(paths.dir)) {
        this.#o.log.info({ router_id: key }, 'removing a router this node no longer hosts');
        await removeRouter(this.#o.host, key, namespace, paths);
      }
      return;
    }
    const desired = desiredRouter(router, snapshot.vrrp, paths.fifo);
    const haTap = desired.keepalivedConf === undefined ? undefined : desired.devices[0]!.tap;
    const digest = this.digest(key, snapshot);
    const last = this.#applied.get(key);
    this.#applied.delete(key); // trusted once: a pass that fails looks again next time
    this.#waitingForHaPath.delete(key);
    // A pass soon after this agent's last one plans from what that one
    // applied, reading only keepalived and the tap: a new router's first
    // passes (its interface often comes a moment after it, and keepalived
    // after the HA path) would otherwise run three processes in the
    // namespace each to find what was just made. Later passes look.
    const observed =
      haTap && last?.tap === haTap && Date.now() - last.at < APPLIED_TRUSTED_MS && namespaceExists(namespace)
        ? await observeAfterPass(this.#o.host, last.desired, paths, haTap)
        : await observeRouter(this.#o.host, key, namespace, paths, haTap);
    let actions = planRouter(desired, observed);
    let recheckInMs: number | undefined;
    if (actions.some((a) => a.kind === 'reload-keepalived')) {
      const wait = (this.#lastReload.get(key) ?? 0) + (this.#o.reloadIntervalMs ?? 1_000) - Date.now();
      if (wait > 0) {
        // Keep the old file until the reload may happen, so the next pass still sees the change.
        actions = actions.filter((a) => a.kind !== 'reload-keepalived' && a.kind !== 'write-keepalived-conf');
        recheckInMs = wait;
      } else {
        this.#lastReload.set(key, Date.now());
      }
    }
    if (actions.length > 0) this.#o.log.info({ router_id: key, actions: actions.map((a) => a.kind) }, 'applying router changes');
    if (!observed.keepalivedRunning && actions.some((a) => a.kind === 'ensure-keepalived')) this.#states.forget(key, paths);
    await applyRouter(this.#o.host, key, namespace, paths, actions);
    if (desired.keepalivedConf !== undefined) {
      const running = observed.keepalivedRunning || actions.some((a) => a.kind === 'ensure-keepalived');
      if (running) {
        this.#states.watch(key, paths);
      } else if (haTap) {
        // keepalived waits for the HA path (plan-router.ts): linksChanged()
        // looks again once L2 has plugged the tap, at once if it was plugged
        // while this pass ran (its link event came too early for us); the
        // recheck is the fallback.
        this.#waitingForHaPath.set(key, haTap);
        recheckInMs = tapPlugged(haTap) ? 0 : Math.min(recheckInMs ?? HA_PATH_RECHECK_MS, HA_PATH_RECHECK_MS);
      }
    }
    const complete = recheckInMs === undefined;
    if (complete) {
      await mkdir(paths.dir, { recursive: true });
      await writeAtomically(paths.synced, syncedDigest(digest));
    }
    // What this pass applied stands for the next one: all of it, or all but keepalived's start.
    if (haTap && (complete || this.#waitingForHaPath.has(key))) this.#applied.set(key, { tap: haTap, desired, at: Date.now() });
    return { recheckInMs };
  }

  /**
   * The node's links changed (a link event): routers waiting for their HA
   * path whose tap now has a bridge are queued again. Reads sysfs, so a
   * burst of events costs no process.
   */
  linksChanged(): void {
    for (const [id, tap] of this.#waitingForHaPath) {
      if (tapPlugged(tap)) this.#o.poke?.(id);
    }
  }

  async #removeLeftovers(snapshot: HostSnapshot): Promise<void> {
    const wanted = new Set(hosted(snapshot).map((r) => r.id));
    for (const id of await findLeftovers(this.#o.host.ip, ROUTER_NS_PREFIX, join(this.#o.statePath, 'ha_confs'), wanted)) {
      this.#o.log.info({ router_id: id }, 'removing a router left from before');
      this.#states.unwatch(id);
      await removeRouter(this.#o.host, id, routerNamespace(id), routerPaths(this.#o.statePath, id));
    }
  }

  close(): void {
    this.#states.close();
  }
}
