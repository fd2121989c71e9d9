// Every acknowledged write survives a restart, a clean one or kill -9, on
// the embedded PGlite database; and a second server cannot open a data
// directory that is in use.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HANET_BIN, type ServerProcess, startServerProcess } from '../support/server-process.js';

const statePath = mkdtempSync(join(tmpdir(), 'hanet-durability-'));
let server: ServerProcess | undefined;
after(async () => {
  await server?.kill();
  rmSync(statePath, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, server!.url), { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('durability on PGlite', () => {
  it('keeps every acknowledged write across a clean restart and across kill -9', async () => {
    server = await startServerProcess({ statePath });
    const net = (await call('POST', '/v2.0/networks', { network: { name: 'testdhcp' } })).body.network;
    await call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '192.168.200.0/24', ip_version: 4 } });
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await call('POST', '/v2.0/ports', { port: { network_id: net.id, name: `p${i}` } });
      assert.equal(res.status, 201);
      acknowledged.push(res.body.port.id);
    }
    await server.stop();
    assert.ok(!existsSync(join(statePath, 'db.lock')), 'a clean stop releases the lock');

    server = await startServerProcess({ statePath });
    assert.equal((await call('GET', '/v2.0/ports')).body.ports.length, 20);
    for (let i = 20; i < 40; i++) {
      const res = await call('POST', '/v2.0/ports', { port: { network_id: net.id, name: `p${i}` } });
      acknowledged.push(res.body.port.id);
    }
    await server.kill();
    assert.ok(existsSync(join(statePath, 'db', 'postmaster.pid')), 'kill -9 leaves the stale postmaster.pid behind');

    server = await startServerProcess({ statePath });
    const ports = (await call('GET', '/v2.0/ports')).body.ports as { id: string; fixed_ips: { ip_address: string }[] }[];
    assert.deepEqual(new Set(ports.map((p) => p.id)), new Set(acknowledged));
    assert.equal(new Set(ports.map((p) => p.fixed_ips[0]!.ip_address)).size, 40, 'no address was handed out twice');
    const next = await call('POST', '/v2.0/ports', { port: { network_id: net.id } });
    assert.equal(next.body.port.fixed_ips[0].ip_address, '192.168.200.42');
  });

  it('refuses a second server on a data directory in use', () => {
    const second = spawnSync(process.execPath, [HANET_BIN, 'server', '--state-path', statePath, '--bind-port', '1'], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(second.status, 0);
    assert.match(second.stderr, new RegExp(`in use by process ${server!.pid}`));
  });
});
