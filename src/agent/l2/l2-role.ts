// The L2 role: one pass observes the host's links, plans (plan-l2.ts),
// applies, removes taps that stayed unknown past a grace period, and tells
// the server which ports are wired (ACTIVE) or lost (DOWN), sending only
// changes. The whole host is one work item ("l2"): one `ip link` read covers
// it, and link events (a tap appearing) queue it again.
import type { HostSnapshot, PortStatusRequest } from '../../agent-api/protocol.js';
import type { IpRoute2 } from '../../linux/iproute2.js';
import type { Logger } from '../../log.js';
import type { Role, SyncResult } from '../role.js';
import { applyL2, observeL2 } from './apply-l2.js';
import { desiredL2, planL2, staleTaps, tapName } from './plan-l2.js';

export interface L2RoleOptions {
  readonly ip: IpRoute2;
  readonly localIp: string;
  readonly physicalInterfaces: Readonly<Record<string, string>>;
  readonly reportPorts: (ports: PortStatusRequest['ports']) => Promise<unknown>;
  readonly log: Logger;
  /** How long a tap of no known port survives (see staleTaps). */
  readonly tapGraceMs?: number;
  readonly now?: () => number;
}

export class L2Role implements Role {
  readonly name = 'l2';
  readonly #o: L2RoleOptions;
  #tunnelDevice: string | undefined;
  #unknownSince = new Map<string, number>();
  /** Taps of the ports wired in the last pass. */
  #wiredTaps = new Set<string>();
  readonly #reported = new Map<string, 'ACTIVE' | 'DOWN'>();
  readonly #problemsLogged = new Set<string>();

  constructor(options: L2RoleOptions) {
    this.#o = options;
  }

  keys(): string[] {
    return ['host'];
  }

  /** The networks and which ports to plug where; taps appearing later come as pokes from the link monitor. */
  digest(_key: string, snapshot: HostSnapshot): string {
    const { networks, ports } = desiredL2(snapshot);
    return JSON.stringify([networks, ports.map((p) => [p.id, p.network_id])]);
  }

  async sync(_key: string, snapshot: HostSnapshot): Promise<SyncResult> {
    const { ip } = this.#o;
    this.#tunnelDevice ??= await this.#findTunnelDevice();
    const desired = desiredL2(snapshot);
    const started = performance.now();
    const observed = await observeL2(ip, undefined);
    const observedAt = performance.now();
    const plan = planL2(desired, observed, {
      localIp: this.#o.localIp,
      tunnelDevice: this.#tunnelDevice,
      physicalInterfaces: this.#o.physicalInterfaces,
    });
    for (const problem of plan.problems) {
      if (!this.#problemsLogged.has(problem)) this.#o.log.error({ problem }, 'cannot wire a network on this host');
      this.#problemsLogged.add(problem);
    }
    await applyL2(ip, undefined, plan.actions);
    const appliedAt = performance.now();

    const stale = staleTaps(plan.unknownTaps, this.#wiredTaps, this.#unknownSince, (this.#o.now ?? Date.now)(), this.#o.tapGraceMs ?? 5_000);
    for (const tap of stale.remove) {
      this.#o.log.info({ tap }, 'removing the tap of a port this host no longer has');
      await ip.removeLink(undefined, tap);
    }
    this.#unknownSince = stale.firstSeen;
    this.#wiredTaps = new Set(plan.wiredPorts.map(tapName));

    await this.#reportChanges(desired.ports.map((p) => p.id), plan.wiredPorts);
    if (plan.actions.length > 0) {
      const ms = (from: number, to: number) => Math.round(to - from);
      this.#o.log.info({ actions: plan.actions.length, observe_ms: ms(started, observedAt), apply_ms: ms(observedAt, appliedAt), report_ms: ms(appliedAt, performance.now()) }, 'applied L2 changes');
    }
    return { recheckInMs: stale.recheckInMs };
  }

  async #reportChanges(portIds: readonly string[], wired: readonly string[]): Promise<void> {
    const wiredSet = new Set(wired);
    const changes: Record<string, 'ACTIVE' | 'DOWN'> = {};
    for (const id of portIds) {
      const status = wiredSet.has(id) ? 'ACTIVE' : 'DOWN';
      // DOWN is only worth saying about a port this agent had called ACTIVE.
      if (this.#reported.get(id) !== status && (status === 'ACTIVE' || this.#reported.has(id))) changes[id] = status;
    }
    const known = new Set(portIds);
    for (const id of this.#reported.keys()) if (!known.has(id)) this.#reported.delete(id);
    if (Object.keys(changes).length === 0) return;
    await this.#o.reportPorts(changes);
    for (const [id, status] of Object.entries(changes)) this.#reported.set(id, status);
  }

  async #findTunnelDevice(): Promise<string> {
    const device = await this.#o.ip.deviceWithAddress(undefined, this.#o.localIp);
    if (!device) throw new Error(`no interface on this host has local_ip ${this.#o.localIp}`);
    return device;
  }
}
