// Capped exponential backoff, as the Kubernetes client's list/watch does:
// 1 s, 2 s, 4 s … up to 30 s, back to 1 s after a success.

export interface Backoff {
  /** The delay before the next attempt, and the attempt counted. */
  next(): number;
  reset(): void;
}

export function createBackoff(options: { initialMs?: number; maxMs?: number } = {}): Backoff {
  const initial = options.initialMs ?? 1_000;
  const max = options.maxMs ?? 30_000;
  let attempt = 0;
  return {
    next() {
      const delay = Math.min(max, initial * 2 ** attempt);
      attempt++;
      return delay;
    },
    reset() {
      attempt = 0;
    },
  };
}
