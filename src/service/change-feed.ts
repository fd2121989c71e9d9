// Tells watchers that desired state changed. A database trigger NOTIFYs
// 'hanet_changes' at every commit that touches a watched table, on every
// server sharing the database; this coalesces a burst of them into one call
// per subscriber, so a bulk change costs each agent one snapshot fetch.

export const CHANGES_CHANNEL = 'hanet_changes';

export class ChangeFeed {
  readonly #subscribers = new Set<() => void>();
  readonly #coalesceMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(coalesceMs = 20) {
    this.#coalesceMs = coalesceMs;
  }

  /** Called for every notification; subscribers hear of it once per burst. */
  notify(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      for (const fn of this.#subscribers) fn();
    }, this.#coalesceMs);
  }

  subscribe(fn: () => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#subscribers.clear();
  }
}
