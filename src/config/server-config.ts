// The server's options: Neutron's names and sections where Neutron has the
// option, one zod schema that validates them all at once, and the loader
// that layers defaults < INI file < environment (HANET_<OPTION>) < flags.
import { readFileSync } from 'node:fs';
import ini from 'ini';
import { z } from 'zod';
import { parseCidr, parseIp } from '../domain/ip.js';

const boolean = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const lower = v.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(lower)) return true;
  if (['false', 'no', 'off', '0'].includes(lower)) return false;
  return v;
}, z.boolean({ error: 'must be true or false' }));

const port = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1).max(65535);

const ipAddress = z.string().refine((v) => parseIp(v) !== undefined, 'must be an IP address');

const baseMac = z
  .string()
  .regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i, 'must be six octets like fa:16:3e:00:00:00')
  .refine((v) => (parseInt(v.slice(0, 2), 16) & 1) === 0, 'must be a unicast address (first octet even)')
  .transform((v) => v.toLowerCase());

/** "1:1000,2000:3000" → [[1,1000],[2000,3000]], Neutron's vni_ranges syntax. */
const vniRanges = z.string().transform((text, ctx) => {
  const ranges: [number, number][] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+):(\d+)$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2]);
    if (!m || lo < 1 || hi > 2 ** 24 - 1 || lo > hi) {
      ctx.addIssue({ code: 'custom', message: `'${part}' is not a range MIN:MAX within 1:16777215` });
      return z.NEVER;
    }
    ranges.push([lo, hi]);
  }
  if (ranges.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one range' });
  return ranges;
});

const count = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0);
const seconds = z.coerce.number({ error: 'must be a number of seconds' }).min(0);
const ipv4Cidr = z.string().refine((v) => {
  const parsed = parseCidr(v);
  return parsed.ok && parsed.cidr.version === 4 && parsed.cidr.prefix <= 30;
}, 'must be an IPv4 network such as 169.254.192.0/18');

