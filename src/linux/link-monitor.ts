// Watches a namespace's links with `ip -o monitor link`, so the agent hears
// at once when a tap appears (a VM booted, a router port was created) instead
// of polling. A burst of events becomes one callback with the lines of the
// burst (`ip -o` prints one per event); the monitor process is the agent's
// own child and is restarted if it exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../log.js';
import { inNetns } from './iproute2.js';

export class LinkMonitor {
  readonly #onChange: (lines: string[]) => void;
  readonly #log: Logger;
  readonly #namespace: string | undefined;
  readonly #debounceMs: number;
  #child: ChildProcess | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lines: string[] = [];
  #closed = false;

  constructor(options: { onChange: (lines: string[]) => void; log: Logger; namespace?: string; debounceMs?: number }) {
    this.#onChange = options.onChange;
    this.#log = options.log;
    this.#namespace = options.namespace;
    this.#debounceMs = options.debounceMs ?? 20;
  }

  start(): void {
    if (this.#closed) return;
    const [file, ...args] = inNetns(this.#namespace, ['ip', '-o', 'monitor', 'link']);
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.#child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => this.#changed(line));
    child.on('error', (err) => this.#log.warn({ err: err.message }, 'link monitor failed to start'));
    child.on('exit', () => {
      this.#child = undefined;
      if (this.#closed) return;
      this.#log.warn('link monitor exited; restarting');
      setTimeout(() => this.start(), 1_000).unref();
    });
  }

  #changed(line: string): void {
    this.#lines.push(line);
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const lines = this.#lines;
      this.#lines = [];
      this.#onChange(lines);
    }, this.#debounceMs);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    if (this.#child?.pid) this.#child.kill('SIGTERM');
  }
}
