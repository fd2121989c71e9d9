// One API write = one transaction. On PostgreSQL two writers can race for the
// same generated value (a MAC, a VNI); the loser's unique violation or a
// serialization failure re-runs the whole transaction, whose explicit checks
// then report the proper domain error if the value is really taken.
import { type Transaction, sql } from 'kysely';
import type { Db } from './database.js';
import type { Database } from './schema.js';
import { ServiceUnavailable } from '../domain/errors.js';

export type Tx = Transaction<Database>;

const RETRYABLE_SQLSTATES = new Set(['23505', '40001', '40P01']);
const MAX_ATTEMPTS = 5;

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A row referred to a missing one (e.g. a port to a network deleted meanwhile). */
export function isForeignKeyViolation(err: unknown): boolean {
  return sqlState(err) === '23503';
}

export async function transact<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      const state = sqlState(err);
      if (!state || !RETRYABLE_SQLSTATES.has(state)) throw err;
      if (attempt >= MAX_ATTEMPTS) {
        throw new ServiceUnavailable('The request lost too many races with concurrent updates; retrying it is safe.');
      }
    }
  }
}

/** Serialises one kind of allocation (e.g. VNIs) across servers until the transaction ends. */
export async function lockAllocation(tx: Tx, name: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${name}))`.execute(tx);
}
