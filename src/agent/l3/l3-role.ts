// The L3 role: one work item per router hosted here ("l3/<router_id>"), plus
// "l3/leftovers", which removes routers this node no longer hosts that an
// earlier agent left (namespaces, keepalived, files). A router pass observes,
// plans (plan-router.ts) and applies; keepalived is reloaded at most once per
// `reloadIntervalMs` per router, since SIGHUP bursts cause split brains.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HaStatesRequest, HostSnapshot, SnapshotRouter } from '../../agent-api/protocol.js';
import { namespaceExists } from '../../linux/iproute2.js';
import type { Logger } from '../../log.js';
import { findLeftovers } from '../leftovers.js';
import type { Role, SyncResult } from '../role.js';
import { applyRouter, observeRouter, removeRouter, type RouterHost } from './apply-router.js';
import { HaStateReporter } from './ha-state-reporter.js';
import { planRouter } from './plan-router.js';
import { desiredRouter, ROUTER_NS_PREFIX, routerNamespace, routerPaths } from './router-model.js';

const NOTIFY_SCRIPT = fileURLToPath(new URL('../../../../libexec/keepalived-notify.sh', import.meta.url));
const LEFTOVERS = 'leftovers';

export interface L3RoleOptions {
  readonly host: RouterHost;
  readonly statePath: string;
  readonly reportStates: (states: HaStatesRequest['states']) => Promise<unknown>;
  readonly log: Logger;
  readonly reloadIntervalMs?: number;
}

const hosted = (snapshot: HostSnapshot): SnapshotRouter[] => snapshot.routers.filter((r) => r.admin_state_up);

export class L3Role implements Role {
  readonly name = 'l3';
  readonly #o: L3RoleOptions;
  readonly #states: HaStateReporter;
  readonly #lastReload = new Map<string, number>();

  constructor(options: L3RoleOptions) {
    this.#o = options;
    this.#states = new HaStateReporter({ report: options.reportStates, log: options.log });
  }

  keys(snapshot: HostSnapshot): string[] {
    return [...hosted(snapshot).map((r) => r.id), LEFTOVERS];
  }

  digest(key: string, snapshot: HostSnapshot): string {
    if (key === LEFTOVERS) return hosted(snapshot).map((r) => r.id).join();
    return JSON.stringify([hosted(snapshot).find((r) => r.id === key) ?? null, snapshot.vrrp]);
  }

  async sync(key: string, snapshot: HostSnapshot): Promise<SyncResult | void> {
    if (key === LEFTOVERS) return this.#removeLeftovers(snapshot);
    const router = hosted(snapshot).find((r) => r.id === key);
    const namespace = routerNamespace(key);
    const paths = routerPaths(this.#o.statePath, key);
    if (!router) {
      this.#states.unwatch(key);
      this.#lastReload.delete(key);
      if (namespaceExists(namespace) || existsSync(paths.dir)) {
        this.#o.log.info({ router_id: key }, 'removing a router this node no longer hosts');
        await removeRouter(this.#o.host, key, namespace, paths);
      }
      return;
    }
    const desired = desiredRouter(router, snapshot.vrrp, `/bin/sh ${NOTIFY_SCRIPT} ${paths.dir}`);
    const haTap = desired.keepalivedConf === undefined ? undefined : desired.devices[0]!.tap;
    const observed = await observeRouter(this.#o.host, key, namespace, paths, haTap);
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
    await applyRouter(this.#o.host, key, namespace, paths, actions);
    if (desired.keepalivedConf !== undefined) {
      this.#states.watch(key, paths.dir);
      // keepalived waits for the HA path (plan-router.ts): look again soon.
      if (!observed.keepalivedRunning && !actions.some((a) => a.kind === 'ensure-keepalived')) recheckInMs = Math.min(recheckInMs ?? 100, 100);
    }
    return { recheckInMs };
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
