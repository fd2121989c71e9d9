// IP address and CIDR arithmetic on bigints. Parsing is ipaddr.js's; the
// arithmetic (ranges, containment, overlap) is done here on plain numbers so
// IPv4 and IPv6 share one code path.
import ipaddr from 'ipaddr.js';

export type IpVersion = 4 | 6;

export interface IpAddress {
  readonly version: IpVersion;
  readonly value: bigint;
}

export interface Cidr {
  readonly version: IpVersion;
  readonly network: bigint;
  readonly prefix: number;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

// Dotted quad without leading zeros, as inet_pton accepts. IPv4 is parsed and
// formatted by hand because IPAM does it for every allocated address of a
// subnet on each allocation; IPv6 goes through ipaddr.js.
const IPV4_RE = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** Parses one address; IPv4 only in dotted-quad form (as Neutron's netaddr with INET_PTON). */
export function parseIp(text: string): IpAddress | undefined {
  if (typeof text !== 'string') return undefined;
  const quad = IPV4_RE.exec(text);
  if (quad) {
    let value = 0;
    for (let i = 1; i <= 4; i++) {
      const octet = Number(quad[i]);
      if (octet > 255) return undefined;
      value = value * 256 + octet;
    }
    return { version: 4, value: BigInt(value) };
  }
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text)) return undefined;
  const v6 = ipaddr.IPv6.parse(text);
  if (v6.zoneId) return undefined;
  return { version: 6, value: bytesToBigint(v6.toByteArray()) };
}

export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) {
    const v = Number(ip.value);
    return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const bytes = bigintToBytes(ip.value, BITS[ip.version] / 8);
  return (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
}

/** Canonical text of an address (IPv6 compressed, lower case). */
export function normalizeIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip && formatIp(ip);
}

export type CidrParse =
  | { readonly ok: true; readonly cidr: Cidr }
  | { readonly ok: false; readonly reason: string };

/** Parses "addr/prefix"; host bits must be clear, as Neutron requires for subnets. */
export function parseCidr(text: string): CidrParse {
  const bad = { ok: false as const, reason: `'${text}' is not a valid IP subnet` };
  if (typeof text !== 'string') return bad;
  const slash = text.indexOf('/');
  if (slash < 0) return bad;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return bad;
  const prefix = Number(prefixText);
  if (prefix > BITS[ip.version]) return bad;
  const network = ip.value & prefixMask(ip.version, prefix);
  if (network !== ip.value) {
    const recommended = formatCidr({ version: ip.version, network, prefix });
    return {
      ok: false,
      reason: `'${text}' isn't a recognized IP subnet cidr, '${recommended}' is recommended`,
    };
  }
  return { ok: true, cidr: { version: ip.version, network, prefix } };
}

/** A CIDR known to be valid (read back from the database). */
export function cidrOf(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`invalid stored CIDR ${text}: ${parsed.reason}`);
  return parsed.cidr;
}

/** The network an address with this prefix length is on: 192.168.200.1, 24 → 192.168.200.0/24. */
export function networkOf(address: string, prefix: number): string | undefined {
  const ip = parseIp(address);
  if (!ip || prefix < 0 || prefix > BITS[ip.version]) return undefined;
  return formatCidr({ version: ip.version, network: ip.value & prefixMask(ip.version, prefix), prefix });
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ version: cidr.version, value: cidr.network })}/${cidr.prefix}`;
}

export function cidrSize(cidr: Cidr): bigint {
  return 1n << BigInt(BITS[cidr.version] - cidr.prefix);
}

/** The last address of the CIDR (the broadcast address for IPv4). */
export function cidrLast(cidr: Cidr): bigint {
  return cidr.network + cidrSize(cidr) - 1n;
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return ip.version === cidr.version && ip.value >= cidr.network && ip.value <= cidrLast(cidr);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.network <= cidrLast(b) && b.network <= cidrLast(a);
}

function prefixMask(version: IpVersion, prefix: number): bigint {
  const bits = BigInt(BITS[version]);
  const all = (1n << bits) - 1n;
  return (all << (bits - BigInt(prefix))) & all;
}

function bytesToBigint(bytes: readonly number[]): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

function bigintToBytes(value: bigint, length: number): number[] {
  const bytes = new Array<number>(length);
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}
