import assert from 'node:assert/strict';
import { it } from 'node:test';
import { NAMESPACE_DNS, uuid5 } from './uuid5.js';

it('matches Python uuid.uuid5(NAMESPACE_DNS, "python.org")', () => {
  assert.equal(uuid5(NAMESPACE_DNS, 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
});
