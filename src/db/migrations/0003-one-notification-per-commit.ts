// One change notification per transaction instead of one per changed table:
// PostgreSQL folds equal payloads of a transaction into one, so a constant
// payload makes a port create (ports + ip_allocations) wake each agent once,
// not twice. Nobody reads the payload.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE OR REPLACE FUNCTION hanet_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('hanet_changes', ''); RETURN NULL; END $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`CREATE OR REPLACE FUNCTION hanet_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('hanet_changes', TG_TABLE_NAME); RETURN NULL; END $$`.execute(db);
}
