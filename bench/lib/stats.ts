// Latency summaries for the benchmark tables. Percentiles use the
// nearest-rank method (the smallest sample with at least q of all samples at
// or below it), so every reported figure is a latency that was actually
// observed, never an interpolation between two requests.

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Requests per second over the phase's wall time, not the sum of latencies. */
  readonly rps: number;
}

/** Nearest-rank percentile of samples already sorted ascending; q in (0, 1]. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  const value = sorted[rank - 1];
  if (value === undefined) throw new Error(`rank ${rank} outside ${sorted.length} samples`);
  return value;
}

export function summarize(latenciesMs: readonly number[], wallMs: number): Summary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: percentile(sorted, 1),
    rps: sorted.length / (wallMs / 1000),
  };
}
