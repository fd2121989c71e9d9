// LISTEN on a PostgreSQL server over a dedicated connection that heals: when
// the connection drops (server restart, pg_terminate_backend), it reconnects
// with capped backoff and then calls onNotify once, because notifications
// sent while it was away are lost and listeners must re-read (level-triggered).
import pg from 'pg';

export interface PgListenerOptions {
  readonly url: string;
  readonly channel: string;
  readonly onNotify: () => void;
  readonly onConnectionError: (err: Error) => void;
  readonly maxBackoffMs?: number;
}

/** Starts listening (the first connection must succeed); the returned function stops it. */
export async function listenWithReconnect(options: PgListenerOptions): Promise<() => Promise<void>> {
  const { url, channel, onNotify, onConnectionError } = options;
  let stopped = false;
  let client: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', onConnectionError);
    c.on('notification', (msg) => msg.channel === channel && onNotify());
    c.on('end', () => {
      if (stopped || client !== c) return;
      client = undefined;
      scheduleReconnect(250);
    });
    await c.connect();
    await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    client = c;
  };

  const scheduleReconnect = (delayMs: number) => {
    retryTimer = setTimeout(async () => {
      if (stopped) return;
      try {
        await connect();
        onNotify(); // whatever changed while we were away
      } catch (err) {
        onConnectionError(err as Error);
        scheduleReconnect(Math.min(delayMs * 2, options.maxBackoffMs ?? 10_000));
      }
    }, delayMs);
  };

  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retryTimer);
    await client?.end();
  };
}
