import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../log.js';
import { type DaemonSpec, DaemonStartError, DaemonSupervisor, parsePid, RespawnBackoff } from './daemon.js';
import { parseCmdline, parseProcState } from './proc.js';
import { type Exec, ExecError } from './exec.js';

describe('pid files and /proc parsing', () => {
  it('reads a pid, and nothing from an empty, half-written or garbled file', () => {
    assert.equal(parsePid('1234\n'), 1234);
    assert.equal(parsePid('  77  \nextra'), 77);
    assert.equal(parsePid(''), undefined);
    assert.equal(parsePid('\n'), undefined);
    assert.equal(parsePid('12a'), undefined);
    assert.equal(parsePid('0'), undefined);
    assert.equal(parsePid('-5'), undefined);
    assert.equal(parsePid('99999999999'), undefined);
  });

  it('splits a NUL-separated command line', () => {
    assert.deepEqual(parseCmdline('dnsmasq\0--conf-file=/x y/z\0-k\0'), ['dnsmasq', '--conf-file=/x y/z', '-k']);
    assert.deepEqual(parseCmdline(''), []);
  });

  it('finds the state letter after the last parenthesis, whatever the command name holds', () => {
    assert.equal(parseProcState('42 (sleep) S 1 42 42 0 -1'), 'S');
    assert.equal(parseProcState('42 (a) b (c) Z 1 42'), 'Z');
    assert.equal(parseProcState('42 (x) R'), 'R');
    assert.equal(parseProcState('garbage'), undefined);
  });
});

describe('RespawnBackoff', () => {
  it('lets a crashing daemon restart after 1, 2, 4 … 30 s, never sooner', () => {
    let now = 0;
    const b = new RespawnBackoff(now);
    const gaps: number[] = [];
    for (let i = 0; i < 8; i++) {
      now += 10; // it crashes right away and is found dead
      const wait = b.wait(now);
      assert.ok(wait > 0);
      assert.equal(b.wait(now + wait - 1), 1, 'not a millisecond early');
      now += wait;
      assert.equal(b.wait(now), 0);
      gaps.push(wait + 10);
      b.restarted(now);
    }
    assert.deepEqual(gaps, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('starts over once the daemon stayed up 60 s: the gaps between starts are 1 s, 2 s … again', () => {
    let now = 0;
    const b = new RespawnBackoff(now);
    for (let i = 0; i < 4; i++) {
      now += b.wait(now + 1) + 1; // crash-looped four times: 1 + 2 + 4 + 8 s
      b.restarted(now);
    }
    assert.equal(b.wait(now + 100), 16_000 - 100);
    now += 60_000; // up for a minute (the 1 s gap), then dies: respawn now, then 2 s after that
    assert.equal(b.wait(now), 0);
    b.restarted(now);
    assert.equal(b.wait(now + 10), 1990);
  });

  it('takes other timings', () => {
    const b = new RespawnBackoff(0, { initialMs: 10, maxMs: 25, stableMs: 100 });
    assert.equal(b.wait(0), 10);
    b.restarted(10);
    assert.equal(b.wait(10), 20);
    b.restarted(30);
    assert.equal(b.wait(30), 25);
  });
});

describe('DaemonSupervisor with a fake start command', () => {
  // The "daemon" is this test process itself: it is alive, and its last
  // argument (the test file) is its identity. Nothing here stops or signals it.
  const dir = mkdtempSync(join(tmpdir(), 'hanet-daemon-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const self = parseCmdline(readFileSync('/proc/self/cmdline', 'utf8')).at(-1)!;
  const spec = (name: string): DaemonSpec => ({ name, argv: ['food', '-p', join(dir, `${name}.pid`)], pidFile: join(dir, `${name}.pid`), daemonizes: true, identity: self });

  it('runs a forking daemon through Exec, waits for its pid file, and adopts it the next time', async () => {
    const calls: (readonly string[])[] = [];
    const s = spec('forks');
    const exec: Exec = async (argv) => {
      calls.push(argv);
      setTimeout(() => writeFileSync(s.pidFile, `${process.pid}\n`), 30); // the daemon writes it a little later
      return { stdout: '', stderr: '' };
    };
    const supervisor = new DaemonSupervisor({ exec, log: silentLogger() });
    assert.deepEqual(await supervisor.ensure(s), { pid: process.pid, started: true });
    assert.deepEqual(calls, [s.argv]);
    await supervisor.close();
    const next = new DaemonSupervisor({ exec, log: silentLogger() });
    assert.deepEqual(await next.ensure(s), { pid: process.pid, started: false });
    assert.equal(calls.length, 1);
    await next.close();
  });

  it('turns a failing start command into a DaemonStartError with its stderr', async () => {
    const exec: Exec = async (argv) => {
      throw new ExecError(argv, 1, '\nfood: bad command line options: try --help\n');
    };
    const supervisor = new DaemonSupervisor({ exec, log: silentLogger() });
    await assert.rejects(supervisor.ensure(spec('fails')), (err) => {
      assert.ok(err instanceof DaemonStartError);
      assert.equal(err.daemonName, 'fails');
      assert.deepEqual(err.argv, spec('fails').argv);
      assert.equal(err.reason, 'exit 1');
      assert.equal(err.output, 'food: bad command line options: try --help');
      return true;
    });
  });

  it('gives up when the pid file never names a live daemon, and does not adopt a pid without the identity', async () => {
    const s = spec('silent');
    const exec: Exec = async () => {
      writeFileSync(s.pidFile, '1\n'); // PID 1 is alive, but it is not this daemon
      return { stdout: '', stderr: '' };
    };
    const supervisor = new DaemonSupervisor({ exec, log: silentLogger(), startTimeoutMs: 100 });
    await assert.rejects(supervisor.ensure(s), (err) => err instanceof DaemonStartError && /did not name a live process/.test(err.reason));
    assert.equal(await supervisor.isRunning(s), false);
  });

  it('refuses an empty identity, which would match any process', async () => {
    const supervisor = new DaemonSupervisor({ log: silentLogger() });
    await assert.rejects(supervisor.ensure({ ...spec('x'), identity: ' ' }), TypeError);
    await assert.rejects(supervisor.ensure({ ...spec('x'), argv: [] }), TypeError);
  });
});
