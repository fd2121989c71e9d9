import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SnapshotRouter, SnapshotVrrp } from '../../agent-api/protocol.js';
import { renderNat } from './nat.js';
import { appliedState, type ObservedRouter, planRouter } from './plan-router.js';
import { desiredRouter, replicaPriority } from './router-model.js';

const vrrp: SnapshotVrrp = { version: 3, advert_int: 0.1, auth_type: 'PASS', auth_password: '', garp_master_repeat: 5, garp_master_refresh: 1, unicast: true, down_timer_adverts: 3, priority: 50 };
const port = (id: string, mac: string, ip: string, prefixlen: number, network = 'n') => ({ id, network_id: network, mac_address: mac, mtu: 1450, fixed_ips: [{ subnet_id: 's', ip_address: ip, prefixlen }] });

const router: SnapshotRouter = {
  id: 'r1',
  admin_state_up: true,
  ha: true,
  vrid: 7,
  ha_vip: '169.254.0.7/24',
  ha_port: port('aaaaaaaa-1111-4111-8111-111111111111', 'fa:16:3e:00:00:01', '169.254.192.2', 18),
  ha_peers: ['169.254.192.1', '169.254.192.3'],
  interfaces: [port('bbbbbbbb-2222-4222-8222-222222222222', 'fa:16:3e:00:00:02', '192.168.200.1', 24)],
  gateway: { ...port('cccccccc-3333-4333-8333-333333333333', 'fa:16:3e:00:00:03', '10.5.150.0', 16), enable_snat: true, gateway_ips: ['10.5.0.1'] },
  routes: [],
  floating_ips: [{ id: 'f', floating_ip_address: '10.5.150.9', fixed_ip_address: '192.168.200.5' }],
};

const empty: ObservedRouter = { namespace: false, sysctls: false, devices: [], keepalivedConf: undefined, keepalivedRunning: false, haPathUp: false, keepalivedRanBefore: false, natFile: undefined, natRules: undefined, routes: [] };

describe('desiredRouter', () => {
  it('gives the HA port its address and leaves the others to keepalived, at a priority ranked by HA address', () => {
    const d = desiredRouter(router, vrrp, '/bin/sh notify dir');
    assert.deepEqual(d.devices.map((x) => [x.device, x.tap, x.cidrs]), [
      ['ha-aaaaaaaa-11', 'tapaaaaaaaa-11', ['169.254.192.2/18']],
      ['qr-bbbbbbbb-22', 'tapbbbbbbbb-22', []],
      ['qg-cccccccc-33', 'tapcccccccc-33', []],
    ]);
    assert.match(d.keepalivedConf!, /priority 40\n/);
    assert.match(d.keepalivedConf!, /0\.0\.0\.0\/0 via 10\.5\.0\.1 dev qg-cccccccc-33/);
    assert.deepEqual(d.routes, []);
    assert.equal(replicaPriority('169.254.192.1', ['169.254.192.2', '169.254.192.3'], 50), 50);
    assert.equal(replicaPriority('169.254.192.3', ['169.254.192.1', '169.254.192.2'], 250), 230);
  });

  it('configures a legacy router itself', () => {
    const d = desiredRouter({ ...router, ha: false, vrid: null, ha_vip: null, ha_port: null, ha_peers: [] }, vrrp, 'x');
    assert.equal(d.keepalivedConf, undefined);
    assert.deepEqual(d.devices.map((x) => x.cidrs), [['192.168.200.1/24'], ['10.5.150.0/16']]);
    assert.deepEqual(d.routes, [{ destination: 'default', via: '10.5.0.1' }]);
  });
});

describe('renderNat', () => {
  it('DNATs and SNATs each floating IP, and SNATs the internal subnets to the gateway address', () => {
    const { text, rules } = renderNat(router);
    assert.equal(rules, 3);
    assert.match(text, /ip daddr 10\.5\.150\.9 dnat to 192\.168\.200\.5/);
    assert.match(text, /oifname "qg-cccccccc-33" ip saddr 192\.168\.200\.5 snat to 10\.5\.150\.9\n\s+oifname "qg-cccccccc-33" ip saddr 192\.168\.200\.0\/24 snat to 10\.5\.150\.0/);
    assert.equal(renderNat({ ...router, gateway: { ...router.gateway!, enable_snat: false }, floating_ips: [] }).rules, 0);
  });
});

