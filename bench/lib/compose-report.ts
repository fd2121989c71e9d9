// The one benchmark report: the figures each benchmark saved, as a JSON
// object and as markdown tables, each beside its reference figure from
// ../shared/BASELINE.md (Neutron 21 and keepalived at Neutron's settings,
// measured on this kind of machine) and LAB-NOTES.md's keepalived-at-scale
// prototype, as a ratio. Pure: run-all.ts reads the files and writes these.

/** Reference figures (BASELINE.md, LAB-NOTES.md addendum). */
export const REFERENCE = {
  api: [
    { op: 'network create', mode: 'sequential', neutron: 'POST /v2.0/networks', p50_ms: 102, p99_ms: 185 },
    { op: 'subnet create', mode: 'sequential', neutron: 'POST /v2.0/subnets', p50_ms: 202, p99_ms: 285 },
    { op: 'port create', mode: 'sequential', neutron: 'POST /v2.0/ports', p50_ms: 222, p99_ms: 324 },
    { op: 'HA router create (3 agents)', mode: 'sequential', neutron: 'POST /v2.0/routers (ha, 3 agents)', p50_ms: 1761, p99_ms: 2331 },
    { op: 'HA router create (3 agents)', mode: '8 concurrent', neutron: 'POST /v2.0/routers (ha), 8 concurrent', p50_ms: 12207, p99_ms: 21753 },
    { op: 'add_router_interface', mode: 'sequential', neutron: 'PUT add_router_interface', p50_ms: 1077, p99_ms: 1620 },
    { op: 'port list (1,000 ports)', mode: 'sequential', neutron: 'GET /v2.0/ports (550 ports)', p50_ms: 262, p99_ms: 314 },
  ],
  /** Outage medians of three runs (VM pinging its gateway every 10 ms, master host killed). */
  failover: { neutron_ms: 5547, vrrp3_ms: 343 },
  /** Neutron shows the new active ~2 s after the takeover (debounce + batch). */
  api_delay_ms: 2000,
  /** One keepalived (parent + VRRP child). */
  keepalived: { rss_mb: 6.2, pss_mb: 1.6 },
  /** 100 routers with keepalived on one host from a bash script, until all master. */
  hundred_routers_s: 16.3,
  /** The unicast prototype at advert 0.1: keepalived CPU and mass failover (median / max s). */
  prototype: [
    { routers: 100, keepalived_cpu_pct: 20, failover_median_s: 0.6, failover_max_s: 0.73 },
    { routers: 200, keepalived_cpu_pct: 54, failover_median_s: 5.6, failover_max_s: 6.9 },
  ],
} as const;

interface ApiRow {
  backend: string;
  op: string;
  mode: string;
  n: number;
  p50_ms: number;
  p99_ms: number;
  rps: number;
}

export interface Results {
  machine: string;
  api: ApiRow[];
  failover: { failover: { profile: string; runs: number; median_ms: number; min_ms: number; max_ms: number; api_median_ms: number }[] };
  dhcp: { host_entry: { n: number; p50_ms: number; p99_ms: number; max_ms: number }; lease: { n: number; p50_ms: number; p99_ms: number; max_ms: number } };
  scale: {
    convergence: { routers: number; api_s: number; data_plane_s: number; seconds: number; rss_mb_per_router: number; pss_mb_per_router: number; mem_mb_per_replica: number; processes_per_router: number; keepalived_cpu_pct: number; machine_busy_pct: number; transitions_while_steady: number; single_master_after_steady: boolean; cpu_s?: { server: number; agents: number; machine: number } }[];
    agent_restart: { routers: number; seconds: number; vrrp_transitions: number; keepalived_restarted: number; lost_pings: number }[];
    server_restart: { routers: number; resync_s: number; lost_pings: number }[];
    mass_failover: { routers: number; killed: string; mastered: number; median_ms: number; max_ms: number; vm_outage_ms: number | null; api_s: number }[];
    gave_way: string | null;
  };
}

/** "12.3×" faster (reference / ours); "—" without both figures. */
export function ratio(reference: number | undefined, ours: number | undefined): string {
  if (!reference || !ours) return '—';
  const r = reference / ours;
  return r >= 10 ? `${Math.round(r)}×` : `${r.toFixed(1)}×`;
}

