// Sysctl and the route, neighbour and link-setting wrappers against the real
// kernel: two network namespaces made here (and removed here, also when a
// test fails) joined by a veth pair, and one ping that stays between them.
// Needs root, as CI and the lab have.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ExecError } from '../../src/linux/exec.js';
import { IpRoute2, NamespaceNotFound } from '../../src/linux/iproute2.js';
import { Sysctl, SysctlKeyNotFound } from '../../src/linux/sysctl.js';

const ip = new IpRoute2();
const sysctl = new Sysctl();
const A = `hanet-test-${process.pid}-ra`;
const B = `hanet-test-${process.pid}-rb`;
const isRoot = process.getuid?.() === 0;

describe('sysctl, routes and neighbours on real namespaces', { skip: !isRoot && 'needs root (network namespaces)' }, () => {
  before(async () => {
    await ip.ensureNamespace(A);
    await ip.ensureNamespace(B);
    await ip.ensureVeth({ namespace: A, name: 'v0', peerNamespace: B, peer: 'v1' });
  });
  after(async () => {
    await ip.removeNamespace(A);
    await ip.removeNamespace(B);
  });

  it('reads and writes sysctls per namespace, several in one go', async () => {
    assert.equal(await sysctl.get(A, 'net.ipv4.ip_forward'), '0');
    await sysctl.set(A, { 'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': '1', 'net.ipv6.conf.v0.accept_dad': 0 });
    await sysctl.set(A, { 'net.ipv4.ip_forward': 1 }); // replay
    assert.equal(await sysctl.get(A, 'net.ipv4.ip_forward'), '1');
    assert.equal(await sysctl.get(A, 'net.ipv6.conf.all.forwarding'), '1');
    assert.equal(await sysctl.get(A, 'net.ipv6.conf.v0.accept_dad'), '0');
    assert.equal(await sysctl.get(B, 'net.ipv4.ip_forward'), '0', 'the other namespace keeps its own');
    await sysctl.set(B, { 'net.ipv6.conf.v1.accept_dad': 0 });
    assert.match(await sysctl.get(A, 'net.ipv4.ip_local_port_range'), /^\d+\t\d+$/);
  });

  it('turns a missing key and a missing namespace into typed errors', async () => {
    await assert.rejects(sysctl.get(A, 'net.ipv4.conf.nodev.forwarding'), (err) => err instanceof SysctlKeyNotFound && err.key === 'net.ipv4.conf.nodev.forwarding' && err.namespace === A);
    await assert.rejects(sysctl.set(A, { 'net.ipv4.hanet_nosuch': 1 }), SysctlKeyNotFound);
    await assert.rejects(sysctl.get(`${A}-missing`, 'net.ipv4.ip_forward'), NamespaceNotFound);
  });

  it('sets MAC, MTU, addrgenmode and down, and up again', async () => {
    await ip.setMac(A, 'v0', 'fa:16:3e:00:00:0a');
    await ip.setMtu(A, 'v0', 1400);
    await ip.setAddrGenMode(A, 'v0', 'none');
    await ip.setAddrGenMode(A, 'v0', 'none'); // replay
    await ip.setDown(A, 'v0');
    const link = (await ip.getLink(A, 'v0')) as (Awaited<ReturnType<IpRoute2['getLink']>> & { inet6_addr_gen_mode?: string }) | undefined;
    assert.equal(link?.address, 'fa:16:3e:00:00:0a');
    assert.equal(link?.mtu, 1400);
    assert.equal(link?.inet6_addr_gen_mode, 'none');
    assert.ok(!link?.flags.includes('UP'));
    await assert.rejects(ip.setMtu(A, 'v0', 99_999_999), ExecError);
    await ip.setMtu(A, 'v0', 1500);
    await ip.setUp(A, 'v0');
    await ip.setUp(B, 'v1');
  });

  it('adds, lists, replaces and removes routes of both families, idempotently', async () => {
    await ip.ensureAddress(A, 'v0', '10.251.0.1/24');
    await ip.ensureAddress(B, 'v1', '10.251.0.2/24');
    await ip.ensureAddress(A, 'v0', 'fd00:251::1/64');
    await ip.ensureAddress(B, 'v1', 'fd00:251::2/64');

    const v4 = { destination: '10.252.0.0/16', via: '10.251.0.2' };
    await ip.ensureRoute(A, v4);
    await ip.ensureRoute(A, v4); // replay: still one route
    await ip.ensureRoute(A, { destination: 'default', via: 'fd00:251::2' });
    await ip.ensureRoute(A, { destination: '10.253.0.0/16', dev: 'v0', table: '100' });

    const main = await ip.listRoutes(A);
    assert.deepEqual(
      main.filter((r) => r.dst === '10.252.0.0/16').map(({ family, table, gateway, dev }) => ({ family, table, gateway, dev })),
      [{ family: 4, table: 'main', gateway: '10.251.0.2', dev: 'v0' }],
    );
    assert.deepEqual(main.filter((r) => r.dst === 'default').map((r) => [r.family, r.gateway]), [[6, 'fd00:251::2']]);
    assert.ok(main.some((r) => r.family === 4 && r.dst === '10.251.0.0/24' && r.protocol === 'kernel'));
    assert.ok((await ip.listRoutes(A, { family: 6 })).every((r) => r.family === 6));
    assert.deepEqual(
      (await ip.listRoutes(A, { table: '100' })).map(({ family, table, dst, dev }) => ({ family, table, dst, dev })),
      [{ family: 4, table: '100', dst: '10.253.0.0/16', dev: 'v0' }],
    );
    assert.deepEqual(await ip.listRoutes(A, { table: '101' }), [], 'a table never used lists as empty');

    // Replacing changes the gateway in place.
    await ip.ensureRoute(A, { destination: '10.252.0.0/16', via: '10.251.0.3' });
    assert.deepEqual((await ip.listRoutes(A, { family: 4 })).filter((r) => r.dst === '10.252.0.0/16').map((r) => r.gateway), ['10.251.0.3']);

    await ip.removeRoute(A, '10.252.0.0/16');
    await ip.removeRoute(A, '10.252.0.0/16'); // already gone
    await ip.removeRoute(A, 'default', { family: 6 });
    await ip.removeRoute(A, 'default', { family: 6 });
    await ip.removeRoute(A, '10.253.0.0/16', { table: '100' });
    await ip.removeRoute(A, '10.253.0.0/16', { table: '100' });
    await ip.removeRoute(A, '10.253.0.0/16', { table: '101' }); // a table never used
    await ip.removeRoute(A, '10.254.0.0/16', { dev: 'hanet-nodev' }); // a device that is gone
    const left = await ip.listRoutes(A);
    assert.ok(!left.some((r) => r.dst === '10.252.0.0/16' || r.dst === 'default'));
    assert.deepEqual(await ip.listRoutes(A, { table: '100' }), []);
    await assert.rejects(ip.ensureRoute(A, { destination: '10.252.0.0/16', via: '192.0.2.99' }), ExecError); // not on a connected network
    await assert.rejects(ip.listRoutes(`${A}-missing`), NamespaceNotFound);
  });

  it('lists the neighbour a ping between the namespaces has resolved', async () => {
    execFileSync('ip', ['netns', 'exec', A, 'ping', '-c', '1', '-W', '2', '10.251.0.2'], { encoding: 'utf8' });
    const peerMac = (await ip.getLink(B, 'v1'))?.address;
    for (const neighbours of [await ip.listNeighbours(A, 'v0'), (await ip.listNeighbours(A)).filter((n) => n.dev === 'v0')]) {
      const entry = neighbours.find((n) => n.dst === '10.251.0.2');
      assert.equal(entry?.lladdr, peerMac);
      assert.equal(entry?.dev, 'v0');
      assert.ok(entry && entry.state.length > 0 && !entry.state.includes('FAILED'), JSON.stringify(entry));
    }
    assert.deepEqual(await ip.listNeighbours(B, 'lo'), []);
  });
});
