// What the demo scenarios look up while they walk through a seed: which
// agents host a router and which replica is active, and the
// outage a ping sees while a node is killed.
import type { NeutronClient } from '../../client/neutron-client.js';
import { exec } from '../../linux/exec.js';
import { outageAfter } from '../ping.js';
import type { DemoRunner } from './demo-runner.js';

type HostingAgent = { host: string; alive: boolean; ha_state: string };

export async function hostingAgents(api: NeutronClient, routerId: string): Promise<HostingAgent[]> {
  return (await api.get<{ agents: HostingAgent[] }>(`/v2.0/routers/${routerId}/l3-agents`)).agents;
}

/** The one alive active replica, once there is exactly one. */
export async function oneActive(api: NeutronClient, routerId: string, among?: readonly string[]): Promise<string | undefined> {
  const active = (await hostingAgents(api, routerId)).filter((a) => a.ha_state === 'active' && a.alive && (!among || among.includes(a.host)));
  return active.length === 1 ? active[0]!.host : undefined;
}

/**
 * Pings `target` from `from` every 10 ms while `kill` runs; the outage is
 * the longest silence after the kill began.
 */
export async function outageDuring(demo: DemoRunner, from: string, target: string, kill: () => Promise<void>): Promise<number | undefined> {
  const ping = exec(demo.lab.execArgv(from, ['ping', '-D', '-i', '0.01', '-W', '1', '-w', '5', target]), { timeoutMs: 20_000 }).then(
    (r) => r.stdout,
    (err: { stdout?: string; message: string }) => err.stdout ?? '',
  );
  await demo.pause(1_000);
  const killedAt = Date.now() / 1000;
  await kill();
  return outageAfter(await ping, killedAt)?.gapMs;
}