function table(head: readonly string[], rows: readonly (readonly (string | number | null | boolean)[])[]): string {
  const line = (cells: readonly unknown[]) => `| ${cells.map((c) => (c === null || c === undefined ? '—' : String(c))).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function composeReport(r: Results, meta: { minutes: number | undefined }): { json: object; markdown: string } {
  const api = r.api.map((a) => {
    const ref = REFERENCE.api.find((x) => x.op === a.op && x.mode === a.mode);
    return { backend: a.backend, op: a.op, mode: a.mode, n: a.n, p50_ms: a.p50_ms, p99_ms: a.p99_ms, rps: a.rps, neutron_p50_ms: ref?.p50_ms ?? null, speedup_p50: ref ? ratio(ref.p50_ms, a.p50_ms) : null };
  });
  const failover = r.failover.failover.map((f) => ({
    ...f,
    reference_ms: f.profile.startsWith('default') ? REFERENCE.failover.vrrp3_ms : REFERENCE.failover.neutron_ms,
  }));
  const s = r.scale;
  const json = {
    machine: r.machine,
    api,
    failover,
    api_delay_to_new_active: failover.map((f) => ({ profile: f.profile, median_ms: f.api_median_ms, neutron_ms: REFERENCE.api_delay_ms })),
    dhcp: r.dhcp,
    convergence: s.convergence,
    agent_restart: s.agent_restart,
    server_restart: s.server_restart,
    mass_failover: s.mass_failover,
    gave_way: s.gave_way,
    reference: REFERENCE,
  };

  const md: string[] = [];
  md.push('# hanet benchmark report', '', `${r.machine}. ${meta.minutes === undefined ? 'Composed from the figures each benchmark saved last' : `All benchmarks together took ${meta.minutes} min`}. Every lab runs its 3 network nodes and the compute node on this one machine.`, '');
  md.push('## API (sequential and 8 concurrent clients)', '');
  md.push(
    table(
      ['backend', 'operation', 'mode', 'n', 'p50 ms', 'p99 ms', 'req/s', 'Neutron 21 p50 ms', 'faster (p50)'],
      api.map((a) => [a.backend, a.op, a.mode, a.n, a.p50_ms, a.p99_ms, a.rps, a.neutron_p50_ms, a.speedup_p50]),
    ),
    '',
  );
  md.push('## Failover of one router (VM pings its gateway every 10 ms, master node killed)', '');
  md.push(
    table(
      ['profile', 'runs', 'median outage ms', 'min', 'max', 'reference ms', 'ratio', 'API shows new active (median ms after takeover)', "Neutron's API delay ms"],
      failover.map((f) => [f.profile, f.runs, f.median_ms, f.min_ms, f.max_ms, f.reference_ms, ratio(f.reference_ms, f.median_ms), f.api_median_ms, REFERENCE.api_delay_ms]),
    ),
    '',
    "Reference: keepalived at Neutron's settings (VRRPv2, advert_int 2) and VRRPv3 at 0.1 s, measured by hand on this kind of machine.",
    '',
  );
  md.push('## DHCP readiness (3 DHCP agents per network)', '');
  md.push(
    table(
      ['figure', 'n', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['port create → host entry on all 3 agents', r.dhcp.host_entry.n, r.dhcp.host_entry.p50_ms, r.dhcp.host_entry.p99_ms, r.dhcp.host_entry.max_ms],
        ['DHCP lease in a VM (DISCOVER → ACK)', r.dhcp.lease.n, r.dhcp.lease.p50_ms, r.dhcp.lease.p99_ms, r.dhcp.lease.max_ms],
      ],
    ),
    '',
  );
  md.push('## Convergence: N HA routers (one interface each) on 3 network nodes', '');
  md.push(
    table(
      ['routers', 'API calls done s', 'data plane single-master s', 'API shows it s', 'keepalived RSS MB/router', 'PSS MB/router', 'MemAvailable MB/replica', 'processes/router', 'keepalived CPU % (one node)', 'machine busy %', 'transitions in 10 s steady', 'single master after', 'CPU s until converged: server / agents / machine'],
      s.convergence.map((c) => [c.routers, c.api_s, c.data_plane_s, c.seconds, c.rss_mb_per_router, c.pss_mb_per_router, c.mem_mb_per_replica, c.processes_per_router, c.keepalived_cpu_pct, c.machine_busy_pct, c.transitions_while_steady, c.single_master_after_steady, c.cpu_s ? `${c.cpu_s.server} / ${c.cpu_s.agents} / ${c.cpu_s.machine}` : '—']),
    ),
    '',
    `Reference: one keepalived ${REFERENCE.keepalived.rss_mb} MB RSS / ${REFERENCE.keepalived.pss_mb} MB PSS; 100 routers with keepalived from a bash script on one host (no peers) all master after ${REFERENCE.hundred_routers_s} s; the unicast prototype's keepalived CPU: ${REFERENCE.prototype.map((p) => `${p.keepalived_cpu_pct} % at ${p.routers}`).join(', ')} routers.`,
    '',
  );
  md.push('## Agent restart with N routers (a VM pings its gateway through a router mastered on that node)', '');
  md.push(table(['routers', 'resync s', 'VRRP transitions', 'keepalived restarted', 'lost pings'], s.agent_restart.map((a) => [a.routers, a.seconds, a.vrrp_transitions, a.keepalived_restarted, a.lost_pings])), '');
  md.push('## Server restart under load', '');
  md.push(table(['routers', 'every agent resynced s (after the server is back)', 'lost pings'], s.server_restart.map((a) => [a.routers, a.resync_s, a.lost_pings])), '');
  md.push('## Mass failover: the node mastering K routers dies', '');
  md.push(
    table(
      ['routers', 'killed', 'K (mastered)', 'median ms', 'max ms', 'VM ping outage ms', 'API shows all new actives s', 'prototype median / max s'],
      s.mass_failover.map((m) => {
        const proto = REFERENCE.prototype.find((p) => p.routers >= m.mastered);
        return [m.routers, m.killed, m.mastered, m.median_ms, m.max_ms, m.vm_outage_ms, m.api_s, proto ? `${proto.failover_median_s} / ${proto.failover_max_s} (K=${proto.routers})` : null];
      }),
    ),
    '',
    'Per router, the outage is from the moment the node\'s cables are cut to the survivor\'s transition to master as its agent read it from keepalived; the VM column is the longest silence of a real ping through one of them.',
    '',
  );
  md.push('## What gave way', '', s.gave_way ?? 'Nothing: every N asked for converged.', '');
  return { json, markdown: md.join('\n') };
}
