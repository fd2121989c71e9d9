import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostSnapshot, WatchEvent } from '../../agent-api/protocol.js';
import { silentLogger } from '../../log.js';
import { type AgentServer, AgentRuntime, type Delay } from './agent-runtime.js';
import { createBackoff } from './backoff.js';

describe('createBackoff', () => {
  it('doubles from 1 s to a 30 s cap and starts over after reset', () => {
    const b = createBackoff();
    assert.deepEqual(Array.from({ length: 7 }, () => b.next()), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    b.reset();
    assert.equal(b.next(), 1000);
  });
});

const snapshot = (revision: string): HostSnapshot => ({ host: 'net-0', revision, routers: [], dhcp_networks: [], l2_networks: [], bound_ports: [], vrrp: { version: 3, advert_int: 0.1, auth_type: 'PASS', auth_password: '', garp_master_repeat: 5, garp_master_refresh: 1, unicast: true, down_timer_adverts: 3, priority: 50 }, dhcp: { lease_duration: 86400, dns_domain: 'openstacklocal', renewal_time: 0, rebinding_time: 0 } });

/** Retry waits pass at once; the long waits (heartbeat, resync) last until stop(). */
function recordingDelay(delays: number[]): Delay {
  return (ms, signal) => {
    delays.push(ms);
    if (ms <= 2_000) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
  };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not reached');
};

describe('AgentRuntime', () => {
  it('reopens a failed watch with backoff, syncs on "changed", and applies each revision once', async () => {
    const delays: number[] = [];
    const reports: boolean[] = [];
    let watchAttempts = 0;
    let emit: ((e: WatchEvent) => void) | undefined;
    let endStream: (() => void) | undefined;
    const revisions = ['r1', 'r1', 'r2'];
    const server: AgentServer = {
      report: async (req) => {
        reports.push(req.start_flag ?? false);
        return { agents: [], report_interval: 5 };
      },
      snapshot: async () => snapshot(revisions.shift() ?? 'r2'),
      watch: async (_host, onEvent) => {
        watchAttempts++;
        if (watchAttempts <= 2) throw new Error('connection refused');
        emit = onEvent;
        return { ended: new Promise<void>((resolve) => (endStream = resolve)), close: () => endStream?.() };
      },
    };
    const applied: string[] = [];
    const runtime = new AgentRuntime({
      server,
      host: 'net-0',
      roles: [{ role: 'l3', configurations: {} }],
      onSnapshot: async (s) => void applied.push(s.revision),
      log: silentLogger(),
      delay: recordingDelay(delays),
    });
    runtime.start();
    await until(() => emit !== undefined);
    assert.deepEqual(delays.filter((d) => d <= 2000), [1000, 2000], 'two failed opens, 1 s then 2 s');
    assert.deepEqual(reports, [true], 'the first report says the agent started');
    emit!({ type: 'changed' });
    await until(() => applied.length === 1);
    emit!({ type: 'ping' });
    emit!({ type: 'changed' }); // same revision r1: nothing to apply
    emit!({ type: 'changed' }); // r2
    await until(() => applied.length === 2);
    assert.deepEqual(applied, ['r1', 'r2']);
    assert.equal(runtime.appliedRevision, 'r2');
    await runtime.stop();
  });
});
