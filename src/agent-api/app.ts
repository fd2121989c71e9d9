// The agent protocol, server side: registration/heartbeat, the per-host
// snapshot, a streaming watch that says "your snapshot may have changed",
// and batched HA-state and port-status reports. Every call needs the agent
// token; served on the API's TCP port and on the agent unix socket.
import { timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import { HTTPBadRequest, NotAuthenticated } from '../domain/errors.js';
import type { ApiEnv } from '../api/env.js';
import { readJsonBody } from '../api/read-body.js';
import { transact } from '../db/transact.js';
import type { Logger } from '../log.js';
import type { AgentService } from '../service/agents.js';
import type { ChangeFeed } from '../service/change-feed.js';
import type { ServiceDeps } from '../service/deps.js';
import type { DhcpScheduling } from '../service/dhcp-scheduling.js';
import type { HaReportService } from '../service/ha-reports.js';
import { buildHostSnapshot } from '../service/host-snapshot.js';
import type { L3Scheduling } from '../service/l3-scheduling.js';
import { AGENT_API_PREFIX, type ReportResponse, type SnapshotSettings, type WatchEvent } from './protocol.js';

export interface AgentApiDeps {
  readonly deps: ServiceDeps;
  readonly log: Logger;
  readonly token: string;
  /** Told to agents in every report answer: how often to report. */
  readonly reportInterval: number;
  readonly snapshotSettings: SnapshotSettings;
  readonly agents: AgentService;
  readonly l3: L3Scheduling;
  readonly dhcp: DhcpScheduling;
  readonly haReports: HaReportService;
  readonly changes: ChangeFeed;
  /** How often an idle watch stream says it is still there. */
  readonly watchPingMs?: number;
}

const hostName = z.string().min(1).max(255).regex(/^[A-Za-z0-9._-]+$/, 'must be a host name');

const reportSchema = z.object({
  host: hostName,
  roles: z.array(z.object({ role: z.enum(['l3', 'dhcp', 'l2']), configurations: z.record(z.string(), z.unknown()).default({}) })).min(1),
  start_flag: z.boolean().default(false),
});
const haStatesSchema = z.object({ states: z.record(z.string(), z.string()) });
const portStatusSchema = z.object({ ports: z.record(z.string(), z.enum(['ACTIVE', 'DOWN'])) });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new HTTPBadRequest(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return result.data;
}

function tokenMatches(expected: string, given: string | undefined): boolean {
  if (!expected || !given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function registerAgentApi(app: Hono<ApiEnv>, d: AgentApiDeps): void {
  const base = AGENT_API_PREFIX;

  app.use(`${base}/*`, async (c, next) => {
    const header = c.req.header('authorization');
    const given = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (!tokenMatches(d.token, given)) {
      d.log.warn({ path: c.req.path, remote: c.req.header('x-forwarded-for') }, 'agent API call without a valid agent token');
      throw new NotAuthenticated();
    }
    await next();
  });

  app.post(`${base}/report`, async (c) => {
    const req = parse(reportSchema, await readJsonBody(c));
    const result = await transact(d.deps.db, async (tx) => {
      const report = await d.agents.report(tx, req.host, req.roles, req.start_flag);
      // A new or returning agent can take routers and networks that lack replicas.
      if (report.revived.includes('l3')) await d.l3.topUp(tx);
      if (report.revived.includes('dhcp')) await d.dhcp.scheduleUnserved(tx);
      return report;
    });
    if (result.revived.length > 0) d.log.info({ host: req.host, roles: result.revived }, 'agent registered or revived');
    return c.json({ agents: result.agents, report_interval: d.reportInterval } satisfies ReportResponse);
  });

  app.get(`${base}/hosts/:host/snapshot`, async (c) => {
    const host = parse(hostName, c.req.param('host'));
    // One repeatable-read transaction: the snapshot's several queries see one moment.
    const snapshot = await d.deps.db.transaction().setIsolationLevel('repeatable read').execute((tx) => buildHostSnapshot(tx, host, d.snapshotSettings));
    return c.json(snapshot);
  });

  app.get(`${base}/hosts/:host/watch`, (c) => {
    parse(hostName, c.req.param('host'));
    c.header('Content-Type', 'application/x-ndjson');
    return stream(c, async (s) => {
      const send = (event: WatchEvent) => s.write(`${JSON.stringify(event)}\n`);
      let wake: (() => void) | undefined;
      let pending = true; // the first event makes the agent sync once
      const unsubscribe = d.changes.subscribe(() => {
        pending = true;
        wake?.();
      });
      s.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      try {
        while (!s.aborted) {
          if (pending) {
            pending = false;
            await send({ type: 'changed' });
            continue;
          }
          const timedOut = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), d.watchPingMs ?? 15_000);
            wake = () => {
              clearTimeout(timer);
              resolve(false);
            };
          });
          wake = undefined;
          if (timedOut && !s.aborted) await send({ type: 'ping' });
        }
      } finally {
        unsubscribe();
      }
    });
  });

  app.post(`${base}/hosts/:host/ha-states`, async (c) => {
    const req = parse(haStatesSchema, await readJsonBody(c));
    const updated = await d.haReports.reportStates(parse(hostName, c.req.param('host')), req.states);
    return c.json({ updated });
  });

  app.post(`${base}/hosts/:host/port-status`, async (c) => {
    const req = parse(portStatusSchema, await readJsonBody(c));
    const updated = await d.haReports.reportPortStatus(parse(hostName, c.req.param('host')), req.ports);
    return c.json({ updated });
  });
}
