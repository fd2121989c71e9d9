// Tells watchers that desired state changed. A database trigger NOTIFYs
// 'hanet_changes' at every commit that touches a watched table, on every
// server sharing the database. The first notification goes out at once;
// further ones within the window are folded into one more event at its
// end, so a burst of commits costs each agent two snapshot fetches at most.

export const CHANGES_CHANNEL = 'hanet_changes';

export class ChangeFeed {
  readonly #subscribers = new Set<() => void>();
  readonly #windowMs: number;
  #timer: NodeJS.Timeout | undefined;
  #pending = false;

  constructor(windowMs = 20) {
    this.#windowMs = windowMs;
  }

  notify(): void {
    if (this.#timer) {
      this.#pending = true;
      return;
    }
    this.#fire();
  }

  #fire(): void {
    for (const fn of this.#subscribers) fn();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#pending) {
        this.#pending = false;
        this.#fire();
      }
    }, this.#windowMs);
  }

  subscribe(fn: () => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#subscribers.clear();
  }
}
