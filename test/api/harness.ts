// The API in-process (Hono's app.request, no socket) on a fresh database:
// PGlite in memory by default, or a new database on the PostgreSQL server
// named by HANET_TEST_POSTGRES_URL. One database per test file (PGlite takes
// seconds to start), emptied before every test by reset().
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { loadServerConfig, type ServerConfig } from '../../src/config/server-config.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { silentLogger } from '../../src/log.js';
import { composeApi } from '../../src/main/compose-api.js';

export interface ApiResponse {
  readonly status: number;
  readonly body: any;
  readonly text: string;
  readonly headers: Headers;
}

export const AGENT_TOKEN = 'test-agent-token';

export interface TestApi {
  readonly db: Db;
  /** The server's clock: tests move it to make agents die. */
  readonly clock: { now: number; advance(seconds: number): void };
  /** One round of the server's periodic repairs. */
  heal(): Promise<void>;
  /** LISTEN on a channel of the database (the change feed's, for one). */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** A call of the agent protocol, with the agent token. */
  agent(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  readonly backend: 'pglite' | 'postgresql';
  request(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  get(path: string): Promise<ApiResponse>;
  post(path: string, body: unknown): Promise<ApiResponse>;
  put(path: string, body: unknown): Promise<ApiResponse>;
  del(path: string, body?: unknown): Promise<ApiResponse>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function makePostgresDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hanet_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A database of this test file's own: a fresh PostgreSQL database when
 * HANET_TEST_POSTGRES_URL is set (dropped on close), else in-memory PGlite.
 */
export async function openTestDatabase(): Promise<{ db: Db; close(): Promise<void> }> {
  const pgUrl = process.env.HANET_TEST_POSTGRES_URL;
  const pgDb = pgUrl ? await makePostgresDatabase(pgUrl) : undefined;
  const database = await openDatabase({ connection: pgDb?.url ?? '' });
  return {
    db: database.db,
    async close() {
      await database.close();
      await pgDb?.drop();
    },
  };
}

export async function startTestApi(overrides: Record<string, string> = {}): Promise<TestApi> {
  const pgUrl = process.env.HANET_TEST_POSTGRES_URL;
  const pgDb = pgUrl ? await makePostgresDatabase(pgUrl) : undefined;
  const config: ServerConfig = loadServerConfig({ overrides: { state_path: '/nonexistent', agent_token: AGENT_TOKEN, auth_strategy: 'noauth', ...overrides } });
  const database = await openDatabase({ connection: pgDb?.url ?? '' });
  const clock = {
    now: Date.now(),
    advance(seconds: number) {
      this.now += seconds * 1000;
    },
  };
  const { app, healer } = await composeApi({ db: database.db, config, log: silentLogger(), clock: () => new Date(clock.now) });

  const call = async (method: string, path: string, body: unknown, headers: Record<string, string>): Promise<ApiResponse> => {
    const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...headers } };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await app.request(`http://127.0.0.1:9696${path}`, init);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  const request = (method: string, path: string, body?: unknown) => call(method, path, body, {});

  return {
    db: database.db,
    backend: database.kind,
    clock,
    heal: () => healer.runOnce(),
    listen: (channel, onNotify) => database.listen(channel, onNotify),
    agent: (method, path, body) => call(method, `/agent/v1${path}`, body, { authorization: `Bearer ${AGENT_TOKEN}` }),
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    put: (path, body) => request('PUT', path, body),
    del: (path, body) => request('DELETE', path, body),
    async reset() {
      await sql`TRUNCATE ip_allocations, ports, subnets, networks, routers, agents, floatingips CASCADE`.execute(database.db);
      clock.now = Date.now();
    },
    async close() {
      await database.close();
      await pgDb?.drop();
    },
  };
}

/** Creates a network and a subnet on it; returns both ids. */
export async function makeNetworkWithSubnet(api: TestApi, cidr = '192.168.200.0/24', extra: Record<string, unknown> = {}) {
  const net = await api.post('/v2.0/networks', { network: { name: 'testdhcp' } });
  const subnet = await api.post('/v2.0/subnets', {
    subnet: { network_id: net.body.network.id, cidr, ip_version: cidr.includes(':') ? 6 : 4, name: 'subnet-testdhcp', ...extra },
  });
  if (subnet.status !== 201) throw new Error(`subnet create failed: ${subnet.text}`);
  return { networkId: net.body.network.id as string, subnetId: subnet.body.subnet.id as string };
}

/** Registers (or heartbeats) simulated nodes: each host's roles, as `hanet agent` would. */
export async function reportAgents(api: TestApi, hosts: readonly string[], roles: readonly ('l3' | 'dhcp' | 'l2')[] = ['l3', 'dhcp', 'l2']) {
  for (const [i, host] of hosts.entries()) {
    const res = await api.agent('POST', '/report', {
      host,
      roles: roles.map((role) => ({ role, configurations: role === 'l2' ? { tunnel_ip: `10.99.0.${i + 10}` } : {} })),
    });
    if (res.status !== 200) throw new Error(`report failed: ${res.text}`);
  }
}

/** The ids of agents of one type, by host. */
export async function agentIds(api: TestApi, agentType: string): Promise<Map<string, string>> {
  const res = await api.get(`/v2.0/agents?agent_type=${encodeURIComponent(agentType)}`);
  return new Map(res.body.agents.map((a: { host: string; id: string }) => [a.host, a.id]));
}
