// The server's options: Neutron's names and sections where Neutron has the
// option, one zod schema each; options.ts layers defaults < INI file <
// environment (HANET_<OPTION>) < flags and reports every problem at once.
// [keystone_authtoken] is keystonemiddleware's section, with its key names in
// the file; their flat names carry a keystone_ prefix (HANET_KEYSTONE_AUTH_URL).
import { z } from 'zod';
import { parseCidr } from '../domain/ip.js';
import { type ConfigSources, boolean, count, ipAddress, list, loadOptions, type OptionSpec, type OptionValues, port, seconds, wholeNumber } from './options.js';

export { ConfigError, type ConfigSources } from './options.js';

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

const ipv4Cidr = z.string().refine((v) => {
  const parsed = parseCidr(v);
  return parsed.ok && parsed.cidr.version === 4 && parsed.cidr.prefix <= 30;
}, 'must be an IPv4 network such as 169.254.192.0/18');


const connection = z
  .string()
  .refine((v) => v === '' || /^postgres(ql)?:\/\//.test(v), 'must be empty (embedded PGlite) or a postgresql:// URL');

/** '' or an http(s) URL, e.g. a Keystone's. */
const httpUrl = (empty: string) =>
  z.string().refine((v) => {
    if (v === '') return true;
    if (/[\s"]/.test(v)) return false; // it goes into a header: WWW-Authenticate: Keystone uri="..."
    try {
      const url = new URL(v);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, `must be empty (${empty}) or an http:// or https:// URL`);

export const SERVER_OPTIONS = {
  bind_host: { section: 'DEFAULT', schema: ipAddress, default: '127.0.0.1', help: 'address the API listens on' },
  bind_port: { section: 'DEFAULT', schema: port, default: '9696', help: 'port the API listens on' },
  state_path: { section: 'DEFAULT', schema: z.string().min(1), default: '/var/lib/hanet', help: 'directory for the embedded database and other state' },
  base_mac: { section: 'DEFAULT', schema: baseMac, default: 'fa:16:3e:00:00:00', help: 'base of generated port MACs; 00 octets are randomised' },
  auth_strategy: {
    section: 'DEFAULT',
    schema: z.enum(['noauth', 'keystone'], { error: "must be 'noauth' or 'keystone'" }),
    default: 'keystone',
    help: 'keystone: requests need a token of the built-in identity service, or of [keystone_authtoken] auth_url; noauth (for development): every request is admin',
  },
  identity_bind_port: { section: 'DEFAULT', schema: port, default: '5000', help: 'port of the built-in identity service (Keystone v3 subset) when auth_strategy = keystone' },
  token_expiration: { section: 'DEFAULT', schema: seconds.int().min(60), default: '3600', help: 'seconds a token stays valid' },
  admin_user: { section: 'DEFAULT', schema: z.string().min(1), default: 'admin', help: 'the admin user the server creates at start (with admin_password)' },
  admin_password: { section: 'DEFAULT', schema: z.string(), default: '', help: "the admin user's password; empty: no bootstrap (HANET_ADMIN_PASSWORD keeps it out of files)" },
  admin_project: { section: 'DEFAULT', schema: z.string().min(1), default: 'admin', help: 'the project the admin user has the admin role on' },
  region_name: { section: 'DEFAULT', schema: z.string().min(1), default: 'RegionOne', help: "the region of the identity service's catalog" },
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
  dhcp_lease_duration: {
    section: 'DEFAULT',
    schema: z.coerce.number({ error: 'must be a number of seconds' }).int().refine((v) => v === -1 || v >= 120, 'must be -1 (infinite) or at least 120 seconds (dnsmasq\'s minimum)'),
    default: '86400',
    help: 'seconds of a DHCP lease; -1 = infinite',
  },
  dhcp_renewal_time: { section: 'DEFAULT', schema: seconds.int(), default: '0', help: 'DHCP option T1: seconds until a client renews (0 = half the lease)' },
  dhcp_rebinding_time: { section: 'DEFAULT', schema: seconds.int(), default: '0', help: 'DHCP option T2: seconds until a client asks any server (0 = 7/8 of the lease)' },
  dns_domain: {
    section: 'DEFAULT',
    schema: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'must be a domain name, e.g. openstacklocal'),
    default: 'openstacklocal',
    help: "domain of the hosts' names in DHCP and DNS (dnsmasq --domain)",
  },
  ha_vrrp_version: {
    section: 'DEFAULT',
    schema: z.enum(['2', '3'], { error: 'must be 2 or 3' }).transform(Number),
    default: '3',
    help: 'VRRP version of HA routers; 3 allows sub-second advertisement intervals',
  },
  ha_vrrp_advert_int: {
    section: 'DEFAULT',
    schema: z.coerce.number({ error: 'must be a number of seconds' }).min(0.01).max(255),
    default: '0.1',
    help: "seconds between VRRP adverts; Neutron's is 2",
  },
  ha_vrrp_down_timer_adverts: {
    section: 'DEFAULT',
    schema: wholeNumber(1, 100),
    default: '3',
    help: 'missed adverts (plus the skew time) after which a backup takes over; 3 as the VRRP RFCs',
  },
  ha_vrrp_priority: {
    section: 'DEFAULT',
    schema: wholeNumber(1, 254),
    default: '50',
    help: "VRRP priority of a router's first replica (lowest HA address), each next one 10 less; the skew time is (256 - priority) / 256 adverts",
  },
  ha_vrrp_auth_type: { section: 'DEFAULT', schema: z.enum(['PASS', 'AH'], { error: 'must be PASS or AH' }), default: 'PASS', help: 'VRRP authentication type' },
  ha_vrrp_auth_password: { section: 'DEFAULT', schema: z.string().max(8, 'at most 8 characters (keepalived)'), default: '', help: 'VRRP password; empty: no authentication' },
  ha_vrrp_garp_master_repeat: { section: 'DEFAULT', schema: count, default: '5', help: 'gratuitous ARPs a new master sends' },
  ha_vrrp_garp_master_refresh: {
    section: 'DEFAULT',
    schema: seconds,
    default: '0',
    help: "seconds between a master's periodic gratuitous ARPs (0: none; a healed split brain gets its GARPs without them)",
  },
  ha_vrrp_unicast: { section: 'DEFAULT', schema: boolean, default: 'true', help: "adverts go unicast to the router's own replicas; false: multicast as Neutron" },
  agent_token: { section: 'DEFAULT', schema: z.string(), default: '', help: 'shared secret agents present; empty refuses every agent' },
  agent_socket: { section: 'DEFAULT', schema: z.string(), default: '', help: 'unix socket for agents (default <state_path>/agent.sock; "none" to disable)' },
  keystone_www_authenticate_uri: {
    section: 'keystone_authtoken',
    ini: 'www_authenticate_uri',
    schema: httpUrl('auth_url, or the built-in identity service'),
    default: '',
    help: "the public identity endpoint 401 answers point clients at (WWW-Authenticate: Keystone uri=...); empty: auth_url, or the built-in identity service's",
  },
  keystone_auth_url: {
    section: 'keystone_authtoken',
    ini: 'auth_url',
    schema: httpUrl('the built-in identity service'),
    default: '',
    help: 'an external Keystone that validates tokens instead of the built-in identity service, e.g. http://keystone:5000',
  },
  keystone_auth_type: {
    section: 'keystone_authtoken',
    ini: 'auth_type',
    schema: z.enum(['password'], { error: "must be 'password' (the service user logs in with its password)" }),
    default: 'password',
    help: 'how the service user logs in at auth_url',
  },
  keystone_username: { section: 'keystone_authtoken', ini: 'username', schema: z.string().min(1), default: 'neutron', help: 'the service user that validates tokens at auth_url' },
  keystone_password: { section: 'keystone_authtoken', ini: 'password', schema: z.string(), default: '', help: "the service user's password (HANET_KEYSTONE_PASSWORD keeps it out of files)" },
  keystone_project_name: { section: 'keystone_authtoken', ini: 'project_name', schema: z.string().min(1), default: 'service', help: "the service user's project" },
  keystone_user_domain_name: { section: 'keystone_authtoken', ini: 'user_domain_name', schema: z.string().min(1), default: 'Default', help: "the service user's domain" },
  keystone_project_domain_name: { section: 'keystone_authtoken', ini: 'project_domain_name', schema: z.string().min(1), default: 'Default', help: "the domain of the service user's project" },
  keystone_token_cache_time: {
    section: 'keystone_authtoken',
    ini: 'token_cache_time',
    schema: z.coerce.number({ error: 'must be a number of seconds' }).int('must be whole seconds').min(-1, 'must be -1 (no cache) or more'),
    default: '300',
    help: "seconds a token validated at auth_url is trusted without asking again (never past its expiry); -1 or 0: no cache",
  },
  connection: { section: 'database', schema: connection, default: '', help: 'empty for PGlite in <state_path>/db, or a postgresql:// URL' },
  vni_ranges: { section: 'ml2_type_vxlan', schema: vniRanges, default: '1:65535', help: 'VXLAN VNIs for tenant networks' },
  flat_networks: { section: 'ml2_type_flat', schema: list, default: '*', help: "physical networks allowed for flat networks ('*' = any)" },
} satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof SERVER_OPTIONS;

export type ServerConfig = OptionValues<typeof SERVER_OPTIONS>;

/** Rules between options. */
function crossCheck(c: ServerConfig, label: (name: OptionName) => string): string[] {
  const problems: string[] = [];
  if (c.keystone_auth_url !== '' && c.auth_strategy === 'noauth') {
    // Neutron ignores [keystone_authtoken] with noauth; here it is a mistake worth stopping for, since noauth makes every caller admin.
    problems.push(`${label('keystone_auth_url')} is set but auth_strategy is noauth, which makes every request admin and asks no Keystone: set auth_strategy = keystone, or empty ${label('keystone_auth_url')}`);
  }
  if (c.keystone_auth_url !== '' && c.keystone_password === '') {
    problems.push(`${label('keystone_password')} is empty: the service user ${c.keystone_username} needs its password to validate tokens at ${c.keystone_auth_url}`);
  }
  if (c.report_interval >= c.agent_down_time) {
    problems.push(`report_interval (${c.report_interval}) must be shorter than agent_down_time (${c.agent_down_time}), or every agent would look dead between reports`);
  }
  if (c.max_l3_agents_per_router > 0 && c.min_l3_agents_per_router > c.max_l3_agents_per_router) {
    problems.push(`min_l3_agents_per_router (${c.min_l3_agents_per_router}) exceeds max_l3_agents_per_router (${c.max_l3_agents_per_router})`);
  }
  if (c.dhcp_renewal_time > 0 && c.dhcp_rebinding_time > 0 && c.dhcp_renewal_time >= c.dhcp_rebinding_time) {
    problems.push(`dhcp_renewal_time (${c.dhcp_renewal_time}) must be shorter than dhcp_rebinding_time (${c.dhcp_rebinding_time})`);
  }
  if (c.dhcp_lease_duration > 0 && Math.max(c.dhcp_renewal_time, c.dhcp_rebinding_time) >= c.dhcp_lease_duration) {
    problems.push(`dhcp_renewal_time and dhcp_rebinding_time must be shorter than dhcp_lease_duration (${c.dhcp_lease_duration})`);
  }
  if (c.ha_vrrp_version === 2 && !Number.isInteger(c.ha_vrrp_advert_int)) {
    problems.push(`ha_vrrp_advert_int (${c.ha_vrrp_advert_int}) must be whole seconds with ha_vrrp_version = 2; sub-second intervals need VRRPv3`);
  }
  return problems;
}

/** Validates every option and reports all problems at once (ConfigError). */
export function loadServerConfig(sources: ConfigSources = {}): ServerConfig {
  return loadOptions(SERVER_OPTIONS, sources, { envPrefix: 'HANET_', crossCheck });
}
