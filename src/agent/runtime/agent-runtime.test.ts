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
      watchBackoff: createBackoff({ initialMs: 100 }),
    });
    runtime.start();
    await until(() => emit !== undefined);
    assert.deepEqual(delays.filter((d) => d < 1000), [100, 200], 'two failed opens, with backoff');
    assert.equal(reports[0], true, 'the first report says the agent started');
    assert.ok(reports.slice(1).every((r) => !r), 'and only the first');
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

  it('reopens the watch as soon as a heartbeat gets through again, not after its backoff', async () => {
    const delays: number[] = [];
    let up = false;
    let heartbeats = 0;
    let opened = false;
    const server: AgentServer = {
      report: async () => {
        // The server comes back on the third heartbeat.
        if (++heartbeats < 3) throw new Error('connection refused');
        up = true;
        return { agents: [], report_interval: 5 };
      },
      snapshot: async () => snapshot('r1'),
      watch: async () => {
        if (!up) throw new Error('connection refused');
        opened = true;
        let close = () => {};
        return { ended: new Promise<void>((resolve) => (close = resolve)), close: () => close() };
      },
    };
    const runtime = new AgentRuntime({
      server,
      host: 'net-0',
      roles: [{ role: 'l3', configurations: {} }],
      onSnapshot: async () => {},
      log: silentLogger(),
      delay: recordingDelay(delays),
      // A retry wait of a minute: only a heartbeat can cut it short.
      watchBackoff: createBackoff({ initialMs: 60_000 }),
    });
    runtime.start();
    await until(() => opened);
    assert.ok(delays.includes(60_000), 'the failed watch waited for its backoff');
    assert.equal(heartbeats >= 3, true);
    await runtime.stop();
  });

  it('makes the first fetch after a reconnect a full resync, even when the stream says "changed" before its open returns', async () => {
    let end: (() => void) | undefined;
    let emit: ((e: WatchEvent) => void) | undefined;
    let revision = 'r1';
    const server: AgentServer = {
      report: async () => ({ agents: [], report_interval: 5 }),
      snapshot: async () => snapshot(revision),
      watch: async (_host, onEvent) => {
        emit = onEvent;
        onEvent({ type: 'changed' }); // with the headers, as the real client can
        return { ended: new Promise<void>((resolve) => (end = resolve)), close: () => end?.() };
      },
    };
    const handed: (string | undefined)[] = [];
    const runtime = new AgentRuntime({
      server,
      host: 'net-0',
      roles: [{ role: 'l3', configurations: {} }],
      onSnapshot: async (_s, { resync }) => void handed.push(resync),
      log: silentLogger(),
      delay: recordingDelay([]),
      watchBackoff: createBackoff({ initialMs: 10 }),
    });
    runtime.start();
    await until(() => handed.length === 1);
    revision = 'r2';
    emit!({ type: 'changed' }); // a change while the stream is open: an ordinary sync
    await until(() => handed.length === 2);
    end!(); // the server went away; the watch reopens on the same revision
    await until(() => handed.length === 3);
    assert.deepEqual(handed, ['full', undefined, 'full']);
    await runtime.stop();
  });
});
