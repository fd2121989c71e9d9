// The benchmark's HTTP client. It uses node:http with an http.Agent
// ({ keepAlive: true }) rather than global fetch: connections are reused as a
// real API client's would be, maxSockets caps them at the number of workers,
// and the client's own overhead per request is smaller than undici fetch's,
// which matters when client and server share a few cores.
//
// Every answer is checked: a status outside 2xx throws ApiError carrying the
// status and the body, so a benchmark can never quietly count failures as
// fast requests.
import { Agent, request } from 'node:http';

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path} answered ${status}: ${body}`);
  }
}

export interface Timed<T> {
  readonly value: T;
  /** From just before the request is written to the last byte of the body. */
  readonly ms: number;
}

/** No single request may take longer than this; a hung server fails the run. */
const REQUEST_TIMEOUT_MS = 60_000;

export class ApiClient {
  private readonly agent: Agent;
  private closed = false;

  /** `headers` go on every request (the agent protocol's bearer token). */
  constructor(
    private readonly base: URL,
    maxSockets: number,
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** Sends one request, reads the whole body, and parses it as JSON. */
  async call(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Timed<unknown>> {
    // Once closed (end of run, or a signal) no new request may start: a
    // server shutting down keeps serving a busy keep-alive connection, so the
    // workload would otherwise run on while cleanup waits for it.
    if (this.closed) throw new Error(`${method} ${path}: client closed`);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const started = performance.now();
    const { status, text } = await this.send(method, path, payload);
    const ms = performance.now() - started;
    if (status < 200 || status > 299) throw new ApiError(method, path, status, text);
    // Parsing is the client's work, so it is left out of the measured time.
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path} answered ${status} with a body that is not JSON: ${text.slice(0, 500)}`);
    }
    return { value, ms };
  }

  /** Closes the kept-alive sockets so neither side is held open by them. */
  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private send(method: string, path: string, payload: Buffer | undefined): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.base),
        {
          method,
          agent: this.agent,
          headers: {
            ...this.headers,
            accept: 'application/json',
            ...(payload && { 'content-type': 'application/json', 'content-length': payload.length }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
