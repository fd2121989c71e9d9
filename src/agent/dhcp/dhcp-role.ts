// The DHCP role: one work item per network this node's DHCP agent serves
// ("dhcp/<network_id>"), plus "dhcp/leftovers", which removes the DHCP
// servers of networks this node no longer serves that an earlier agent left
// (namespaces, dnsmasq, files). A pass observes, plans (plan-dhcp.ts) and
// applies. A restart of dnsmasq waits until neither its files nor dnsmasq
// itself changed for `quietMs` (at most `restartMaxWaitMs`): a burst of
// port creations costs one restart, and a host entry rarely waits for one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HostSnapshot } from '../../agent-api/protocol.js';
import { namespaceExists } from '../../linux/iproute2.js';
import type { Logger } from '../../log.js';
import { findLeftovers } from '../leftovers.js';
import { findById, type Role, type SyncResult } from '../role.js';
import { applyDhcp, type DhcpHost, observeDhcp, removeDhcp } from './apply-dhcp.js';
import { DHCP_NS_PREFIX, desiredDhcp, dhcpNamespace, dhcpPaths } from './dhcp-model.js';
import { planDhcp } from './plan-dhcp.js';

const LEFTOVERS = 'leftovers';

export interface DhcpRoleOptions {
  readonly host: DhcpHost;
  readonly statePath: string;
  /** Neutron's dnsmasq_base_log_dir; empty: dnsmasq logs to syslog. */
  readonly logDir?: string;
  readonly log: Logger;
  readonly quietMs?: number;
  readonly restartMaxWaitMs?: number;
}

export class DhcpRole implements Role {
  readonly name = 'dhcp';
  readonly #o: DhcpRoleOptions;
  /** When each network's files were last written or its dnsmasq last (re)started. */
  readonly #lastChange = new Map<string, number>();
  /** Since when a restart of each network's dnsmasq has been waiting. */
  readonly #restartDueSince = new Map<string, number>();

  constructor(options: DhcpRoleOptions) {
    this.#o = options;
  }

  keys(snapshot: HostSnapshot): string[] {
    return [...snapshot.dhcp_networks.map((n) => n.id), LEFTOVERS];
  }

  digest(key: string, snapshot: HostSnapshot): string {
    if (key === LEFTOVERS) return snapshot.dhcp_networks.map((n) => n.id).join();
    return JSON.stringify([findById(snapshot.dhcp_networks, key) ?? null, snapshot.dhcp]);
  }

  async sync(key: string, snapshot: HostSnapshot): Promise<SyncResult | void> {
    if (key === LEFTOVERS) return this.#removeLeftovers(snapshot);
    const namespace = dhcpNamespace(key);
    const paths = dhcpPaths(this.#o.statePath, key);
    const network = findById(snapshot.dhcp_networks, key);
    const desired = network && desiredDhcp(network, snapshot.dhcp, paths, this.#o.logDir || undefined);
    if (!desired) {
      this.#forget(key);
      if (namespaceExists(namespace) || existsSync(paths.dir)) {
        this.#o.log.info({ network_id: key }, 'removing a DHCP server this node no longer runs');
        await removeDhcp(this.#o.host, key, namespace, paths);
      }
      return;
    }
    const observed = await observeDhcp(this.#o.host, key, namespace, paths);
    const now = Date.now();
    const wait = (this.#lastChange.get(key) ?? 0) + (this.#o.quietMs ?? 1_000) - now;
    const dueSince = this.#restartDueSince.get(key);
    const overdue = dueSince !== undefined && now - dueSince >= (this.#o.restartMaxWaitMs ?? 5_000);
    const { actions, restartDeferred } = planDhcp(desired, observed, { allowed: wait <= 0, overdue });
    if (actions.some((a) => a.kind === 'start-dnsmasq' || a.kind === 'write-file')) this.#lastChange.set(key, now);
    if (actions.some((a) => a.kind === 'start-dnsmasq')) this.#restartDueSince.delete(key);
    else if (restartDeferred && dueSince === undefined) this.#restartDueSince.set(key, now);
    if (actions.length > 0) this.#o.log.info({ network_id: key, actions: actions.map((a) => a.kind) }, 'applying DHCP changes');
    await applyDhcp(this.#o.host, key, namespace, paths, actions);
    // Look again once the files may have settled.
    return { recheckInMs: restartDeferred ? Math.max(wait, this.#o.quietMs ?? 1_000) : undefined };
  }

  #forget(networkId: string): void {
    this.#lastChange.delete(networkId);
    this.#restartDueSince.delete(networkId);
  }

  async #removeLeftovers(snapshot: HostSnapshot): Promise<void> {
    const wanted = new Set(snapshot.dhcp_networks.map((n) => n.id));
    for (const id of await findLeftovers(this.#o.host.ip, DHCP_NS_PREFIX, join(this.#o.statePath, 'dhcp'), wanted)) {
      this.#o.log.info({ network_id: id }, 'removing a DHCP server left from before');
      this.#forget(id);
      await removeDhcp(this.#o.host, id, dhcpNamespace(id), dhcpPaths(this.#o.statePath, id));
    }
  }
}
