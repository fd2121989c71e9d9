// DaemonSupervisor with real processes: a non-forking `sleep` (its unique
// duration is its identity), and dnsmasq in daemon mode inside a network
// namespace made here (port 0: no DNS, no DHCP, it only idles). Every process
// started here is stopped by pid, and the namespace and files removed, also
// when a test fails. Needs root, as CI and the lab have.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DaemonSpec, DaemonStartError, DaemonSupervisor } from '../../src/linux/daemon.js';
import { IpRoute2, NamespaceNotFound } from '../../src/linux/iproute2.js';
import { silentLogger } from '../../src/log.js';

const isRoot = process.getuid?.() === 0;
const ip = new IpRoute2();
const NS = `hanet-test-${process.pid}-dmn`;
const dir = join(tmpdir(), `hanet-daemon-test-${process.pid}`); // made in before(), removed in after()
const log = silentLogger();

/** Every spec used here, to stop in after(), and every pid seen, to kill if it is still ours. */
const specs: DaemonSpec[] = [];
const seen = new Map<number, string>();

function sleeper(name: string, extra: Partial<DaemonSpec> = {}): DaemonSpec {
  const duration = `1000.${randomInt(100_000, 999_999)}`;
  const spec: DaemonSpec = { name, argv: ['sleep', duration], pidFile: join(dir, `${name}.pid`), logFile: join(dir, `${name}.log`), daemonizes: false, identity: duration, ...extra };
  specs.push(spec);
  return spec;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function note(pid: number, spec: DaemonSpec): number {
  seen.set(pid, spec.identity);
  return pid;
}

const until = async (cond: () => boolean | Promise<boolean>, ms = 3_000) => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    assert.ok(Date.now() < deadline, 'condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('DaemonSupervisor on real processes', { skip: !isRoot && 'needs root (network namespaces, dnsmasq)' }, () => {
  const supervisors: DaemonSupervisor[] = [];
  const supervisor = (options: Partial<ConstructorParameters<typeof DaemonSupervisor>[0]> = {}) => {
    const s = new DaemonSupervisor({ log, pollIntervalMs: 20, respawnBackoff: { initialMs: 50 }, ...options });
    supervisors.push(s);
    return s;
  };

  before(async () => {
    mkdirSync(dir, { recursive: true });
    await ip.ensureNamespace(NS);
  });

  after(async () => {
    for (const s of supervisors) await s.close();
    const cleaner = new DaemonSupervisor({ log });
    for (const spec of specs) await cleaner.stop(spec, { timeoutMs: 1_000 }).catch(() => undefined);
    // Anything a failed test left behind: only a pid whose command line is still ours.
    for (const [pid, identity] of seen) {
      if (alive(pid) && cmdline(pid).includes(identity)) process.kill(pid, 'SIGKILL');
    }
    await ip.removeNamespace(NS);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a non-forking daemon detached, and adopts it from another supervisor without restarting it', async () => {
    const spec = sleeper('adopt');
    const first = supervisor();
    const { pid, started } = await first.ensure(spec);
    note(pid, spec);
    assert.equal(started, true);
    assert.match(cmdline(pid), new RegExp(spec.identity.replace('.', '\\.')));
    assert.equal(readFileSync(spec.pidFile, 'utf8').trim(), String(pid));
    // Its own session, so the agent's terminal signals do not reach it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [, , , session] = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp session
    assert.equal(Number(session), pid, 'session leader');

    assert.deepEqual(await first.ensure(spec), { pid, started: false });
    await first.close(); // the agent goes away: the daemon stays
    assert.ok(alive(pid));

    const second = supervisor();
    assert.deepEqual(await second.ensure(spec), { pid, started: false });
    assert.equal(await second.isRunning(spec), true);
    assert.equal(await second.pidOf(spec), pid);
    await second.stop(spec, { timeoutMs: 1_000 });
  });

  it('respawns a daemon killed behind its back, and reports it', async () => {
    const spec = sleeper('respawn');
    const respawns: [string, number, number][] = [];
    const s = supervisor({ onRespawn: (name, oldPid, newPid) => respawns.push([name, oldPid, newPid]) });
    const { pid } = await s.ensure(spec);
    note(pid, spec);
    process.kill(pid, 'SIGKILL');
    await until(() => respawns.length > 0);
    const [name, oldPid, newPid] = respawns[0]!;
    note(newPid, spec);
    assert.deepEqual([name, oldPid], ['respawn', pid]);
    assert.notEqual(newPid, pid);
    assert.ok(alive(newPid) && !alive(pid));
    assert.equal(readFileSync(spec.pidFile, 'utf8').trim(), String(newPid));
    assert.equal(await s.pidOf(spec), newPid);
    await s.stop(spec, { timeoutMs: 1_000 });
  });

  it('backs off a daemon that keeps dying instead of respawning it in a storm', async () => {
    const spec = sleeper('storm');
    const respawns: number[] = [];
    const s = supervisor({ pollIntervalMs: 5, respawnBackoff: { initialMs: 100, maxMs: 10_000 }, onRespawn: (_n, _o, newPid) => respawns.push(newPid) });
    note((await s.ensure(spec)).pid, spec);
    const t0 = Date.now();
    for (let i = 0; i < 2; i++) {
      process.kill((await s.pidOf(spec))!, 'SIGKILL');
      await until(() => respawns.length > i);
      note(respawns[i]!, spec);
    }
    // Respawns at >= 100 ms and >= 100 + 200 ms after the start, though polled every 5 ms.
    assert.ok(Date.now() - t0 >= 300, `two respawns after ${Date.now() - t0} ms`);
    await s.stop(spec, { timeoutMs: 1_000 });
  });

  it('stops with SIGTERM, removes the pid file, and is idempotent', async () => {
    const spec = sleeper('stop');
    const s = supervisor();
    const { pid } = await s.ensure(spec);
    note(pid, spec);
    await s.stop(spec, { timeoutMs: 1_000 });
    assert.ok(!alive(pid));
    assert.ok(!existsSync(spec.pidFile));
    assert.equal(await s.isRunning(spec), false);
    await s.stop(spec, { timeoutMs: 1_000 });
    assert.equal(await s.signal(spec, 'SIGHUP'), false);
  });

  it('kills a daemon that ignores SIGTERM once the timeout is over', async () => {
    const marker = `hanet-ignore-term-${randomInt(1e9)}`;
    const spec: DaemonSpec = { name: 'stubborn', argv: ['sh', '-c', "trap '' TERM; while :; do sleep 0.05; done", marker], pidFile: join(dir, 'stubborn.pid'), daemonizes: false, identity: marker };
    specs.push(spec);
    const s = supervisor();
    const { pid } = await s.ensure(spec);
    note(pid, spec);
    const t0 = Date.now();
    await s.stop(spec, { timeoutMs: 200 });
    assert.ok(Date.now() - t0 >= 200);
    assert.ok(!alive(pid));
  });

  it('does not adopt, signal or kill an unrelated process named by a stale pid file', async () => {
    const spec = sleeper('stale');
    writeFileSync(spec.pidFile, `${process.pid}\n`); // alive, but not the daemon
    const s = supervisor();
    const { pid, started } = await s.ensure(spec);
    note(pid, spec);
    assert.equal(started, true);
    assert.notEqual(pid, process.pid);
    assert.equal(await s.signal('stale', 'SIGHUP'), true); // goes to the new daemon, which SIGHUP ends
    await until(() => !alive(pid));
    assert.equal(await s.signal('no-such-daemon', 'SIGHUP'), false);
    await s.stop(spec, { timeoutMs: 1_000 });

    writeFileSync(spec.pidFile, '12'); // half-written
    const again = await s.ensure(spec);
    note(again.pid, spec);
    assert.equal(again.started, true);
    await s.stop(spec, { timeoutMs: 1_000 });
  });

  it('reports a daemon that fails at once with its output, and leaves nothing running', async () => {
    const marker = `hanet-fail-${randomInt(1e9)}`;
    const spec: DaemonSpec = { name: 'broken', argv: ['sh', '-c', 'echo "bad option --frobnicate" >&2; sleep 0.02; exit 3', marker], pidFile: join(dir, 'broken.pid'), logFile: join(dir, 'broken.log'), daemonizes: false, identity: marker };
    specs.push(spec);
    const s = supervisor();
    await assert.rejects(s.ensure(spec), (err) => err instanceof DaemonStartError && err.daemonName === 'broken' && err.reason === 'exit 3' && /bad option --frobnicate/.test(err.output));
    assert.ok(!existsSync(spec.pidFile));

    const missing: DaemonSpec = { ...spec, name: 'missing', argv: ['hanet-no-such-program', marker], namespace: NS, pidFile: join(dir, 'missing.pid'), logFile: join(dir, 'missing.log') };
    specs.push(missing);
    await assert.rejects(s.ensure(missing), (err) => err instanceof DaemonStartError && /hanet-no-such-program/.test(err.output));
    await assert.rejects(s.ensure({ ...missing, namespace: `${NS}-missing` }), NamespaceNotFound);
  });

  describe('dnsmasq in daemon mode in a namespace', () => {
    const pidFile = join(dir, 'dnsmasq.pid');
    const spec: DaemonSpec = {
      name: `dnsmasq ${NS}`,
      argv: ['dnsmasq', '--no-hosts', '--no-resolv', '--port=0', `--pid-file=${pidFile}`, '--conf-file=/dev/null', '--interface=lo', '--bind-interfaces'],
      namespace: NS,
      pidFile,
      daemonizes: true,
      identity: `--pid-file=${pidFile}`,
    };
    specs.push(spec);

    it('starts it, adopts it, sends SIGHUP, respawns it and stops it', async () => {
      const s = supervisor();
      const { pid, started } = await s.ensure(spec);
      note(pid, spec);
      assert.equal(started, true);
      assert.equal(execFileSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).trim(), NS);

      await s.close();
      const respawns: number[] = [];
      const s2 = supervisor({ onRespawn: (_n, _o, newPid) => respawns.push(newPid) });
      assert.deepEqual(await s2.ensure(spec), { pid, started: false });
      assert.equal(await s2.signal(spec.name, 'SIGHUP'), true);
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(alive(pid), 'dnsmasq rereads its files on SIGHUP and keeps running');

      // Killed outright it leaves its pid file behind (and, where PID 1 does
      // not reap, a zombie): both must read as dead.
      process.kill(pid, 'SIGKILL');
      await until(() => respawns.length > 0);
      const newPid = note(respawns[0]!, spec);
      assert.notEqual(newPid, pid);
      assert.equal(execFileSync('ip', ['netns', 'identify', String(newPid)], { encoding: 'utf8' }).trim(), NS);

      await s2.stop(spec, { timeoutMs: 2_000 });
      assert.ok(!alive(newPid));
      assert.ok(!existsSync(pidFile));
      await s2.stop(spec, { timeoutMs: 2_000 });
    });

    it('reports a bad option with dnsmasq\'s own message', async () => {
      const s = supervisor();
      const bad = { ...spec, name: 'dnsmasq bad', argv: [...spec.argv, '--hanet-bogus-option'] };
      await assert.rejects(s.ensure(bad), (err) => err instanceof DaemonStartError && /bad command line options/.test(err.output));
    });
  });
});
