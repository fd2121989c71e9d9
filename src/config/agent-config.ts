// `hanet agent`'s options. Neutron's names where its agents have the option
// ([vxlan] local_ip, [linux_bridge] physical_interface_mappings,
// dnsmasq_base_log_dir); the rest
// are the agent's own. Layered like the server's (options.ts), with the
// environment prefix HANET_AGENT_ so a server and an agent started from one
// shell never read each other's settings.
import { hostname } from 'node:os';
import { z } from 'zod';
import type { AgentRole } from '../domain/agent.js';
import { type ConfigSources, boolean, ipAddress, loadOptions, type OptionValues, seconds } from './options.js';

const ROLES = ['l2', 'l3', 'dhcp'] as const;

const roles = z.string().transform((text, ctx) => {
  const names = text.split(',').map((r) => r.trim()).filter(Boolean);
  for (const name of names) {
    if (!(ROLES as readonly string[]).includes(name)) ctx.addIssue({ code: 'custom', message: `'${name}' is not a role (l2, l3, dhcp)` });
  }
  if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one role' });
  return [...new Set(names)] as AgentRole[];
});

/** "physnet1:eth1,physnet2:eth2" → { physnet1: 'eth1', physnet2: 'eth2' }, Neutron's syntax. */
const interfaceMappings = z.string().transform((text, ctx) => {
  const mappings: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^:\s]+):([^:\s]+)$/.exec(part);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: `'${part}' is not PHYSNET:INTERFACE` });
      return z.NEVER;
    }
    mappings[m[1]!] = m[2]!;
  }
  return mappings;
});

const serverAddress = z
  .string()
  .refine((v) => /^unix:\/./.test(v) || /^https?:\/\/[^/]+\/?$/.test(v), 'must be unix:/path/to/agent.sock or http://host:port');

export const AGENT_OPTIONS = {
  host: { section: 'DEFAULT', schema: z.string().min(1).max(255), default: hostname(), help: "this node's name, as agents and port bindings show it" },
  roles: { section: 'DEFAULT', schema: roles, default: 'l2,l3,dhcp', help: 'what this node runs: l2 (bridges, VXLAN), l3 (routers), dhcp' },
  server: { section: 'DEFAULT', schema: serverAddress, default: 'unix:/var/lib/hanet/agent.sock', help: "the server's agent endpoint: its unix socket or http://host:port" },
  agent_token: { section: 'DEFAULT', schema: z.string(), default: '', help: 'the shared secret the server expects (its agent_token)' },
  state_path: { section: 'DEFAULT', schema: z.string().min(1), default: '/var/lib/hanet/agent', help: "directory for the agent's files (daemon configs, pid files)" },
  resync_interval: { section: 'DEFAULT', schema: seconds.min(1), default: '60', help: 'seconds between periodic checks of the host (a full resync runs at start and after each reconnect)' },
  debug: { section: 'DEFAULT', schema: boolean, default: 'false', help: 'log at debug level' },
  dnsmasq_base_log_dir: {
    section: 'DEFAULT',
    schema: z.string(),
    default: '',
    help: "if set, each network's dnsmasq logs every DHCP exchange and DNS query to <dir>/<network_id>/dhcp_dnsmasq.log (else syslog)",
  },
  local_ip: { section: 'vxlan', schema: z.union([z.literal(''), ipAddress]), default: '', help: "this node's VXLAN tunnel address (required for the l2 role)" },
  physical_interface_mappings: {
    section: 'linux_bridge',
    schema: interfaceMappings,
    default: '',
    help: 'PHYSNET:INTERFACE pairs: the interface bridged to each flat provider network',
  },
} as const;

export type AgentConfig = OptionValues<typeof AGENT_OPTIONS>;

function crossCheck(c: AgentConfig): string[] {
  return c.roles.includes('l2') && c.local_ip === '' ? ['local_ip ([vxlan]) is required when the l2 role runs: it is the VXLAN tunnel address'] : [];
}

export function loadAgentConfig(sources: ConfigSources = {}): AgentConfig {
  return loadOptions(AGENT_OPTIONS, sources, { envPrefix: 'HANET_AGENT_', crossCheck });
}
