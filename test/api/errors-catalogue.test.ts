// docs/errors.md and src/domain/errors.ts list the same error types with the
// same statuses (the catalogue is API surface; its doc must not drift).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import * as errors from '../../src/domain/errors.js';
import { REPO_ROOT } from '../support/server-process.js';

it('docs/errors.md documents exactly the error catalogue, with its statuses', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  const documented = new Map([...doc.matchAll(/^\| `(\w+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
  assert.deepEqual([...documented.keys()].sort(), [...errors.ERROR_TYPES].sort());
  for (const [type, status] of documented) {
    // status is an instance field: read it off an instance (the message arguments do not matter).
    const cls = (errors as Record<string, unknown>)[type] as new (...args: string[]) => { status: number };
    assert.equal(new cls('x', 'y', 'z').status, status, type);
  }
});
