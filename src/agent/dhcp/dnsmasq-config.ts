// What dnsmasq is told about one network (pure): its command line, and the
// host, addn_hosts, opts and leases files, in Neutron's formats (NEUTRON-HA.md
// §4, seed 000). Every DHCP agent of a network renders the same files from the
// same snapshot, so a client gets the same answer from whichever server
// replies. IPv4 subnets only: DHCPv6 is not served yet.
import type { SnapshotDhcpNetwork, SnapshotDhcpSettings } from '../../agent-api/protocol.js';
import { cidrOf, cidrSize, formatIp, parseIp } from '../../domain/ip.js';

export interface DnsmasqPaths {
  readonly host: string;
  readonly addnHosts: string;
  readonly opts: string;
  readonly leases: string;
  readonly pid: string;
}

/** One address dnsmasq hands out: a port's MAC and its address on a served subnet. */
export interface DhcpHost {
  readonly mac_address: string;
  readonly ip_address: string;
}

/** Neutron's host name for an address: host-10-0-0-5. */
export function hostName(ip: string): string {
  return `host-${ip.replace(/[.:]/g, '-')}`;
}

/** The network's IPv4 subnets with DHCP on: the ones dnsmasq serves. */
export function servedSubnets(network: SnapshotDhcpNetwork) {
  return network.subnets.filter((s) => s.enable_dhcp && s.ip_version === 4);
}

/** The hosts dnsmasq serves: every port's address on a served subnet. */
export function servedHosts(network: SnapshotDhcpNetwork): DhcpHost[] {
  const served = new Set(servedSubnets(network).map((s) => s.id));
  return network.hosts.filter((h) => served.has(h.subnet_id));
}

const lines = (items: readonly string[]) => items.map((l) => `${l}\n`).join('');

/** `--dhcp-hostsfile`: mac,host-a-b-c-d.<domain>,ip for every port. */
export function renderHosts(network: SnapshotDhcpNetwork, domain: string): string {
  return lines(servedHosts(network).map((h) => `${h.mac_address},${hostName(h.ip_address)}.${domain},${h.ip_address}`));
}

/** `--addn-hosts`: the DNS names dnsmasq answers for, ip<TAB>fqdn name. */
export function renderAddnHosts(network: SnapshotDhcpNetwork, domain: string): string {
  return lines(servedHosts(network).map((h) => `${h.ip_address}\t${hostName(h.ip_address)}.${domain} ${hostName(h.ip_address)}`));
}

export const subnetTag = (subnetId: string) => `subnet-${subnetId}`;

/**
 * `--dhcp-optsfile`, per subnet as Neutron writes it: the DNS servers (the
 * subnet's, else every DHCP port's address on it, so any replica resolves),
 * classless static routes when there are host routes or other subnets on the
 * network (also as option 249 for old Windows clients), and the router.
 */
export function renderOpts(network: SnapshotDhcpNetwork): string {
  const out: string[] = [];
  const subnets = servedSubnets(network);
  const dhcpAddresses = new Set(network.dhcp_addresses);
  for (const subnet of subnets) {
    const tag = `tag:${subnetTag(subnet.id)}`;
    const own = network.hosts.filter((h) => h.subnet_id === subnet.id && dhcpAddresses.has(h.ip_address)).map((h) => h.ip_address);
    const dns = subnet.dns_nameservers.length > 0 ? subnet.dns_nameservers : [...new Set(own)].sort(compareIps);
    if (dns.length > 0) out.push(`${tag},option:dns-server,${dns.join(',')}`);
    let gateway = subnet.gateway_ip;
    const routes: string[] = [];
    for (const other of network.subnets) {
      if (other.ip_version === 4 && other.id !== subnet.id && other.cidr !== subnet.cidr) routes.push(`${other.cidr},0.0.0.0`);
    }
    for (const route of subnet.host_routes) {
      if (route.destination === '0.0.0.0/0') gateway ??= route.nexthop;
      else routes.push(`${route.destination},${route.nexthop}`);
    }
    if (routes.length > 0) {
      if (gateway) routes.push(`0.0.0.0/0,${gateway}`);
      out.push(`${tag},option:classless-static-route,${routes.join(',')}`);
      out.push(`${tag},249,${routes.join(',')}`);
    }
    // A bare option:router tells clients there is no router (rather than none said).
    out.push(gateway ? `${tag},option:router,${gateway}` : `${tag},option:router`);
  }
  return lines(out);
}

/** Numeric order (.2 before .10), as the addresses were handed out. */
function compareIps(a: string, b: string): number {
  const x = parseIp(a)?.value ?? 0n;
  const y = parseIp(b)?.value ?? 0n;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `--dhcp-leasefile`: one lease line, `<expiry> <mac> <ip> <hostname> <client-id>` (0: never expires). */
interface LeaseLine {
  readonly text: string;
  readonly key: string | undefined;
}

const leaseKey = (mac: string, ip: string) => `${mac.toLowerCase()} ${ip}`;

function parseLeases(text: string | undefined): LeaseLine[] {
  return (text ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [, mac, ip] = l.trim().split(/\s+/);
      // IPv4 lease lines only; the duid line and DHCPv6 leases are left as they are.
      const v4 = mac !== undefined && ip !== undefined && /^[0-9a-fA-F:]{17}$/.test(mac) && /^\d+\.\d+\.\d+\.\d+$/.test(ip);
      return { text: l.trim(), key: v4 ? leaseKey(mac, ip) : undefined };
    });
}

