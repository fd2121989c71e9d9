import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outageAfter, parsePing } from './ping.js';

const output = [100, 100.5, 100.51, 100.52, 100.82, 100.83].map((t, i) => `[${t.toFixed(3)}] 64 bytes from 10.0.0.1: icmp_seq=${i + 1}`).join('\n') + '\nno answer yet';

describe('ping -D output', () => {
  it('finds the longest gap and when traffic resumed', () => {
    assert.deepEqual(parsePing(output), { replies: 6, maxGapMs: 500, lastReplyAt: 100.83, resumedAt: 100.5 });
  });

  it('measures the longest gap after a moment, not the longest one', () => {
    // The node was killed at 100.505; traffic stopped a little later.
    assert.deepEqual(outageAfter(output, 100.505), { gapMs: 300, resumedAt: 100.82 });
    assert.equal(outageAfter(output, 101), undefined);
  });
});
