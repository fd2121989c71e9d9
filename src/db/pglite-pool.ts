// Lets Kysely's PostgresDialect drive PGlite, so PGlite and a PostgreSQL
// server share one SQL path. PGlite has a single connection: the pool hands
// it to one caller at a time (a transaction holds it until release), which is
// exactly the isolation a real pool of connections would give.

/** The part of PGlite this adapter needs (structural, as Kysely's own dialects do). */
export interface PGliteLike {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  close(): Promise<void>;
}

interface PooledClient {
  query(sql: string, params: readonly unknown[]): Promise<{ command: string; rowCount: number; rows: unknown[] }>;
  release(): void;
}

export class PGlitePool {
  readonly #db: PGliteLike;
  #busy = false;
  readonly #waiting: (() => void)[] = [];

  constructor(db: PGliteLike) {
    this.#db = db;
  }

  async connect(): Promise<PooledClient> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#busy = true;
    let released = false;
    return {
      query: async (sql, params) => {
        const result = await this.#db.query<unknown>(sql, [...params]);
        const command = sql.trimStart().split(/\s/, 1)[0]!.toUpperCase();
        return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
      },
      release: () => {
        if (released) return;
        released = true;
        const next = this.#waiting.shift();
        if (next) next();
        else this.#busy = false;
      },
    };
  }

  async end(): Promise<void> {
    await this.#db.close();
  }
}
