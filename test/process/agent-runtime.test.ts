// The agent runtime against a real server over its unix socket: it
// registers its roles (alive in the API), and a network created through the
// API reaches it as a new snapshot serving that network.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { HostSnapshot } from '../../src/agent-api/protocol.js';
import { AgentRuntime } from '../../src/agent/runtime/agent-runtime.js';
import { AgentClient } from '../../src/client/agent-client.js';
import { silentLogger } from '../../src/log.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

const TOKEN = 'runtime-test-token';
const statePath = mkdtempSync(join(tmpdir(), 'hanet-runtime-'));
let server: ServerProcess;
let runtime: AgentRuntime | undefined;

before(async () => {
  server = await startServerProcess({ statePath, args: ['--set', `agent_token=${TOKEN}`] });
});
after(async () => {
  await runtime?.stop();
  await server?.stop();
  rmSync(statePath, { recursive: true, force: true });
});

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('registers over the socket and receives the networks it should serve', async () => {
  const snapshots: HostSnapshot[] = [];
  runtime = new AgentRuntime({
    server: new AgentClient({ server: `unix:${join(statePath, 'agent.sock')}`, token: TOKEN }),
    host: 'net-0',
    roles: [
      { role: 'l3', configurations: {} },
      { role: 'dhcp', configurations: {} },
      { role: 'l2', configurations: { tunnel_ip: '10.99.0.10' } },
    ],
    onSnapshot: async (s) => void snapshots.push(s),
    log: silentLogger(),
  });
  runtime.start();
  await waitFor('the first snapshot', () => snapshots[0]);
  const agents = (await (await fetch(new URL('/v2.0/agents', server.url))).json()) as { agents: { host: string; alive: boolean }[] };
  assert.equal(agents.agents.filter((a) => a.host === 'net-0' && a.alive).length, 3);

  const post = async (path: string, body: unknown) => (await fetch(new URL(path, server.url), { method: 'POST', body: JSON.stringify(body) })).json() as Promise<any>;
  const net = (await post('/v2.0/networks', { network: { name: 'served' } })).network;
  await post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '192.168.200.0/24', ip_version: 4 } });
  const served = await waitFor('a snapshot serving the network', () => snapshots.find((s) => s.dhcp_networks.some((n) => n.id === net.id)));
  const dhcp = served.dhcp_networks[0]!;
  assert.equal(dhcp.port?.fixed_ips[0]?.ip_address, '192.168.200.2');
  assert.deepEqual(served.l2_networks.map((n) => n.id), [net.id]);
});