const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const connection = z
  .string()
  .refine((v) => v === '' || /^postgres(ql)?:\/\//.test(v), 'must be empty (embedded PGlite) or a postgresql:// URL');

interface OptionSpec {
  readonly section: string;
  readonly schema: z.ZodType;
  readonly default: string;
  readonly help: string;
}

export const SERVER_OPTIONS = {
  bind_host: { section: 'DEFAULT', schema: ipAddress, default: '127.0.0.1', help: 'address the API listens on' },
  bind_port: { section: 'DEFAULT', schema: port, default: '9696', help: 'port the API listens on' },
  state_path: { section: 'DEFAULT', schema: z.string().min(1), default: '/var/lib/hanet', help: 'directory for the embedded database and other state' },
  base_mac: { section: 'DEFAULT', schema: baseMac, default: 'fa:16:3e:00:00:00', help: 'base of generated port MACs; 00 octets are randomised' },
  auth_strategy: {
    section: 'DEFAULT',
    schema: z.enum(['noauth'], { error: "must be 'noauth' (the only strategy this version serves)" }),
    default: 'noauth',
    help: 'noauth: every request is admin',
  },
  debug: { section: 'DEFAULT', schema: boolean, default: 'false', help: 'log at debug level' },
  global_physnet_mtu: {
    section: 'DEFAULT',
    schema: z.coerce.number().int().min(68).max(65535),
    default: '1500',
    help: 'MTU of the physical network; VXLAN networks get 50 bytes less',
  },
  l3_ha: { section: 'DEFAULT', schema: boolean, default: 'true', help: 'routers are HA unless created with ha=false' },
  l3_ha_net_cidr: { section: 'DEFAULT', schema: ipv4Cidr, default: '169.254.192.0/18', help: "CIDR of each project's HA network" },
  max_l3_agents_per_router: { section: 'DEFAULT', schema: count, default: '3', help: 'replicas of an HA router (0 = every L3 agent)' },
  min_l3_agents_per_router: { section: 'DEFAULT', schema: count, default: '2', help: 'fewer alive L3 agents than this refuses an HA router (0 = no minimum)' },
  dhcp_agents_per_network: { section: 'DEFAULT', schema: count.min(1), default: '1', help: 'DHCP agents serving each network' },
  agent_down_time: { section: 'DEFAULT', schema: seconds, default: '15', help: 'seconds without a heartbeat before an agent is dead' },
  report_interval: { section: 'DEFAULT', schema: seconds.min(0.1), default: '5', help: 'seconds between an agent\'s heartbeats (told to agents when they report)' },
  ha_replace_dead_agent_after: {
    section: 'DEFAULT',
    schema: seconds,
    default: '60',
    help: 'seconds an L3 agent stays dead before its HA routers get a replacement replica (0 = never)',
  },
  dhcp_failover_after: { section: 'DEFAULT', schema: seconds, default: '30', help: 'seconds a DHCP agent stays dead before its networks move (0 = never)' },
  agent_token: { section: 'DEFAULT', schema: z.string(), default: '', help: 'shared secret agents present; empty refuses every agent' },
  agent_socket: { section: 'DEFAULT', schema: z.string(), default: '', help: 'unix socket for agents (default <state_path>/agent.sock; "none" to disable)' },
  connection: { section: 'database', schema: connection, default: '', help: 'empty for PGlite in <state_path>/db, or a postgresql:// URL' },
  vni_ranges: { section: 'ml2_type_vxlan', schema: vniRanges, default: '1:65535', help: 'VXLAN VNIs for tenant networks' },
  flat_networks: { section: 'ml2_type_flat', schema: list, default: '*', help: "physical networks allowed for flat networks ('*' = any)" },
} satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof SERVER_OPTIONS;

export type ServerConfig = Readonly<{ [K in OptionName]: z.output<(typeof SERVER_OPTIONS)[K]['schema']> }>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

export interface ConfigSources {
  /** Path of an INI file, if any. */
  readonly file?: string;
  /** Usually process.env; HANET_<OPTION> (upper case) overrides the file. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line overrides, already split into option → value. */
  readonly overrides?: Readonly<Record<string, string>>;
}

function readIni(file: string, problems: string[]): Record<string, string> {
  let parsed: Record<string, unknown>;
  try {
    parsed = ini.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message}`);
    return {};
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const isSection = typeof value === 'object' && value !== null;
    const section = isSection ? key : 'DEFAULT';
    const entries = isSection ? Object.entries(value as Record<string, unknown>) : [[key, value] as const];
    for (const [name, raw] of entries) {
      const spec = (SERVER_OPTIONS as Record<string, OptionSpec>)[name];
      if (!spec) problems.push(`${file}: [${section}] ${name}: unknown option`);
      else if (spec.section !== section) problems.push(`${file}: ${name} belongs in [${spec.section}], not [${section}]`);
      else values[name] = String(raw);
    }
  }
  return values;
}

/** Rules between options. */
function crossCheck(c: ServerConfig): string[] {
  const problems: string[] = [];
  if (c.report_interval >= c.agent_down_time) {
    problems.push(`report_interval (${c.report_interval}) must be shorter than agent_down_time (${c.agent_down_time}), or every agent would look dead between reports`);
  }
  if (c.max_l3_agents_per_router > 0 && c.min_l3_agents_per_router > c.max_l3_agents_per_router) {
    problems.push(`min_l3_agents_per_router (${c.min_l3_agents_per_router}) exceeds max_l3_agents_per_router (${c.max_l3_agents_per_router})`);
  }
  return problems;
}

/** Validates every option and reports all problems at once (ConfigError). */
export function loadServerConfig(sources: ConfigSources = {}): ServerConfig {
  const problems: string[] = [];
  const raw: Record<string, string> = {};
  for (const [name, spec] of Object.entries(SERVER_OPTIONS)) raw[name] = spec.default;
  if (sources.file) Object.assign(raw, readIni(sources.file, problems));
  for (const name of Object.keys(SERVER_OPTIONS)) {
    const fromEnv = sources.env?.[`HANET_${name.toUpperCase()}`];
    if (fromEnv !== undefined) raw[name] = fromEnv;
  }
  for (const [name, value] of Object.entries(sources.overrides ?? {})) {
    if (!(name in SERVER_OPTIONS)) problems.push(`${name}: unknown option`);
    else raw[name] = value;
  }
  const config: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(SERVER_OPTIONS)) {
    const result = (spec.schema as z.ZodType).safeParse(raw[name]);
    if (result.success) config[name] = result.data;
    else problems.push(...result.error.issues.map((i) => `${name} = '${raw[name]}': ${i.message}`));
  }
  if (problems.length === 0) problems.push(...crossCheck(config as ServerConfig));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config) as ServerConfig;
}
