// The agent protocol, client side: what `hanet agent` calls. The server is
// reached over TCP (`http://host:port`) or over its unix socket
// (`unix:/path/to/agent.sock`, as the lab's nodes do through the shared
// filesystem). Answers other than 2xx become AgentApiError.
import { type IncomingMessage, request } from 'node:http';
import type { HaStatesRequest, HostSnapshot, PortStatusRequest, ReportRequest, ReportResponse, WatchEvent } from '../agent-api/protocol.js';
import { AGENT_API_PREFIX } from '../agent-api/protocol.js';

export class AgentApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`agent API answered ${status}: ${body.slice(0, 300)}`);
  }
}

type Target = { readonly socketPath: string } | { readonly host: string; readonly port: number };

function parseServer(server: string): Target {
  if (server.startsWith('unix:')) return { socketPath: server.slice('unix:'.length) };
  const url = new URL(server);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
}

export interface WatchHandle {
  /** Resolves when the stream ends (server gone, closed, or error). */
  readonly ended: Promise<void>;
  close(): void;
}

export class AgentClient {
  readonly #target: Target;
  readonly #token: string;

  constructor(options: { server: string; token: string }) {
    this.#target = parseServer(options.server);
    this.#token = options.token;
  }

  #open(method: string, path: string, body: unknown, onResponse: (res: IncomingMessage) => void, onError: (err: Error) => void) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        ...this.#target,
        method,
        path: `${AGENT_API_PREFIX}${path}`,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      onResponse,
    );
    req.on('error', onError);
    req.end(payload);
    return req;
  }

  #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#open(
        method,
        path,
        body,
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) return reject(new AgentApiError(status, text));
            try {
              resolve(JSON.parse(text) as T);
            } catch (err) {
              reject(err);
            }
          });
          res.on('error', reject);
        },
        reject,
      );
    });
  }

  report(req: ReportRequest): Promise<ReportResponse> {
    return this.#call('POST', '/report', req);
  }

  snapshot(host: string): Promise<HostSnapshot> {
    return this.#call('GET', `/hosts/${encodeURIComponent(host)}/snapshot`);
  }

  reportHaStates(host: string, req: HaStatesRequest): Promise<{ updated: number }> {
    return this.#call('POST', `/hosts/${encodeURIComponent(host)}/ha-states`, req);
  }

  reportPortStatus(host: string, req: PortStatusRequest): Promise<{ updated: number }> {
    return this.#call('POST', `/hosts/${encodeURIComponent(host)}/port-status`, req);
  }

  /** Opens the watch stream; `onEvent` gets each line. A refused stream rejects. */
  watch(host: string, onEvent: (event: WatchEvent) => void): Promise<WatchHandle> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const req = this.#open(
        'GET',
        `/hosts/${encodeURIComponent(host)}/watch`,
        undefined,
        (res) => {
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            res.resume();
            settled = true;
            return reject(new AgentApiError(status, ''));
          }
          const ended = new Promise<void>((done) => {
            res.on('end', () => done());
            res.on('error', () => done());
            res.on('close', () => done());
          });
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
              const line = buffer.slice(0, nl);
              buffer = buffer.slice(nl + 1);
              if (line.trim()) onEvent(JSON.parse(line) as WatchEvent);
            }
          });
          settled = true;
          resolve({ ended, close: () => req.destroy() });
        },
        (err) => {
          if (!settled) reject(err);
        },
      );
    });
  }
}
