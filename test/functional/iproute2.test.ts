// The iproute2 wrappers against the real kernel: two network namespaces made
// here (and removed here, also when a test fails), a veth pair between them,
// a bridge, addresses, idempotent replays, typed errors, and one ping that
// stays between the two namespaces. Needs root, as CI and the lab have.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ExecError } from '../../src/linux/exec.js';
import { IpRoute2, NamespaceNotFound } from '../../src/linux/iproute2.js';

const ip = new IpRoute2();
const A = `hanet-t${process.pid}-a`;
const B = `hanet-t${process.pid}-b`;
const isRoot = process.getuid?.() === 0;

describe('iproute2 wrappers on real namespaces', { skip: !isRoot && 'needs root' }, () => {
  before(async () => {
    await ip.ensureNamespace(A);
    await ip.ensureNamespace(B);
  });
  after(async () => {
    await ip.removeNamespace(A);
    await ip.removeNamespace(B);
  });

  it('creates namespaces idempotently, with lo up', async () => {
    await ip.ensureNamespace(A);
    const names = await ip.listNamespaces();
    assert.ok(names.includes(A) && names.includes(B));
    const lo = await ip.getLink(A, 'lo');
    assert.ok(lo?.flags.includes('UP'));
  });

  it('plugs a veth from a bridge in one namespace to the other, and carries a ping between them', async () => {
    await ip.ensureBridge(A, 'br-test', { mtu: 1450 });
    const spec = { namespace: A, name: 'tap-test', peerNamespace: B, peer: 'eth0', mac: 'fa:16:3e:00:00:aa', mtu: 1450 };
    await ip.ensureVeth(spec);
    await ip.ensureVeth(spec); // replay: no error, no second pair
    await ip.setMaster(A, 'tap-test', 'br-test');
    await ip.setUp(A, 'tap-test');
    await ip.setUp(B, 'eth0');
    const tap = await ip.getLink(A, 'tap-test');
    assert.equal(tap?.master, 'br-test');
    assert.equal(tap?.mtu, 1450);
    assert.equal((await ip.getLink(A, 'tap-test'))?.address, 'fa:16:3e:00:00:aa');
    await ip.ensureAddress(A, 'br-test', '10.250.0.1/24');
    await ip.ensureAddress(A, 'br-test', '10.250.0.1/24'); // replay
    await ip.ensureAddress(B, 'eth0', '10.250.0.2/24');
    assert.deepEqual((await ip.listAddresses(B, 'eth0')).filter((a) => a.family === 'inet'), [{ family: 'inet', local: '10.250.0.2', prefixlen: 24, scope: 'global' }]);
    const out = execFileSync('ip', ['netns', 'exec', B, 'ping', '-c', '1', '-W', '2', '10.250.0.1'], { encoding: 'utf8' });
    assert.match(out, /1 received/);
    await ip.removeAddress(B, 'eth0', '10.250.0.2/24');
    await ip.removeAddress(B, 'eth0', '10.250.0.2/24'); // already gone
    assert.deepEqual((await ip.listAddresses(B, 'eth0')).filter((a) => a.family === 'inet'), []);
  });

  it('removes links idempotently, taking the veth peer with them', async () => {
    await ip.removeLink(A, 'tap-test');
    await ip.removeLink(A, 'tap-test');
    assert.equal(await ip.getLink(B, 'eth0'), undefined);
  });

  it('builds a VXLAN device on a bridge and keeps its flood entries, idempotently', async () => {
    await ip.ensureVeth({ namespace: A, name: 'eth0', peerNamespace: B, peer: 'eth9' });
    await ip.ensureAddress(A, 'eth0', '192.0.2.10/24');
    await ip.setUp(A, 'eth0');
    await ip.ensureBridge(A, 'brq-vx', { mtu: 1450 });
    const spec = { device: 'vxlan-200', vni: 200, local: '192.0.2.10', dev: 'eth0', mtu: 1450, bridge: 'brq-vx' };
    await ip.ensureVxlan(A, spec);
    await ip.ensureVxlan(A, spec);
    const vx = await ip.getLink(A, 'vxlan-200');
    assert.equal(vx?.linkinfo?.info_kind, 'vxlan');
    assert.equal(vx?.master, 'brq-vx');
    await ip.addFloodEntry(A, 'vxlan-200', '192.0.2.12');
    await ip.addFloodEntry(A, 'vxlan-200', '192.0.2.11');
    await ip.addFloodEntry(A, 'vxlan-200', '192.0.2.11');
    assert.deepEqual(await ip.floodEntries(A, 'vxlan-200'), ['192.0.2.11', '192.0.2.12']);
    await ip.removeFloodEntry(A, 'vxlan-200', '192.0.2.12');
    await ip.removeFloodEntry(A, 'vxlan-200', '192.0.2.12');
    assert.deepEqual(await ip.floodEntries(A, 'vxlan-200'), ['192.0.2.11']);
    await ip.disableIpv6(A, 'brq-vx');
    assert.equal(execFileSync('ip', ['netns', 'exec', A, 'sysctl', '-n', 'net.ipv6.conf.brq-vx.disable_ipv6'], { encoding: 'utf8' }).trim(), '1');
    await ip.removeLink(A, 'vxlan-200');
    await ip.removeLink(A, 'brq-vx');
  });

  it('turns a missing namespace into NamespaceNotFound, and other failures into ExecError', async () => {
    await assert.rejects(ip.listLinks(`${A}-missing`), NamespaceNotFound);
    await assert.rejects(ip.setUp(A, 'no-such-dev'), ExecError);
    await ip.removeNamespace(`${A}-missing`);
  });
});
