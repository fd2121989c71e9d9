// `hanet lab demo`, both scenarios, as the README's first command runs it:
// the walkthrough must end with every check passed, exit 0, and leave
// nothing behind.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRoot, TestLab } from '../support/lab.js';

for (const scenario of ['osp', 'juju']) {
  describe(`hanet lab demo --scenario ${scenario}`, { skip: !isRoot && 'needs root' }, () => {
    const lab = new TestLab(`e2e-demo-${scenario}`);

    it('walks through the seed with every check passing, and removes the lab', async () => {
      await lab.teardown();
      let stdout = '';
      try {
        ({ stdout } = await lab.lab(['demo', '--scenario', scenario], { timeoutMs: 300_000 }));
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        assert.fail(`the demo failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
      } finally {
        await lab.teardown();
      }
      assert.match(stdout, /^=== Summary/m);
      assert.match(stdout, /All \d+ checks passed\./);
      assert.doesNotMatch(stdout, /\| FAIL /);
      assert.match(stdout, /^\$ hanet router-create /m);
      assert.match(stdout, /outage \d+ ms/);
      assert.deepEqual(await lab.leftovers(), []);
    });
  });
}
