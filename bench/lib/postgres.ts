// A throwaway PostgreSQL cluster through scripts/postgres.sh, started with
// PG_FSYNC=on: with fsync off every commit would skip the disk flush and the
// PostgreSQL figures would flatter it against PGlite.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class PostgresUnavailable extends Error {}

export interface PostgresCluster {
  readonly url: string;
}

function script(root: string): string {
  return join(root, 'scripts', 'postgres.sh');
}

/**
 * Starts a cluster in dir (the script creates and chowns it). A failing script
 * means "no PostgreSQL here" and becomes PostgresUnavailable with its stderr,
 * so the caller can skip that backend; stopPostgres must still be called to
 * remove whatever the script left behind.
 */
export async function startPostgres(root: string, dir: string, port: number): Promise<PostgresCluster> {
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [script(root), 'start', dir, String(port)], {
      env: { ...process.env, PG_FSYNC: 'on' },
      timeout: 120_000,
    }));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new PostgresUnavailable((e.stderr?.trim() || e.message).split('\n').slice(-3).join(' / '));
  }
  const url = stdout.trim().split('\n').pop() ?? '';
  if (!/^postgres(ql)?:\/\//.test(url)) throw new PostgresUnavailable(`scripts/postgres.sh printed no URL: ${stdout.trim()}`);
  return { url };
}

/** Stops the cluster (if running) and removes dir; the script does both. */
export async function stopPostgres(root: string, dir: string): Promise<void> {
  await run('bash', [script(root), 'stop', dir], { timeout: 60_000 });
}
