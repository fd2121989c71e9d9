// Simulated network hosts for the router phases. The server schedules an HA
// router only on L3 agents whose last report is younger than agent_down_time
// (15 s by default), so these hosts report over the agent protocol at once and
// then on a timer for as long as routers are being created; without that,
// router creates fail with 409 HANotEnoughAvailableAgents.
import { ApiClient } from './http-client.js';

/** Three hosts: an HA router is scheduled on three L3 agents (max_l3_agents_per_router). */
export const AGENT_HOSTS = ['net-0', 'net-1', 'net-2'] as const;

/** Well inside the 15 s agent_down_time, so one slow or lost report is not fatal. */
const REPORT_EVERY_MS = 3_000;

/** The report an agent on `host` sends: L3, DHCP and L2 roles, each host its own tunnel address. */
function reportBody(host: string, index: number): unknown {
  return {
    host,
    roles: [
      { role: 'l3', configurations: {} },
      { role: 'dhcp', configurations: {} },
      { role: 'l2', configurations: { tunnel_ip: `10.99.0.${10 + index}` } },
    ],
  };
}

export class Heartbeats {
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> | undefined;
  private failure: unknown;
  private stopped = false;

  private constructor(
    private readonly client: ApiClient,
    private readonly hosts: readonly string[],
    private readonly onFailure: (message: string) => void,
  ) {
    this.timer = setInterval(() => {
      // A report still running (a server busy with a phase) is not doubled up.
      this.inFlight ??= this.reportAll().finally(() => (this.inFlight = undefined));
    }, REPORT_EVERY_MS);
    // The timer alone must never keep the benchmark process alive.
    this.timer.unref();
  }

  /**
   * Registers every host (awaited, so the agents are alive before the first
   * router create) and keeps them alive until stop(). Reports go over their
   * own connection, so they neither wait for nor delay the measured clients.
   */
  static async start(base: URL, token: string, hosts: readonly string[], onFailure: (message: string) => void): Promise<Heartbeats> {
    const client = new ApiClient(base, 1, { authorization: `Bearer ${token}` });
    try {
      await Heartbeats.report(client, hosts);
    } catch (err) {
      client.close();
      throw err;
    }
    return new Heartbeats(client, hosts, onFailure);
  }

  private static async report(client: ApiClient, hosts: readonly string[]): Promise<void> {
    for (const [index, host] of hosts.entries()) await client.call('POST', '/agent/v1/report', reportBody(host, index));
  }

  private async reportAll(): Promise<void> {
    try {
      await Heartbeats.report(this.client, this.hosts);
    } catch (err) {
      // Closing the client fails the report in flight: that is no failure.
      if (this.stopped) return;
      // Reported at once (router creates would soon fail with a less telling
      // 409) and kept for check(); a later report may still succeed.
      this.failure ??= err;
      this.onFailure(`agent heartbeat failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Throws the first failed heartbeat, so a run that lost its agents is not reported as good. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Stops reporting at once (a report in flight is cut off); safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.client.close();
    await this.inFlight;
  }
}
