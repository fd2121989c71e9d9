// Versioned migrations, applied in name order at server start.
import type { Migration } from 'kysely';
import * as core from './0001-core.js';
import * as l3Agents from './0002-l3-agents.js';
import * as oneNotification from './0003-one-notification-per-commit.js';
import * as identity from './0004-identity.js';
import * as quietStatus from './0005-quiet-status-updates.js';
import * as quietRouterPorts from './0006-quiet-router-port-bindings.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-core': core,
  '0002-l3-agents': l3Agents,
  '0003-one-notification-per-commit': oneNotification,
  '0004-identity': identity,
  '0005-quiet-status-updates': quietStatus,
  '0006-quiet-router-port-bindings': quietRouterPorts,
};