/** The IPv4 (mac, ip) pairs a lease file holds, sorted: what dnsmasq will answer renewals for. */
export function leasedPairs(text: string | undefined): string[] {
  return [...new Set(parseLeases(text).flatMap((l) => (l.key ? [l.key] : [])))].sort();
}

export function hostPairs(hosts: readonly DhcpHost[]): string[] {
  return [...new Set(hosts.map((h) => leaseKey(h.mac_address, h.ip_address)))].sort();
}

/**
 * The lease file dnsmasq should start with: its own leases of current hosts
 * kept (their real expiry), the leases of ports gone dropped (their address
 * may go to another port), and `0 <mac> <ip> * *` for every host without one.
 * Neutron writes such a file before the first start (LP#1457900): a server
 * without a lease for a client ignores that client's broadcast renewal, so a
 * client could renew only with the server that gave it the address. Written
 * before every start here, also when ports were added since.
 */
export function mergeLeases(current: string | undefined, hosts: readonly DhcpHost[]): string {
  const wanted = new Set(hostPairs(hosts));
  const kept = parseLeases(current).filter((l) => l.key === undefined || wanted.has(l.key));
  const have = new Set(kept.flatMap((l) => (l.key ? [l.key] : [])));
  const added = hosts.filter((h) => !have.has(leaseKey(h.mac_address, h.ip_address)) && have.add(leaseKey(h.mac_address, h.ip_address)));
  return lines([...kept.map((l) => l.text), ...added.map((h) => `0 ${h.mac_address.toLowerCase()} ${h.ip_address} * *`)]);
}

/** The most leases dnsmasq will hold: every address of the served subnets, at most 2^24 (Neutron's cap). */
function leaseMax(network: SnapshotDhcpNetwork): number {
  const total = servedSubnets(network).reduce((sum, s) => sum + cidrSize(cidrOf(s.cidr)), 0n);
  return Number(total < 2n ** 24n ? total : 2n ** 24n);
}

function netmask(prefix: number): string {
  return formatIp({ version: 4, value: prefix === 0 ? 0n : ((2n ** 32n - 1n) >> BigInt(32 - prefix)) << BigInt(32 - prefix) });
}

export interface DnsmasqOptions {
  /** The DHCP port's device in the namespace. */
  readonly device: string;
  readonly paths: DnsmasqPaths;
  /** Neutron's dnsmasq_base_log_dir: log every DHCP exchange and query to <dir>/dhcp_dnsmasq.log. */
  readonly logDir?: string | undefined;
}

/**
 * dnsmasq's command line: seed 000's (static leases only, bound to the DHCP
 * port's device), plus what current Neutron adds: per-subnet tags and
 * netmasks, the MTU forced (clients that do not ask still get it), T1/T2,
 * and --conf-file=/dev/null so the machine's /etc/dnsmasq.conf stays out.
 */
export function dnsmasqArgv(network: SnapshotDhcpNetwork, settings: SnapshotDhcpSettings, options: DnsmasqOptions): string[] {
  const { paths } = options;
  const lease = settings.lease_duration === -1 ? 'infinite' : `${settings.lease_duration}s`;
  const argv = [
    'dnsmasq',
    '--no-hosts',
    '--no-resolv',
    '--strict-order',
    '--bind-interfaces',
    `--interface=${options.device}`,
    '--except-interface=lo',
    `--pid-file=${paths.pid}`,
    `--dhcp-hostsfile=${paths.host}`,
    `--addn-hosts=${paths.addnHosts}`,
    `--dhcp-optsfile=${paths.opts}`,
    `--dhcp-leasefile=${paths.leases}`,
  ];
  for (const subnet of servedSubnets(network)) {
    const cidr = cidrOf(subnet.cidr);
    argv.push(`--dhcp-range=set:${subnetTag(subnet.id)},${formatIp({ version: 4, value: cidr.network })},static,${netmask(cidr.prefix)},${lease}`);
  }
  argv.push(`--dhcp-option-force=option:mtu,${network.mtu}`);
  if (settings.renewal_time > 0) argv.push(`--dhcp-option-force=option:T1,${settings.renewal_time}`);
  if (settings.rebinding_time > 0) argv.push(`--dhcp-option-force=option:T2,${settings.rebinding_time}`);
  argv.push(`--dhcp-lease-max=${leaseMax(network)}`, '--conf-file=/dev/null', `--domain=${settings.dns_domain}`);
  if (options.logDir) argv.push('--log-queries', '--log-dhcp', `--log-facility=${options.logDir}/dhcp_dnsmasq.log`);
  return argv;
}
