// `hanet lab up` and `hanet lab down`, five times in a row, each leaving
// nothing behind; and `down` cleans up after a lab whose CLI state is gone
// (a crashed run).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { isRoot, TestLab } from '../support/lab.js';

describe('lab up and down', { skip: !isRoot && 'needs root' }, () => {
  const lab = new TestLab('e2e-cycles');
  after(() => lab.teardown());

  it('comes up (3 network nodes, 1 compute node) and goes down 5 times with no leftovers', async () => {
    for (let i = 0; i < 5; i++) {
      const { stderr } = await lab.up();
      assert.match(stderr, /agents alive: 10\/10/, `cycle ${i}`);
      await lab.lab(['down']);
      assert.deepEqual(await lab.leftovers(), [], `cycle ${i}`);
    }
  });

  it('cleans up after a run whose state file is lost', async () => {
    await lab.up(['--network-nodes', '1', '--compute-nodes', '0']);
    rmSync(`${lab.dir}/lab.json`);
    await lab.lab(['down']);
    assert.deepEqual(await lab.leftovers(), []);
  });
});
