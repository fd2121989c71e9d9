// The watch stream over the agent unix socket of a real server process: a
// change committed through the API reaches the watcher (database trigger →
// NOTIFY → change feed → stream), and a bad token is refused on the socket too.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

const TOKEN = 'watch-test-token';
const statePath = mkdtempSync(join(tmpdir(), 'hanet-watch-'));
const socketPath = join(statePath, 'agent.sock');
let server: ServerProcess;

before(async () => {
  server = await startServerProcess({ statePath, args: ['--set', `agent_token=${TOKEN}`] });
});
after(async () => {
  await server?.stop();
  rmSync(statePath, { recursive: true, force: true });
});

function socketGet(path: string, token: string): Promise<{ status: number; lines: AsyncIterable<string>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.setEncoding('utf8');
      async function* lines() {
        let buffer = '';
        for await (const chunk of res) {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            yield buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
          }
        }
      }
      resolve({ status: res.statusCode ?? 0, lines: lines(), close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

it('refuses a wrong token on the socket', async () => {
  const res = await socketGet('/agent/v1/hosts/net-0/snapshot', 'nope');
  assert.equal(res.status, 401);
  res.close();
});

it('tells a watcher at once, then again after each committed change', async () => {
  const watch = await socketGet('/agent/v1/hosts/net-0/watch', TOKEN);
  assert.equal(watch.status, 200);
  const it = watch.lines[Symbol.asyncIterator]();
  assert.deepEqual(JSON.parse((await it.next()).value), { type: 'changed' });
  const started = performance.now();
  const res = await fetch(new URL('/v2.0/networks', server.url), { method: 'POST', body: JSON.stringify({ network: { name: 'watched' } }) });
  assert.equal(res.status, 201);
  const next = await Promise.race([it.next(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event within 2 s')), 2000))]);
  assert.deepEqual(JSON.parse(next.value), { type: 'changed' });
  assert.ok(performance.now() - started < 2000);
  watch.close();
});
