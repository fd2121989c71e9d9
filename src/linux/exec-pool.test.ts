import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ExecError } from './exec.js';
import { ExecPool } from './exec-pool.js';

describe('ExecPool', () => {
  const pool = new ExecPool(2);
  after(() => pool.close());

  it('runs commands on its workers, with their output and stdin', async () => {
    assert.deepEqual(await pool.run(['sh', '-c', 'echo out; echo err >&2']), { stdout: 'out\n', stderr: 'err\n' });
    assert.equal((await pool.run(['cat'], { input: 'piped' })).stdout, 'piped');
  });

  it('fails as the calling thread would: an ExecError with the exit status and stderr', async () => {
    const err = await pool.run(['sh', '-c', 'echo nope >&2; exit 3']).catch((e: unknown) => e);
    assert.ok(err instanceof ExecError);
    assert.equal(err.exitCode, 3);
    assert.equal(err.stderr, 'nope\n');
    assert.deepEqual(err.argv, ['sh', '-c', 'echo nope >&2; exit 3']);
    const missing = await pool.run(['/nonexistent/command']).catch((e: unknown) => e);
    assert.ok(missing instanceof ExecError && /ENOENT/.test(missing.stderr));
    await assert.rejects(pool.run([]), /empty argv/);
  });

  it('kills a command past its time limit', async () => {
    const err = await pool.run(['sleep', '5'], { timeoutMs: 100 }).catch((e: unknown) => e);
    assert.ok(err instanceof ExecError && err.exitCode === null);
  });

  it('runs commands side by side, more than it has workers', async () => {
    // Five commands wait for a file that only the sixth makes: run one after another, they would time out.
    const flag = join(mkdtempSync(join(tmpdir(), 'hanet-exec-pool-')), 'flag');
    const waiters = Array.from({ length: 5 }, (_, i) => pool.run(['sh', '-c', `while [ ! -e ${flag} ]; do sleep 0.01; done; echo ${i}`], { timeoutMs: 10_000 }));
    await pool.run(['touch', flag]);
    assert.deepEqual((await Promise.all(waiters)).map((r) => r.stdout.trim()), ['0', '1', '2', '3', '4']);
    rmSync(dirname(flag), { recursive: true });
  });
});
