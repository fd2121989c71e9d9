// One place that knows what the benchmark has left running or lying around
// (server processes, PostgreSQL clusters, temp directories), so the same undo
// steps run whether the run ends normally, throws, or is interrupted by a
// signal while a phase is still in flight.

type Undo = () => Promise<void>;

export class Cleanup {
  private readonly pending = new Map<number, { label: string; run: () => Promise<void> }>();
  private nextId = 0;
  private all: Promise<void> | undefined;

  /**
   * Registers an undo step and returns a function that runs it now. Running is
   * idempotent and shared: the normal path (finally) and a signal handler can
   * both call it, and the second caller waits for the first one's work.
   */
  add(label: string, undo: Undo): () => Promise<void> {
    const id = this.nextId++;
    let running: Promise<void> | undefined;
    const run = (): Promise<void> =>
      (running ??= (async () => {
        try {
          await undo();
        } finally {
          this.pending.delete(id);
        }
      })());
    this.pending.set(id, { label, run });
    return run;
  }

  /** True once runAll has begun: failures after that are the shutdown's doing. */
  get closing(): boolean {
    return this.all !== undefined;
  }

  /** Runs every step still pending, newest first; reports failures and goes on. */
  runAll(): Promise<void> {
    return (this.all ??= (async () => {
      for (const [, step] of [...this.pending.entries()].reverse()) {
        try {
          await step.run();
        } catch (err) {
          process.stderr.write(`cleanup: ${step.label} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    })());
  }
}
