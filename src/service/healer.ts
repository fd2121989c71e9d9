// The server's periodic repairs, each in its own transaction: replicas and
// DHCP service moved off agents dead for too long. Topping up routers and
// networks that lack agents happens when an agent registers or comes back
// (agent-api/app.ts), not here: periodically it would undo an operator's
// deliberate `network agent remove router`.
import { transact } from '../db/transact.js';
import type { Logger } from '../log.js';
import type { ServiceDeps } from './deps.js';
import type { DhcpScheduling } from './dhcp-scheduling.js';
import type { L3Scheduling } from './l3-scheduling.js';

export class Healer {
  readonly #deps: ServiceDeps;
  readonly #l3: L3Scheduling;
  readonly #dhcp: DhcpScheduling;
  readonly #log: Logger;

  constructor(deps: ServiceDeps, l3: L3Scheduling, dhcp: DhcpScheduling, log: Logger) {
    this.#deps = deps;
    this.#l3 = l3;
    this.#dhcp = dhcp;
    this.#log = log;
  }

  async runOnce(): Promise<void> {
    const { db } = this.#deps;
    const moved = await transact(db, (tx) => this.#l3.replaceDead(tx));
    const dhcpMoved = await transact(db, (tx) => this.#dhcp.failover(tx));
    if (moved + dhcpMoved > 0) this.#log.info({ replicas_moved: moved, dhcp_networks_moved: dhcpMoved }, 'moved work off dead agents');
  }
}
