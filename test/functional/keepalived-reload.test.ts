// keepalived with the file the agent renders, in a network namespace made
// here: a master must stay master when the router's ports change under it.
// The agent makes a qg-/qr- device and reloads keepalived at once; the
// device is up but its carrier comes a moment later, and the agent removes a
// port's device before the reload that drops its addresses. Both are
// reproduced here without a race: a new device whose veth peer is down, and
// a device removed before the reload. keepalived logs to a file; the
// namespace, the process (stopped by pid) and the files are removed, also
// when a test fails. Needs root.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KeepalivedRouter, type KeepalivedSettings, renderKeepalivedConf } from '../../src/agent/l3/keepalived-conf.js';
import { type DaemonSpec, DaemonSupervisor } from '../../src/linux/daemon.js';
import { IpRoute2 } from '../../src/linux/iproute2.js';
import { silentLogger } from '../../src/log.js';

const isRoot = process.getuid?.() === 0;
const ip = new IpRoute2();
const NS = `hanet-test-${process.pid}-ka`;
const dir = join(tmpdir(), `hanet-keepalived-test-${process.pid}`); // made in before(), removed in after()
const conf = join(dir, 'keepalived.conf');
const logFile = join(dir, 'keepalived.log');

// The agent's settings (router-model.ts): sub-second VRRPv3, unicast.
const settings: KeepalivedSettings = {
  vrrpVersion: 3,
  advertInt: 0.1,
  priority: 50,
  downTimerAdverts: 2,
  garpMasterRepeat: 5,
  garpMasterRefresh: 0,
  garpOnHeal: true,
  untrackPorts: true,
  unicast: true,
  globalDefs: true,
};

const qr = { device: 'qr-t0', mac: 'fa:16:3e:00:00:01', cidrs: ['192.168.200.1/24'] };
const qg = { device: 'qg-t0', mac: 'fa:16:3e:00:00:02', cidrs: ['10.5.150.0/16'], nexthop: '10.5.0.1' };
const router: KeepalivedRouter = {
  vrid: 1,
  haDevice: 'ha-t0',
  haVip: '169.254.0.1/24',
  haAddress: '169.254.192.1',
  peers: ['169.254.192.2'], // nobody: this replica becomes master
  interfaces: [qr],
  gateway: null,
  floatingIps: [],
  routes: [],
};

const spec: DaemonSpec = {
  name: 'keepalived test',
  // -n -l: in the foreground, logging to its log file, where the test reads its transitions.
  // Its own pid files are not the supervisor's, which it would take for another keepalived.
  argv: ['keepalived', '-n', '-l', '-P', '-f', conf, '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid')],
  namespace: NS,
  pidFile: join(dir, 'supervised.pid'),
  logFile,
  daemonizes: false,
  identity: conf,
};

const inNs = (...args: string[]) => execFileSync('ip', ['-n', NS, ...args]);
const log = () => readFileSync(logFile, 'utf8');

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `${what}: not within ${ms} ms; keepalived's log:\n${log()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Writes the file, reloads keepalived, and returns its log lines from this reload on, once it is complete. */
async function reload(supervisor: DaemonSupervisor, model: KeepalivedRouter): Promise<string> {
  const from = log().length;
  writeFileSync(conf, renderKeepalivedConf(model, settings));
  await supervisor.signal(spec, 'SIGHUP');
  await until('reload complete', () => log().slice(from).includes('Reload complete'));
  await new Promise((r) => setTimeout(r, 500)); // more than the down timer: a FAULT would have shown
  return log().slice(from);
}

describe('keepalived keeps a master through changes of its ports', { skip: !isRoot && 'needs root (network namespaces, keepalived)' }, () => {
  const supervisor = new DaemonSupervisor({ log: silentLogger() });

  before(async () => {
    mkdirSync(dir, { recursive: true });
    await ip.ensureNamespace(NS);
    for (const [device, peer] of [['ha-t0', 'ha-t0p'], ['qr-t0', 'qr-t0p']]) {
      inNs('link', 'add', device!, 'type', 'veth', 'peer', 'name', peer!);
      inNs('link', 'set', device!, 'up');
      inNs('link', 'set', peer!, 'up');
    }
    inNs('address', 'add', '169.254.192.1/18', 'dev', 'ha-t0');
    writeFileSync(conf, renderKeepalivedConf(router, settings));
    await supervisor.ensure(spec);
    await until('master', () => log().includes('Entering MASTER STATE'));
  });

  after(async () => {
    await supervisor.stop(spec, { timeoutMs: 2_000 }).catch(() => undefined);
    await supervisor.close();
    await ip.removeNamespace(NS);
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a gateway whose device has no carrier yet without a FAULT, and sets its address and route', async () => {
    inNs('link', 'add', 'qg-t0', 'type', 'veth', 'peer', 'name', 'qg-t0p');
    inNs('link', 'set', 'qg-t0', 'up'); // its peer stays down: no carrier, as for a moment after the agent makes it
    const lines = await reload(supervisor, { ...router, gateway: qg });
    assert.doesNotMatch(lines, /FAULT|Entering BACKUP/);
    assert.match(execFileSync('ip', ['-n', NS, 'address', 'show', 'qg-t0'], { encoding: 'utf8' }), /inet 10\.5\.150\.0\/16/);
    assert.match(execFileSync('ip', ['-n', NS, 'route', 'show', 'default'], { encoding: 'utf8' }), /via 10\.5\.0\.1 dev qg-t0/);
  });

  it('loses an interface whose device went first without a FAULT', async () => {
    const from = log().length;
    inNs('link', 'del', 'qr-t0'); // as the agent does: the device goes, then the file changes
    const lines = await reload(supervisor, { ...router, interfaces: [], gateway: qg });
    assert.doesNotMatch(log().slice(from), /FAULT|Entering BACKUP/);
    assert.match(lines, /Reload complete/);
  });
});
