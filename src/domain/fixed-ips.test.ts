import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInput, InvalidIpForNetwork, InvalidIpForSubnet } from './errors.js';
import { planFixedIps, type SubnetForIpam } from './fixed-ips.js';
import { cidrOf } from './ip.js';

const v4a: SubnetForIpam = { id: 'a', cidr: cidrOf('10.0.0.0/24'), ipv6AddressMode: null };
const v4b: SubnetForIpam = { id: 'b', cidr: cidrOf('10.0.1.0/24'), ipv6AddressMode: null };
const v6slaac: SubnetForIpam = { id: 's', cidr: cidrOf('2001:db8::/64'), ipv6AddressMode: 'slaac' };
const v6stateful: SubnetForIpam = { id: 'f', cidr: cidrOf('2001:db8:1::/64'), ipv6AddressMode: 'dhcpv6-stateful' };

describe('planFixedIps', () => {
  it('by default takes one IPv4 from any v4 subnet, one stateful IPv6, and every SLAAC address', () => {
    const plan = planFixedIps('n', [v4a, v4b, v6slaac, v6stateful], undefined, []);
    assert.deepEqual(
      plan.allocate.map((s) => (s.kind === 'any-of' ? `any-of:${s.subnets.map((x) => x.id).join('')}` : `${s.kind}:${s.subnet.id}`)),
      ['any-of:ab', 'any-of:f', 'eui64:s'],
    );
  });
  it('resolves requests by subnet, by address, or both', () => {
    const plan = planFixedIps('n', [v4a, v4b], [{ subnet_id: 'b' }, { ip_address: '10.0.0.7' }, { subnet_id: 'a', ip_address: '10.0.0.9' }], []);
    assert.deepEqual(plan.allocate.map((s) => [s.kind, 'subnet' in s ? s.subnet.id : '']), [['any', 'b'], ['address', 'a'], ['address', 'a']]);
  });
  it('rejects a subnet of another network, an address of no subnet, and network/broadcast addresses', () => {
    assert.throws(() => planFixedIps('n', [v4a], [{ subnet_id: 'zzz' }], []), InvalidInput);
    assert.throws(() => planFixedIps('n', [v4a], [{ ip_address: '10.9.9.9' }], []), InvalidIpForNetwork);
    assert.throws(() => planFixedIps('n', [v4a], [{ subnet_id: 'a', ip_address: '10.0.1.5' }], []), InvalidIpForSubnet);
    assert.throws(() => planFixedIps('n', [v4a], [{ ip_address: '10.0.0.255' }], []), InvalidIpForSubnet);
    assert.throws(() => planFixedIps('n', [v6slaac], [{ ip_address: '2001:db8::5' }], []), /automatic addresses/);
  });
  it('on update keeps matching allocations and releases the rest', () => {
    const current = [
      { subnet_id: 'a', ip_address: '10.0.0.2' },
      { subnet_id: 'b', ip_address: '10.0.1.2' },
    ];
    const plan = planFixedIps('n', [v4a, v4b], [{ subnet_id: 'a' }, { ip_address: '10.0.1.9' }], current);
    assert.deepEqual(plan.keep, [current[0]]);
    assert.deepEqual(plan.release, [current[1]]);
    assert.equal(plan.allocate.length, 1);
  });
});
