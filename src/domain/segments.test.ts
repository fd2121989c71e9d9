import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInput } from './errors.js';
import { maxMtu, pickFreeVni, planSegment } from './segments.js';

const settings = { vni_ranges: [[1, 3] as const, [10, 11] as const], flat_networks: ['physnet1'] };

describe('planSegment', () => {
  it('gives tenant networks an allocated VXLAN segment', () => {
    assert.deepEqual(planSegment({}, settings), { type: 'vxlan', vni: 'allocate' });
    assert.deepEqual(planSegment({ networkType: 'vxlan', segmentationId: 77 }, settings), { type: 'vxlan', vni: 77 });
  });
  it('requires a known physical network for flat networks', () => {
    assert.deepEqual(planSegment({ networkType: 'flat', physicalNetwork: 'physnet1' }, settings), { type: 'flat', physicalNetwork: 'physnet1' });
    assert.throws(() => planSegment({ networkType: 'flat' }, settings), InvalidInput);
    assert.throws(() => planSegment({ networkType: 'flat', physicalNetwork: 'other' }, settings), InvalidInput);
    assert.throws(() => planSegment({ networkType: 'flat', physicalNetwork: 'physnet1', segmentationId: 3 }, settings), InvalidInput);
  });
  it('rejects unsupported types and provider details without a type', () => {
    assert.throws(() => planSegment({ networkType: 'vlan' }, settings), /network_type value 'vlan' not supported/);
    assert.throws(() => planSegment({ segmentationId: 5 }, settings), /provider:network_type required/);
    assert.throws(() => planSegment({ networkType: 'vxlan', physicalNetwork: 'physnet1' }, settings), InvalidInput);
  });
});

describe('pickFreeVni and maxMtu', () => {
  it('takes the lowest free VNI across ranges, or none', () => {
    assert.equal(pickFreeVni(settings.vni_ranges, new Set([1, 2])), 3);
    assert.equal(pickFreeVni(settings.vni_ranges, new Set([1, 2, 3])), 10);
    assert.equal(pickFreeVni(settings.vni_ranges, new Set([1, 2, 3, 10, 11])), undefined);
  });
  it('takes 50 bytes off for VXLAN', () => {
    assert.equal(maxMtu('vxlan', 1500), 1450);
    assert.equal(maxMtu('flat', 1500), 1500);
  });
});