describe('planRouter', () => {
  const desired = desiredRouter(router, vrrp, 'notify');

  it('builds everything on an empty node, but starts keepalived only once the HA path is up', () => {
    const kinds = planRouter(desired, empty).map((a) => a.kind);
    assert.deepEqual(kinds, ['create-namespace', 'set-up', 'create-device', 'add-address', 'create-device', 'create-device', 'set-sysctls', 'write-keepalived-conf', 'apply-nat']);
    assert.deepEqual(planRouter(desired, empty)[1], { kind: 'set-up', device: 'lo' });
    // A first start has no peers that knew it; a replica back from the dead reminds them.
    const start = (ranBefore: boolean) => planRouter(desired, { ...empty, haPathUp: true, keepalivedRanBefore: ranBefore }).find((a) => a.kind === 'ensure-keepalived');
    assert.deepEqual(start(false), { kind: 'ensure-keepalived', haDevice: 'ha-aaaaaaaa-11', peers: [] });
    assert.deepEqual(start(true), { kind: 'ensure-keepalived', haDevice: 'ha-aaaaaaaa-11', peers: ['169.254.192.1', '169.254.192.3'] });
  });

  it('after a pass that waited for the HA path, plans only keepalived\'s start from what that pass applied', () => {
    const live = { keepalivedRunning: false, keepalivedRanBefore: false };
    assert.deepEqual(planRouter(desired, appliedState(desired, { ...live, haPathUp: false })), []);
    assert.deepEqual(planRouter(desired, appliedState(desired, { ...live, haPathUp: true })).map((a) => a.kind), ['ensure-keepalived']);
    const legacy = desiredRouter({ ...router, ha: false, vrid: null, ha_vip: null, ha_port: null, ha_peers: [] }, vrrp, 'x');
    assert.deepEqual(planRouter(legacy, appliedState(legacy, { ...live, haPathUp: false })), []);
  });

  it('plans just the difference when the router changed since the pass that waited (its interface came a moment later)', () => {
    const first = desiredRouter({ ...router, interfaces: [], gateway: null, floating_ips: [] }, vrrp, 'notify');
    const kinds = planRouter(desired, appliedState(first, { keepalivedRunning: false, keepalivedRanBefore: false, haPathUp: true })).map((a) => a.kind);
    assert.ok(!kinds.includes('create-namespace') && !kinds.includes('set-sysctls'), kinds.join());
    assert.ok(kinds.includes('create-device') && kinds.includes('write-keepalived-conf') && kinds.includes('apply-nat'), kinds.join());
    assert.ok(kinds.includes('ensure-keepalived'), kinds.join());
  });

  it('plans nothing on a node that matches (an agent restart): keepalived adopted, its addresses left alone', () => {
    const observed: ObservedRouter = {
      namespace: true,
      sysctls: true,
      devices: desired.devices.map((d) => ({ ifname: d.device, mac: d.mac, mtu: d.mtu, up: true, cidrs: d.device.startsWith('ha-') ? [...d.cidrs, '169.254.0.7/24'] : ['192.168.200.1/24'] })),
      keepalivedConf: desired.keepalivedConf,
      keepalivedRunning: true,
      haPathUp: true,
      keepalivedRanBefore: true,
      natFile: desired.nat.text,
      natRules: desired.nat.rules,
      routes: [{ destination: 'default', via: '10.5.0.1' }],
    };
    assert.deepEqual(planRouter(desired, observed), []);
    const changed = planRouter(desiredRouter({ ...router, floating_ips: [] }, vrrp, 'notify'), observed).map((a) => a.kind);
    assert.deepEqual(changed, ['write-keepalived-conf', 'reload-keepalived', 'apply-nat']);
  });

  it('rebuilds a device whose MAC is not its port\'s, and removes devices of ports gone', () => {
    const observed: ObservedRouter = {
      ...empty,
      namespace: true,
      sysctls: true,
      haPathUp: true,
      keepalivedRunning: true,
      keepalivedConf: desired.keepalivedConf,
      natFile: desired.nat.text,
      natRules: 3,
      devices: [
        ...desired.devices.map((d) => ({ ifname: d.device, mac: d.device.startsWith('qr-') ? 'fa:16:3e:99:99:99' : d.mac, mtu: d.mtu, up: true, cidrs: d.cidrs })),
        { ifname: 'qr-dddddddd-44', mac: 'fa:16:3e:00:00:04', mtu: 1450, up: true, cidrs: [] },
      ],
    };
    assert.deepEqual(planRouter(desired, observed).map((a) => `${a.kind} ${'device' in a ? a.device : 'spec' in a ? a.spec.device : ''}`), [
      'remove-device qr-dddddddd-44',
      'remove-device qr-bbbbbbbb-22',
      'create-device qr-bbbbbbbb-22',
    ]);
  });
});
