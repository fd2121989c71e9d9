import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eui64InterfaceId, generateMac, normalizeMac } from './mac.js';

describe('MAC addresses', () => {
  it('normalises valid unicast MACs and rejects the rest', () => {
    assert.equal(normalizeMac('FA-16-3E-00-00-01'), 'fa:16:3e:00:00:01');
    for (const bad of ['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', 'fa:16:3e:00:00', 'zz:16:3e:00:00:01', 'fa:16-3e:00:00:01', 12]) {
      assert.equal(normalizeMac(bad), undefined, String(bad));
    }
  });
  it('keeps base_mac prefix octets and randomises the zero ones', () => {
    let n = 0xa0;
    const mac = generateMac('fa:16:3e:4f:00:00', () => n++);
    assert.equal(mac, 'fa:16:3e:4f:a0:a1');
    assert.match(generateMac('fa:16:3e:00:00:00', () => 7), /^fa:16:3e:07:07:07$/);
  });
  it('derives the EUI-64 identifier of the seed link-local (fe80::f816:3eff:fe..)', () => {
    assert.equal(eui64InterfaceId('fa:16:3e:98:b5:e4').toString(16), 'f8163efffe98b5e4');
  });
});
