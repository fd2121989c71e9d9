import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cidrContains, cidrOf, cidrsOverlap, formatCidr, normalizeIp, parseCidr, parseIp } from './ip.js';

describe('parseIp', () => {
  it('accepts dotted-quad IPv4 and any IPv6 form, normalising IPv6', () => {
    assert.equal(normalizeIp('192.168.200.1'), '192.168.200.1');
    assert.equal(normalizeIp('2001:DB8:0:0::1'), '2001:db8::1');
    assert.equal(parseIp('10.0.0.1')?.value, 0x0a000001n);
  });
  it('rejects partial, out-of-range and garbage addresses', () => {
    for (const bad of ['10.1', '256.1.1.1', '1.2.3.4.5', 'foo', '', '10.0.0.1/24', 'fe80::1%eth0']) {
      assert.equal(parseIp(bad), undefined, bad);
    }
  });
});

describe('parseCidr', () => {
  it('parses IPv4 and IPv6 networks', () => {
    const v4 = parseCidr('192.168.200.0/24');
    assert.ok(v4.ok);
    assert.equal(formatCidr(v4.cidr), '192.168.200.0/24');
    const v6 = parseCidr('2001:db8::/64');
    assert.ok(v6.ok && v6.cidr.prefix === 64);
  });
  it('rejects host bits with the recommended network, as Neutron does', () => {
    const r = parseCidr('10.0.0.1/24');
    assert.ok(!r.ok);
    assert.equal(r.reason, "'10.0.0.1/24' isn't a recognized IP subnet cidr, '10.0.0.0/24' is recommended");
  });
  it('rejects bad prefixes and missing slashes', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0', '10.0.0.0/x', '2001:db8::/129', 'foo/8']) assert.ok(!parseCidr(bad).ok, bad);
  });
});

describe('containment and overlap', () => {
  it('knows which address is in which network', () => {
    const net = cidrOf('10.0.0.0/24');
    assert.ok(cidrContains(net, parseIp('10.0.0.255')!));
    assert.ok(!cidrContains(net, parseIp('10.0.1.0')!));
    assert.ok(!cidrContains(net, parseIp('::1')!));
  });
  it('detects overlapping networks of the same version only', () => {
    assert.ok(cidrsOverlap(cidrOf('10.0.0.0/16'), cidrOf('10.0.5.0/24')));
    assert.ok(!cidrsOverlap(cidrOf('10.0.0.0/24'), cidrOf('10.0.1.0/24')));
    assert.ok(!cidrsOverlap(cidrOf('0.0.0.0/0'), cidrOf('::/0')));
  });
});
