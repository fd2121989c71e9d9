// Versioned migrations, applied in name order at server start.
import type { Migration } from 'kysely';
import * as core from './0001-core.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-core': core,
};
