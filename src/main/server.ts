// `hanet server`: opens the database (PGlite in <state_path>/db or a
// PostgreSQL URL), serves the API on TCP and the agent protocol also on a
// unix socket, listens for change notifications, runs the periodic repairs,
// and shuts down cleanly on SIGTERM/SIGINT so PGlite is closed and its lock
// released.
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { ServerConfig } from '../config/server-config.js';
import { openDatabase } from '../db/database.js';
import type { Logger } from '../log.js';
import { CHANGES_CHANNEL } from '../service/change-feed.js';
import { createKeystoneApp } from '../identity/keystone-app.js';
import { composeApi } from './compose-api.js';

/** How long requests in flight may take to finish once shutdown starts. */
const SHUTDOWN_GRACE_MS = 2_000;

export interface RunningServer {
  readonly url: string;
  readonly agentSocket: string | undefined;
  stop(): Promise<void>;
}

/** The agent socket's path: agent_socket, or <state_path>/agent.sock; "none" turns it off. */
export function agentSocketPath(config: Pick<ServerConfig, 'agent_socket' | 'state_path'>): string | undefined {
  if (config.agent_socket === 'none') return undefined;
  return config.agent_socket || join(config.state_path, 'agent.sock');
}

function listen(server: Server, target: { port: number; host: string } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if ('path' in target) server.listen(target.path, done);
    else server.listen(target.port, target.host, done);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Idle keep-alive sockets would hold close() open. A client that keeps its
    // connection busy (or an agent's watch stream) would too: it gets a grace period.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  });
}

export async function startServer(config: ServerConfig, log: Logger): Promise<RunningServer> {
  const database = await openDatabase({
    connection: config.connection,
    dataDir: join(config.state_path, 'db'),
    onConnectionError: (err) => log.warn({ err }, 'a PostgreSQL connection failed; the pool replaces it'),
  });
  log.info({ database: database.kind }, 'database ready');
  const { app, changes, healer, identity, externalKeystone } = await composeApi({ db: database.db, config, log });
  const stopListening = await database.listen(CHANGES_CHANNEL, () => changes.notify());
  if (!config.agent_token) log.warn('agent_token is empty: every agent call will be refused');
  if (identity && !config.admin_password) log.warn('auth_strategy is keystone and admin_password is empty: unless users exist already, nobody can log in (set HANET_ADMIN_PASSWORD)');
  if (externalKeystone && config.admin_password) log.warn('admin_password is ignored: with [keystone_authtoken] auth_url the users are the external Keystone\'s');

  const tcp = createAdaptorServer({ fetch: app.fetch }) as Server;
  const unix = createAdaptorServer({ fetch: app.fetch }) as Server;
  const host = config.bind_host.includes(':') ? `[${config.bind_host}]` : config.bind_host;
  const url = `http://${host}:${config.bind_port}`;
  const keystone = identity && (createAdaptorServer({ fetch: createKeystoneApp({ identity, log, networkUrl: url, region: config.region_name }).fetch }) as Server);
  const socketPath = agentSocketPath(config);
  const cleanup = async () => {
    clearInterval(healing);
    await healingRun;
    await Promise.all([close(tcp), close(unix), ...(keystone ? [close(keystone)] : [])]);
    changes.close();
    await stopListening();
    await database.close();
    if (socketPath) rmSync(socketPath, { force: true });
  };

  // Repairs (and the purge of long-expired tokens) run every few seconds, never two at once.
  let healingRun: Promise<void> | undefined;
  const healing = setInterval(() => {
    healingRun ??= Promise.all([healer.runOnce(), identity?.purgeExpired()])
      .then(() => undefined)
      .catch((err: unknown) => log.error({ err }, 'periodic repairs failed'))
      .finally(() => (healingRun = undefined));
  }, Math.min(5_000, (config.agent_down_time * 1000) / 3));

  try {
    await listen(tcp, { port: config.bind_port, host: config.bind_host });
    if (keystone) await listen(keystone, { port: config.identity_bind_port, host: config.bind_host });
    if (socketPath) {
      rmSync(socketPath, { force: true }); // a stale socket file of a previous run
      await listen(unix, { path: socketPath });
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  // Which identity answers for tokens: the built-in service on its port, an external Keystone, or none (noauth).
  const identityUrl = keystone ? `http://${host}:${config.identity_bind_port}/v3` : externalKeystone?.url;
  const identityKind = keystone ? 'built-in' : externalKeystone ? 'external Keystone' : 'none (noauth: every request is admin)';
  log.info({ url, agent_socket: socketPath, identity: identityKind, identity_url: identityUrl }, 'hanet server listening');
  let stopping: Promise<void> | undefined;
  return {
    url,
    agentSocket: socketPath,
    stop: () =>
      (stopping ??= (async () => {
        await cleanup();
        log.info('hanet server stopped');
      })()),
  };
}
