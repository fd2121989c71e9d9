// The agent protocol's watch stream, read the way an agent reads it: over the
// unix socket <state_path>/agent.sock, on a connection of its own (agent:
// false) so no keep-alive pool holds it or queues other requests behind it.
// The server sends one JSON event per line: "changed" when desired state may
// have moved, "ping" when idle. Pings only say the server is alive and are
// dropped; each "changed" is queued with the moment its line was read, so a
// caller can measure the delay from a change to its notification.
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { ApiError } from './http-client.js';

export class WatchStream {
  /** Arrival times (performance.now()) of "changed" events nobody has taken yet. */
  private readonly arrivals: number[] = [];
  private buffer = '';
  private waiter: { resolve: (at: number) => void; reject: (err: Error) => void } | undefined;
  private ended: Error | undefined;
  private closed = false;
  private pingCount = 0;

  private constructor(
    private readonly req: ClientRequest,
    res: IncomingMessage,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => this.onData(chunk, performance.now()));
    res.on('end', () => this.fail(new Error('the server ended the watch stream')));
    res.on('error', (err) => this.fail(err));
    req.on('error', (err) => this.fail(err));
  }

  /** Opens GET /agent/v1/hosts/<host>/watch; resolves once the server answered 200. */
  static open(socketPath: string, host: string, token: string): Promise<WatchStream> {
    const path = `/agent/v1/hosts/${encodeURIComponent(host)}/watch`;
    return new Promise((resolve, reject) => {
      const req = request({ socketPath, path, agent: false, headers: { authorization: `Bearer ${token}`, accept: 'application/x-ndjson' } }, (res) => {
        if (res.statusCode === 200) return resolve(new WatchStream(req, res));
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => reject(new ApiError('GET', path, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Pings seen so far (none are expected while changes keep coming). */
  get pings(): number {
    return this.pingCount;
  }

  /** The arrival time of the next "changed" event, waiting up to timeoutMs for it. */
  nextChanged(timeoutMs: number): Promise<number> {
    const queued = this.arrivals.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(this.ended);
    if (this.waiter) return Promise.reject(new Error('nextChanged: already waiting'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no "changed" event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  /** Drops "changed" events already received; returns how many there were. */
  drain(): number {
    return this.arrivals.splice(0).length;
  }

  /** Closes the connection; the server sees the stream aborted and unsubscribes. */
  close(): void {
    this.closed = true;
    this.req.destroy();
  }

  private onData(chunk: string, at: number): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim() !== '') this.onEvent(line, at);
    }
  }

  private onEvent(line: string, at: number): void {
    let type: unknown;
    try {
      type = (JSON.parse(line) as { type?: unknown }).type;
    } catch {
      return this.fail(new Error(`watch stream sent a line that is not JSON: ${line.slice(0, 200)}`));
    }
    if (type === 'ping') {
      this.pingCount++;
    } else if (type === 'changed') {
      const waiter = this.waiter;
      this.waiter = undefined;
      if (waiter) waiter.resolve(at);
      else this.arrivals.push(at);
    } else {
      this.fail(new Error(`watch stream sent an unknown event: ${line.slice(0, 200)}`));
    }
  }

  private fail(err: Error): void {
    // After close() the connection's end is expected, not a failure.
    if (this.closed || this.ended) return;
    this.ended = err;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
  }
}
