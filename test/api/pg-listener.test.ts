// The PostgreSQL LISTEN connection heals: terminated by the server, it
// reconnects, wakes its listener once (notifications may have been missed),
// and hears the next NOTIFY. Runs in the PostgreSQL pass only.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pg from 'pg';
import { listenWithReconnect } from '../../src/db/pg-listener.js';

const url = process.env.HANET_TEST_POSTGRES_URL;

async function waitFor(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

it('reconnects after its connection is terminated and keeps hearing notifications', { skip: !url && 'needs HANET_TEST_POSTGRES_URL' }, async () => {
  const channel = `hanet_test_${process.pid}`;
  let heard = 0;
  const errors: Error[] = [];
  const stop = await listenWithReconnect({ url: url!, channel, onNotify: () => heard++, onConnectionError: (e) => errors.push(e) });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`NOTIFY ${channel}`);
    await waitFor('the first notification', () => heard === 1);
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`, [`LISTEN "${channel}"`]);
    assert.equal(killed.rowCount, 1);
    await waitFor('the catch-up wake-up after reconnecting', () => heard === 2);
    await admin.query(`NOTIFY ${channel}`);
    await waitFor('a notification on the new connection', () => heard === 3);
    assert.ok(errors.length >= 1, 'the termination was reported');
  } finally {
    await admin.end();
    await stop();
  }
});
