// Opens the one database: PGlite in <state_path>/db by default, a PostgreSQL
// server when `connection` is a postgresql:// URL. Both go through Kysely's
// PostgresDialect, and migrations run before the database is handed out.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import { MIGRATIONS } from './migrations/index.js';
import { listenWithReconnect } from './pg-listener.js';
import { PGlitePool } from './pglite-pool.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface OpenedDatabase {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgresql';
  /** LISTEN on a channel; the returned function stops listening. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A postgresql:// URL, or empty for PGlite. */
  readonly connection: string;
  /** PGlite's directory; undefined keeps it in memory (tests). */
  readonly dataDir?: string;
  /**
   * An idle pooled PostgreSQL connection failed (the server restarted, or an
   * administrator ended it). The pool replaces it; without a handler, pg
   * would throw it as an uncaught exception and end the process.
   */
  readonly onConnectionError?: (err: Error) => void;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  if (options.connection) return openPostgres(options.connection, options.onConnectionError ?? (() => {}));
  return openPGlite(options.dataDir);
}

async function openPostgres(url: string, onConnectionError: (err: Error) => void): Promise<OpenedDatabase> {
  // Sessions in UTC: timestamps read as JSON are then plain UTC strings.
  const pool = new pg.Pool({ connectionString: url, max: 10, options: '-c TimeZone=UTC' });
  pool.on('error', onConnectionError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  // A dedicated connection for LISTEN (pooled ones come and go), reopened when it drops.
  const listen = (channel: string, onNotify: () => void) => listenWithReconnect({ url, channel, onNotify, onConnectionError });
  return { db, kind: 'postgresql', listen, close: () => db.destroy() };
}

async function openPGlite(dataDir: string | undefined): Promise<OpenedDatabase> {
  const lock = dataDir ? lockDataDir(dataDir) : undefined;
  try {
    if (dataDir && !existsSync(dataDir)) await createPGliteDir(dataDir);
    const pglite = await PGlite.create(dataDir);
    await pglite.exec("SET TIME ZONE 'UTC'");
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PGlitePool(pglite) as never }) });
    try {
      await migrate(db);
    } catch (err) {
      await db.destroy();
      throw err;
    }
    return {
      db,
      kind: 'pglite',
      listen: async (channel, onNotify) => pglite.listen(channel, () => onNotify()),
      close: async () => {
        await db.destroy();
        lock?.release();
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

/**
 * A kill during PGlite's first initdb leaves a directory that never opens
 * again, so a new database is made beside it and renamed into place whole.
 */
async function createPGliteDir(dataDir: string): Promise<void> {
  const parent = dirname(dataDir);
  mkdirSync(parent, { recursive: true });
  const base = dataDir.slice(parent.length + 1);
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith(`${base}.new-`)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
  const tmp = `${dataDir}.new-${process.pid}`;
  const fresh = await PGlite.create(tmp);
  await fresh.close();
  renameSync(tmp, dataDir);
}

async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
