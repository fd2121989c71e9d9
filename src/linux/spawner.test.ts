import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ExecError, execHere } from './exec.js';
import { Spawner } from './spawner.js';

describe('Spawner', () => {
  const spawner = new Spawner();
  after(() => spawner.close());

  it('runs commands with their output and stdin, bytes as they are', async () => {
    assert.deepEqual(await spawner.run(['sh', '-c', 'echo out; echo err >&2']), { stdout: 'out\n', stderr: 'err\n' });
    assert.equal((await spawner.run(['cat'], { input: 'piped' })).stdout, 'piped');
    assert.equal((await spawner.run(['printf', '%s|%s|', 'héllo wörld', ''])).stdout, 'héllo wörld||');
  });

  it('passes input and output larger than a pipe holds', async () => {
    const big = 'x'.repeat(300_000);
    assert.equal((await spawner.run(['cat'], { input: big })).stdout, big);
    assert.equal((await spawner.run(['head', '-c', '3000000', '/dev/zero'])).stdout.length, 3_000_000);
  });

  it('fails as execHere does: an ExecError with the exit status and stderr', async () => {
    for (const run of [spawner.run, execHere]) {
      const err = await run(['sh', '-c', 'echo nope >&2; exit 3']).catch((e: unknown) => e);
      assert.ok(err instanceof ExecError);
      assert.equal(err.exitCode, 3);
      assert.equal(err.stderr, 'nope\n');
      assert.deepEqual(err.argv, ['sh', '-c', 'echo nope >&2; exit 3']);
      const missing = await run(['/nonexistent/command']).catch((e: unknown) => e);
      assert.ok(missing instanceof ExecError && missing.exitCode === null && /ENOENT/.test(missing.stderr));
      await assert.rejects(run([]), /empty argv/);
    }
  });

  it('kills a command past its time limit', async () => {
    const started = performance.now();
    const err = await spawner.run(['sleep', '5'], { timeoutMs: 100 }).catch((e: unknown) => e);
    assert.ok(err instanceof ExecError && err.exitCode === null);
    assert.ok(performance.now() - started < 4_000);
  });

  it('runs commands side by side', async () => {
    // Five commands wait for a file that only the sixth makes: run one after another, they would time out.
    const flag = join(mkdtempSync(join(tmpdir(), 'hanet-spawner-')), 'flag');
    const waiters = Array.from({ length: 5 }, (_, i) => spawner.run(['sh', '-c', `while [ ! -e ${flag} ]; do sleep 0.01; done; echo ${i}`], { timeoutMs: 10_000 }));
    await spawner.run(['touch', flag]);
    assert.deepEqual((await Promise.all(waiters)).map((r) => r.stdout.trim()), ['0', '1', '2', '3', '4']);
    rmSync(dirname(flag), { recursive: true });
  });

  it('answers large outputs while other commands end around them', async () => {
    // The agent busy: the helper's answer fills the pipe and its write waits, while the sleeps end and interrupt it.
    const big = spawner.run(['head', '-c', '2000000', '/dev/zero']);
    const sleeps = Array.from({ length: 10 }, (_, i) => spawner.run(['sleep', String(0.05 + i * 0.02)]));
    const until = performance.now() + 400;
    while (performance.now() < until);
    assert.equal((await big).stdout.length, 2_000_000);
    await Promise.all(sleeps);
  });

  it('fails what ran when the helper dies, and starts a new one for the next command', async () => {
    const running = spawner.run(['sleep', '5']);
    const helper = Number((await spawner.run(['sh', '-c', 'echo $PPID'])).stdout.trim());
    process.kill(helper, 'SIGKILL');
    await assert.rejects(running, /exec helper exited/);
    assert.equal((await spawner.run(['echo', 'again'])).stdout, 'again\n');
  });
});
