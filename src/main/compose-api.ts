// Wires services and the HTTP app over one opened database. Shared by the
// server process and the in-process API tests, so both run the same graph.
import { randomInt, randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { createApp } from '../api/app.js';
import type { ApiEnv } from '../api/env.js';
import type { ServerConfig } from '../config/server-config.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../log.js';
import type { ServiceDeps } from '../service/deps.js';
import { NetworkService } from '../service/networks.js';
import { PortService } from '../service/ports.js';
import { noauthProjectId } from '../service/project-defaults.js';
import { SubnetService } from '../service/subnets.js';
import { TagService } from '../service/tags.js';

export interface ComposeOptions {
  readonly db: Db;
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly clock?: () => Date;
}

export async function composeApi(options: ComposeOptions): Promise<Hono<ApiEnv>> {
  const deps: ServiceDeps = {
    db: options.db,
    config: options.config,
    clock: options.clock ?? (() => new Date()),
    newId: randomUUID,
    randomByte: () => randomInt(256),
  };
  const projectId = await noauthProjectId(options.db);
  return createApp({
    log: options.log,
    networks: new NetworkService(deps),
    subnets: new SubnetService(deps),
    ports: new PortService(deps),
    tags: new TagService(deps),
    // noauth, as Neutron: every request is admin, in the server's own project.
    authenticate: async () => ({ projectId, isAdmin: true, roles: ['admin'] }),
  });
}

