import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GatewayConflictWithAllocationPools,
  InvalidAllocationPool,
  OutOfBoundsAllocationPool,
  OverlappingAllocationPools,
} from './errors.js';
import { cidrOf, parseIp } from './ip.js';
import { defaultGateway, defaultPools, pickFreeAddress, toAllocationPools, validatePools } from './ipam.js';

const ip = (s: string) => parseIp(s)!;
const pool = (start: string, end: string) => ({ start: ip(start), end: ip(end) });

describe('defaults', () => {
  it('gives the seed subnet .1 as gateway and .2-.254 as pool', () => {
    const cidr = cidrOf('192.168.200.0/24');
    const gw = defaultGateway(cidr);
    assert.equal(gw?.value, ip('192.168.200.1').value);
    assert.deepEqual(toAllocationPools(4, defaultPools(cidr, gw)), [{ start: '192.168.200.2', end: '192.168.200.254' }]);
  });
  it('splits the pool around a gateway in the middle', () => {
    const cidr = cidrOf('10.0.0.0/29');
    assert.deepEqual(toAllocationPools(4, defaultPools(cidr, ip('10.0.0.3'))), [
      { start: '10.0.0.1', end: '10.0.0.2' },
      { start: '10.0.0.4', end: '10.0.0.6' },
    ]);
  });
  it('keeps the whole usable range without a gateway, and handles IPv6', () => {
    assert.deepEqual(toAllocationPools(4, defaultPools(cidrOf('10.0.0.0/30'), null)), [{ start: '10.0.0.1', end: '10.0.0.2' }]);
    const v6 = cidrOf('2001:db8::/64');
    assert.deepEqual(toAllocationPools(6, defaultPools(v6, defaultGateway(v6))), [{ start: '2001:db8::2', end: '2001:db8::ffff:ffff:ffff:ffff' }]);
  });
});

describe('validatePools', () => {
  const cidr = cidrOf('10.0.0.0/24');
  it('accepts disjoint pools inside the subnet', () => {
    assert.equal(validatePools(cidr, ip('10.0.0.1'), [pool('10.0.0.10', '10.0.0.20'), pool('10.0.0.30', '10.0.0.40')]).length, 2);
  });
  it('rejects a reversed pool, one outside the subnet, overlaps and the gateway inside a pool', () => {
    assert.throws(() => validatePools(cidr, null, [pool('10.0.0.20', '10.0.0.10')]), InvalidAllocationPool);
    assert.throws(() => validatePools(cidr, null, [pool('10.0.0.250', '10.0.1.5')]), OutOfBoundsAllocationPool);
    assert.throws(() => validatePools(cidr, null, [pool('10.0.0.0', '10.0.0.5')]), OutOfBoundsAllocationPool);
    assert.throws(() => validatePools(cidr, null, [pool('10.0.0.10', '10.0.0.20'), pool('10.0.0.15', '10.0.0.30')]), OverlappingAllocationPools);
    assert.throws(() => validatePools(cidr, ip('10.0.0.15'), [pool('10.0.0.10', '10.0.0.20')]), GatewayConflictWithAllocationPools);
  });
});

describe('pickFreeAddress', () => {
  it('returns the lowest free address across pools in address order', () => {
    const pools = [
      { start: 20n, end: 22n },
      { start: 10n, end: 11n },
    ];
    assert.equal(pickFreeAddress(pools, new Set()), 10n);
    assert.equal(pickFreeAddress(pools, new Set([10n, 11n, 20n])), 21n);
    assert.equal(pickFreeAddress(pools, new Set([10n, 11n, 20n, 21n, 22n])), undefined);
  });
});
