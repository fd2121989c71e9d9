import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HTTPBadRequest } from './errors.js';
import { NETWORK_SPEC } from './network.js';
import { PORT_SPEC } from './port.js';
import { parseCreateBody, parseUpdateBody } from './resource-spec.js';
import { SUBNET_SPEC } from './subnet.js';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HTTPBadRequest, String(err));
    return err.message;
  }
  assert.fail('expected HTTPBadRequest');
}

describe('parseCreateBody', () => {
  it('accepts single and bulk bodies and converts booleans sent as strings', () => {
    const single = parseCreateBody(NETWORK_SPEC, { network: { name: 'n', admin_state_up: 'False', shared: 'true' } });
    assert.equal(single.bulk, false);
    assert.deepEqual(single.items, [{ name: 'n', admin_state_up: false, shared: true }]);
    const bulk = parseCreateBody(NETWORK_SPEC, { networks: [{ name: 'a' }, { name: 'b' }] });
    assert.equal(bulk.bulk, true);
    assert.equal(bulk.items.length, 2);
  });
  it('unifies tenant_id and project_id', () => {
    assert.deepEqual(parseCreateBody(NETWORK_SPEC, { network: { tenant_id: 'p1' } }).items, [{ project_id: 'p1' }]);
    assert.match(message(() => parseCreateBody(NETWORK_SPEC, { network: { tenant_id: 'a', project_id: 'b' } })), /do not match/);
  });
  it("reports Neutron's messages for bad input", () => {
    assert.equal(message(() => parseCreateBody(NETWORK_SPEC, { network: { foo: 1 } })), "Unrecognized attribute(s) 'foo'");
    assert.equal(message(() => parseCreateBody(NETWORK_SPEC, { network: { status: 'DOWN' } })), "Attribute 'status' not allowed in POST");
    assert.equal(message(() => parseCreateBody(NETWORK_SPEC, { net: {} })), "Unable to find 'network' in request body");
    assert.equal(
      message(() => parseCreateBody(NETWORK_SPEC, { network: { admin_state_up: 'maybe' } })),
      "Invalid input for admin_state_up. Reason: 'maybe' cannot be converted to boolean.",
    );
    assert.equal(
      message(() => parseCreateBody(SUBNET_SPEC, { subnet: { network_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1', ip_version: 4 } })),
      "Failed to parse request. Required attribute 'cidr' not specified",
    );
    assert.equal(
      message(() => parseCreateBody(SUBNET_SPEC, { subnet: { network_id: 'x', ip_version: 4, cidr: '10.0.0.0/24' } })),
      "Invalid input for network_id. Reason: 'x' is not a valid UUID.",
    );
    assert.equal(message(() => parseCreateBody(SUBNET_SPEC, { subnet: { network_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1', ip_version: 5, cidr: '10.0.0.0/24' } })), "Invalid input for ip_version. Reason: '5' is not in [4, 6].");
    assert.equal(message(() => parseCreateBody(NETWORK_SPEC, { network: { name: 'x'.repeat(256) } })).endsWith('exceeds maximum length of 255.'), true);
    assert.equal(message(() => parseCreateBody(PORT_SPEC, { port: { network_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1', mac_address: 'nope' } })), "Invalid input for mac_address. Reason: 'nope' is not a valid MAC address.");
    assert.equal(
      message(() => parseCreateBody(PORT_SPEC, { port: { network_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1', fixed_ips: [{ ip: 1 }] } })),
      `Invalid input for fixed_ips. Reason: Invalid data format for fixed IP: '{"ip":1}'.`,
    );
  });
});

describe('parseUpdateBody', () => {
  it('rejects read-only and create-only attributes', () => {
    assert.equal(message(() => parseUpdateBody(NETWORK_SPEC, { network: { status: 'DOWN' } })), 'Cannot update read-only attribute status');
    assert.equal(message(() => parseUpdateBody(SUBNET_SPEC, { subnet: { cidr: '10.0.0.0/24' } })), 'Cannot update read-only attribute cidr');
    assert.deepEqual(parseUpdateBody(NETWORK_SPEC, { network: { name: 'x' } }), { name: 'x' });
  });
});
