import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { HaStateReporter, parseFifoLine } from './ha-state-reporter.js';

const until = async (probe: () => boolean) => {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(probe(), 'condition not met within 2 s');
};

describe('parseFifoLine', () => {
  it("reads keepalived's notify_fifo lines", () => {
    assert.equal(parseFifoLine('INSTANCE "VR_1" MASTER 50'), 'master');
    assert.equal(parseFifoLine('INSTANCE "VR_12" BACKUP 40\n'), 'backup');
    assert.equal(parseFifoLine('INSTANCE "VR_1" FAULT 50'), 'fault');
    assert.equal(parseFifoLine('INSTANCE "VR_1" STOP 50'), undefined);
    assert.equal(parseFifoLine('GROUP "G" MASTER'), undefined);
  });
});

describe('HaStateReporter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanet-fifo-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads transitions in order from the FIFO, records the last and reports them in batches', async () => {
    const files = { fifo: join(dir, 'notify.fifo'), state: join(dir, 'state') };
    execFileSync('mkfifo', [files.fifo]);
    writeFileSync(files.state, 'backup\n'); // an earlier agent's record
    const batches: Record<string, string>[] = [];
    const reporter = new HaStateReporter({ report: async (s) => batches.push({ ...s }), log: pino({ level: 'silent' }), batchMs: 5 });
    try {
      reporter.watch('r1', files);
      assert.equal(reporter.stateOf('r1'), 'backup');
      // As keepalived does: lines that arrive together, the last one wins.
      appendFileSync(files.fifo, 'INSTANCE "VR_1" MASTER 50\nINSTANCE "VR_1" BACKUP 50\nINSTANCE "VR_1" MASTER 50\n');
      await until(() => reporter.stateOf('r1') === 'master' && batches.some((b) => b.r1 === 'master'));
      assert.equal(readFileSync(files.state, 'utf8'), 'master\n');
      appendFileSync(files.fifo, 'INSTANCE "VR_1" STOP 50\n');
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(reporter.stateOf('r1'), 'master', 'STOP says nothing about the state');
      reporter.forget('r1', files);
      assert.equal(reporter.stateOf('r1'), undefined);
      assert.throws(() => readFileSync(files.state));
    } finally {
      reporter.close();
    }
  });

  it('opens the FIFO keepalived makes later, and the new one a reload leaves', async () => {
    const sub = mkdtempSync(join(dir, 'r2-'));
    const files = { fifo: join(sub, 'notify.fifo'), state: join(sub, 'state') };
    // Like keepalived, the writer holds its FIFO open read-write: what it writes waits for the reader.
    const makeFifo = () => {
      execFileSync('mkfifo', [files.fifo]);
      return openSync(files.fifo, constants.O_RDWR | constants.O_NONBLOCK);
    };
    const reporter = new HaStateReporter({ report: async () => undefined, log: pino({ level: 'silent' }), batchMs: 5 });
    const fds: number[] = [];
    try {
      reporter.watch('r2', files); // no FIFO yet
      fds.push(makeFifo());
      writeSync(fds[0]!, 'INSTANCE "VR_2" BACKUP 40\n');
      await until(() => reporter.stateOf('r2') === 'backup');
      rmSync(files.fifo); // as keepalived does on SIGHUP
      fds.push(makeFifo());
      writeSync(fds[1]!, 'INSTANCE "VR_2" MASTER 40\n');
      await until(() => reporter.stateOf('r2') === 'master');
      // A transition written to the old FIFO just as a reload makes the new
      // one: the reader switches (here before its event loop got to the old
      // one's data) and still records it.
      writeSync(fds[1]!, 'INSTANCE "VR_2" BACKUP 40\n');
      rmSync(files.fifo);
      fds.push(makeFifo());
      reporter.watch('r2', files);
      assert.equal(reporter.stateOf('r2'), 'backup');
    } finally {
      reporter.close();
      fds.forEach((fd) => closeSync(fd));
    }
  });
});
