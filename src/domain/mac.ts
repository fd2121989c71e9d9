// MAC addresses: validation, Neutron-style generation from base_mac, and the
// EUI-64 interface identifier used for SLAAC and IPv6 link-local addresses.

const MAC_RE = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;
const INVALID_MACS = new Set(['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff']);

/** Lower-case, colon-separated form, or undefined when not a usable unicast MAC. */
export function normalizeMac(text: unknown): string | undefined {
  if (typeof text !== 'string' || !MAC_RE.test(text)) return undefined;
  const mac = text.toLowerCase().replaceAll('-', ':');
  return INVALID_MACS.has(mac) ? undefined : mac;
}

/**
 * A random MAC under base_mac, as Neutron does: the first three octets are
 * always kept, later octets are kept when non-zero and randomised otherwise.
 */
export function generateMac(baseMac: string, randomByte: () => number): string {
  const base = baseMac.toLowerCase().split(':');
  return base
    .map((octet, i) => (i < 3 || octet !== '00' ? octet : (randomByte() & 0xff).toString(16).padStart(2, '0')))
    .join(':');
}

/** The EUI-64 interface identifier of a MAC (universal/local bit flipped). */
export function eui64InterfaceId(mac: string): bigint {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const bytes = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  return bytes.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
}
