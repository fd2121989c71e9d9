// `hanet server`: opens the database (PGlite in <state_path>/db or a
// PostgreSQL URL), serves the API, and shuts down cleanly on SIGTERM/SIGINT
// so PGlite is closed and its lock released.
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { ServerConfig } from '../config/server-config.js';
import { openDatabase } from '../db/database.js';
import type { Logger } from '../log.js';
import { composeApi } from './compose-api.js';

/** How long requests in flight may take to finish once shutdown starts. */
const SHUTDOWN_GRACE_MS = 2_000;

export interface RunningServer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startServer(config: ServerConfig, log: Logger): Promise<RunningServer> {
  const database = await openDatabase({ connection: config.connection, dataDir: join(config.state_path, 'db') });
  log.info({ database: database.kind }, 'database ready');
  const app = await composeApi({ db: database.db, config, log });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.bind_host, port: config.bind_port }, () => resolve(s));
    s.once('error', reject);
  }).catch(async (err) => {
    await database.close();
    throw err;
  });
  const host = config.bind_host.includes(':') ? `[${config.bind_host}]` : config.bind_host;
  const url = `http://${host}:${config.bind_port}`;
  log.info({ url }, 'hanet server listening');
  let stopping: Promise<void> | undefined;
  return {
    url,
    stop: () =>
      (stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Idle keep-alive sockets would hold close() open. A client that keeps
          // its connection busy would too: it gets a grace period, then is cut.
          const http = server as unknown as { closeIdleConnections(): void; closeAllConnections(): void };
          http.closeIdleConnections();
          setTimeout(() => http.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
        });
        await database.close();
        log.info('hanet server stopped');
      })()),
  };
}
