// `npm run bench`: the API's latency and throughput over HTTP on loopback,
// against the real `hanet server` executable, first with its embedded PGlite
// database and then with a PostgreSQL server (skipped, with the reason
// printed, where PostgreSQL is not installed). After the core resources it
// measures routers, interfaces, floating IPs and the agent watch stream, with
// three simulated agent hosts reporting. Tables go to stdout, progress to
// stderr, and the figures to bench/results/api.json.
//
// Whatever happens (success, a failed check, Ctrl-C, SIGTERM) the servers
// started here are stopped by their PIDs and the temp directories removed.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_HOSTS, Heartbeats } from './lib/agents.js';
import { Cleanup } from './lib/cleanup.js';
import { freePort } from '../src/lab/free-port.js';
import { ApiClient } from './lib/http-client.js';
import { runL3, type L3Plan } from './lib/l3-workload.js';
import type { OpResult } from './lib/phase.js';
import { PostgresUnavailable, startPostgres, stopPostgres } from './lib/postgres.js';
import { jsonRows, machineLine, markdownTable, writeJson, type JsonRow } from './lib/report.js';
import { ServerProcess } from '../test/support/server-process.js';
import { WatchStream } from './lib/watch.js';
import { runMode, type ModePlan } from './lib/workload.js';

/** dist/bench/api-bench.js → the repository root, where bin/, scripts/ and bench/results/ are. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results', 'api.json');

const SEQUENTIAL: ModePlan = {
  mode: 'sequential',
  concurrency: 1,
  networks: 200,
  subnets: 100,
  ports: 1000,
  lists: 50,
  subnetOctet: 0,
  portSubnetOctet: 200,
};

const CONCURRENT: ModePlan = {
  mode: '8 concurrent',
  concurrency: 8,
  networks: 400,
  subnets: 200,
  ports: 800,
  lists: 80,
  subnetOctet: 1,
  portSubnetOctet: 201,
};

const L3: L3Plan = {
  // 200 HA routers in all: under the 254 VRIDs one project has.
  routersPerMode: 100,
  concurrency: CONCURRENT.concurrency,
  floatingIpsPerMode: 100,
  l3AgentLists: 100,
  watchChanges: 50,
  hosts: AGENT_HOSTS,
};

function progress(backend: string): (what: string) => void {
  return (what) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${backend}: ${what}\n`);
}

/** One backend: a fresh server and state directory, both modes, the table and the server's memory. */
async function runBackend(cleanup: Cleanup, backend: string, connection?: string): Promise<OpResult[]> {
  const stateDir = await mkdtemp(join(tmpdir(), 'hanet-bench-'));
  const removeState = cleanup.add(`remove ${stateDir}`, () => rm(stateDir, { recursive: true, force: true }));
  try {
    // A fresh secret per run: the agent API refuses everything without one.
    const token = randomBytes(16).toString('hex');
    const args = ['--set', `agent_token=${token}`];
    const server = ServerProcess.spawn({ root: ROOT, statePath: stateDir, port: await freePort(), connection, args });
    const stopServer = cleanup.add(`stop hanet server at ${server.url.href}`, () => server.stop());
    // maxSockets = the widest phase's clients, so each concurrent loop has its own connection.
    const client = new ApiClient(server.url, CONCURRENT.concurrency);
    // Registered after the server, so a signal closes the client first and the workload stops.
    const closeClient = cleanup.add('close the HTTP client', async () => client.close());
    try {
      const say = progress(backend);
      say(`server pid ${server.pid} starting at ${server.url.href}`);
      await server.waitReady();
      const rows = [...(await runMode(client, SEQUENTIAL, 0, say)), ...(await runMode(client, CONCURRENT, SEQUENTIAL.ports, say))];
      rows.push(...(await runRouters(cleanup, server, stateDir, token, client, say)));
      const mem = server.memoryKiB();
      process.stdout.write(`\n### ${backend}\n\n${markdownTable(rows)}\n\n`);
      process.stdout.write(`Server RSS at end of run: ${(mem.rss / 1024).toFixed(1)} MiB (peak ${(mem.peak / 1024).toFixed(1)} MiB), pid ${server.pid}\n`);
      return rows;
    } catch (err) {
      // Interrupted: the server was stopped on purpose, its log explains nothing.
      if (!cleanup.closing) process.stderr.write(`\n${backend}: last lines of the server's output:\n${server.recentOutput() || '(none)'}\n\n`);
      throw err;
    } finally {
      await closeClient();
      await stopServer();
    }
  } finally {
    await removeState();
  }
}

/** The router phases, with the simulated agents reporting only while they run. */
async function runRouters(
  cleanup: Cleanup,
  server: ServerProcess,
  stateDir: string,
  token: string,
  client: ApiClient,
  say: (what: string) => void,
): Promise<OpResult[]> {
  const heartbeats = await Heartbeats.start(server.url, token, AGENT_HOSTS, say);
  const stopHeartbeats = cleanup.add('stop the agent heartbeats', () => heartbeats.stop());
  try {
    // The unix socket is how agents on the server's own machine watch.
    const openWatch = () => WatchStream.open(join(stateDir, 'agent.sock'), 'net-0', token);
    const rows = await runL3(client, L3, { openWatch, progress: say });
    heartbeats.check();
    return rows;
  } finally {
    await stopHeartbeats();
  }
}

async function runPostgres(cleanup: Cleanup): Promise<OpResult[] | undefined> {
  const pgDir = await mkdtemp(join(tmpdir(), 'hanet-bench-pg-'));
  // The script's stop removes the directory too; rm afterwards covers a stop that failed.
  const removeCluster = cleanup.add(`stop PostgreSQL in ${pgDir}`, async () => {
    try {
      await stopPostgres(ROOT, pgDir);
    } finally {
      await rm(pgDir, { recursive: true, force: true });
    }
  });
  try {
    let url: string;
    try {
      progress('postgresql')('starting a PostgreSQL cluster (fsync on)');
      ({ url } = await startPostgres(ROOT, pgDir, await freePort()));
    } catch (err) {
      if (!(err instanceof PostgresUnavailable)) throw err;
      process.stdout.write(`\n### postgresql\n\nPostgreSQL part skipped: scripts/postgres.sh failed: ${err.message}\n`);
      return undefined;
    }
    return await runBackend(cleanup, 'postgresql', url);
  } finally {
    await removeCluster();
  }
}

async function main(cleanup: Cleanup): Promise<void> {
  process.stdout.write(`# hanet API benchmark\n\n${machineLine(new Date())}\n`);
  const json: JsonRow[] = [];
  json.push(...jsonRows('pglite', await runBackend(cleanup, 'pglite')));
  const pg = await runPostgres(cleanup);
  if (pg) json.push(...jsonRows('postgresql', pg));
  writeJson(RESULTS, json);
  process.stdout.write(`\nResults written to ${RESULTS}\n`);
}

const cleanup = new Cleanup();
let interrupted = false;
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the servers and removing temp directories\n`);
    void cleanup.runAll().finally(() => process.exit(code));
  });
}

try {
  await main(cleanup);
} catch (err) {
  // After a signal, requests failing against the stopping server are expected noise.
  if (!interrupted) {
    process.stderr.write(`\nbenchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
} finally {
  await cleanup.runAll();
}
