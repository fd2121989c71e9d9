// Attribute converters with Neutron's validation messages. Each converter
// returns the normalised value or throws AttributeError(reason); the body
// parser (domain/resource-spec.ts) turns that into
// "Invalid input for <attr>. Reason: <reason>." as neutron-lib does.
import { normalizeMac } from './mac.js';
import { normalizeIp, parseCidr } from './ip.js';

export class AttributeError extends Error {}

export type Converter<T = unknown> = (value: unknown) => T;

/** Python-like rendering of a value inside a message ('abc', 12, None). */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return JSON.stringify(value);
}

const TRUE_STRINGS = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_STRINGS = new Set(['false', '0', 'no', 'off', 'f', 'n']);

/** Booleans, also as the strings the legacy neutron CLI and query strings send. */
export const toBoolean: Converter<boolean> = (value) => {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (TRUE_STRINGS.has(lower)) return true;
    if (FALSE_STRINGS.has(lower)) return false;
  }
  throw new AttributeError(`'${show(value)}' cannot be converted to boolean`);
};

export function toStr(maxLength = 255): Converter<string> {
  return (value) => {
    if (typeof value !== 'string') throw new AttributeError(`'${show(value)}' is not a valid string`);
    if (value.length > maxLength) throw new AttributeError(`'${value}' exceeds maximum length of ${maxLength}`);
    return value;
  };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

export const toUuid: Converter<string> = (value) => {
  if (!isUuid(value)) throw new AttributeError(`'${show(value)}' is not a valid UUID`);
  return value.toLowerCase();
};

export function toInt(min: number, max: number): Converter<number> {
  return (value) => {
    const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new AttributeError(`'${show(value)}' is not an integer`);
    if (n < min) throw new AttributeError(`'${n}' is too small - must be at least '${min}'`);
    if (n > max) throw new AttributeError(`'${n}' is too large - must be no larger than '${max}'`);
    return n;
  };
}

export function toOneOf<T extends string | number>(values: readonly T[], convert?: Converter<T>): Converter<T> {
  return (value) => {
    const v = convert ? safe(convert, value) : value;
    if (!values.includes(v as T)) {
      throw new AttributeError(`'${show(value)}' is not in [${values.map((x) => (typeof x === 'string' ? `'${x}'` : x)).join(', ')}]`);
    }
    return v as T;
  };
}

function safe<T>(convert: Converter<T>, value: unknown): unknown {
  try {
    return convert(value);
  } catch {
    return value;
  }
}

export function nullable<T>(convert: Converter<T>): Converter<T | null> {
  return (value) => (value === null ? null : convert(value));
}

export const toIp: Converter<string> = (value) => {
  const ip = typeof value === 'string' ? normalizeIp(value) : undefined;
  if (!ip) throw new AttributeError(`'${show(value)}' is not a valid IP address`);
  return ip;
};

export const toSubnetCidr: Converter<string> = (value) => {
  if (typeof value !== 'string') throw new AttributeError(`'${show(value)}' is not a valid IP subnet`);
  const parsed = parseCidr(value);
  if (!parsed.ok) throw new AttributeError(parsed.reason);
  return value.includes(':') ? `${normalizeIp(value.split('/')[0]!)}/${parsed.cidr.prefix}` : value;
};

export const toMac: Converter<string> = (value) => {
  const mac = normalizeMac(value);
  if (!mac) throw new AttributeError(`'${show(value)}' is not a valid MAC address`);
  return mac;
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const toDict: Converter<Record<string, unknown>> = (value) => {
  if (!isPlainObject(value)) throw new AttributeError(`'${show(value)}' is not a dictionary`);
  return value;
};

/** A dict that may also be sent as null, meaning empty (binding:profile). */
export const toDictOrEmpty: Converter<Record<string, unknown>> = (value) => (value === null ? {} : toDict(value));

export function toList<T>(item: Converter<T>): Converter<T[]> {
  return (value) => {
    if (!Array.isArray(value)) throw new AttributeError(`'${show(value)}' is not a list`);
    return value.map(item);
  };
}

/** dns_nameservers: unique IP addresses. */
export const toNameservers: Converter<string[]> = (value) => {
  if (!Array.isArray(value)) throw new AttributeError(`'${show(value)}' is not a list`);
  const seen = new Set<string>();
  return value.map((ns) => {
    const ip = typeof ns === 'string' ? normalizeIp(ns) : undefined;
    if (!ip) throw new AttributeError(`'${show(ns)}' is not a valid nameserver`);
    if (seen.has(ip)) throw new AttributeError(`Duplicate nameserver '${ip}'`);
    seen.add(ip);
    return ip;
  });
};

export interface HostRoute {
  readonly destination: string;
  readonly nexthop: string;
}

export const toHostRoutes: Converter<HostRoute[]> = (value) => {
  if (!Array.isArray(value)) throw new AttributeError(`'${show(value)}' is not a list`);
  const seen = new Set<string>();
  return value.map((route) => {
    if (!isPlainObject(route) || !exactKeys(route, ['destination', 'nexthop'])) {
      throw new AttributeError(`Invalid data format for hostroute: '${show(route)}'`);
    }
    const destination = toSubnetCidr(route.destination);
    const nexthop = toIp(route.nexthop);
    const key = `${destination} ${nexthop}`;
    if (seen.has(key)) throw new AttributeError(`Duplicate hostroute '${show(route)}'`);
    seen.add(key);
    return { destination, nexthop };
  });
};

export const toAllocationPools: Converter<{ start: string; end: string }[]> = (value) => {
  if (!Array.isArray(value)) throw new AttributeError(`'${show(value)}' is not a list`);
  return value.map((pool) => {
    if (!isPlainObject(pool) || !exactKeys(pool, ['start', 'end'])) {
      throw new AttributeError(`Invalid data format for IP pool: '${show(pool)}'`);
    }
    return { start: toIp(pool.start), end: toIp(pool.end) };
  });
};

export interface FixedIpRequest {
  readonly subnet_id?: string;
  readonly ip_address?: string;
}

export const toFixedIps: Converter<FixedIpRequest[]> = (value) => {
  if (!Array.isArray(value)) throw new AttributeError(`'${show(value)}' is not a list`);
  const seenIps = new Set<string>();
  return value.map((fixed) => {
    if (!isPlainObject(fixed) || Object.keys(fixed).some((k) => k !== 'subnet_id' && k !== 'ip_address')) {
      throw new AttributeError(`Invalid data format for fixed IP: '${show(fixed)}'`);
    }
    const out: { subnet_id?: string; ip_address?: string } = {};
    if (fixed.subnet_id !== undefined) out.subnet_id = toUuid(fixed.subnet_id);
    if (fixed.ip_address !== undefined) {
      out.ip_address = toIp(fixed.ip_address);
      if (seenIps.has(out.ip_address)) throw new AttributeError(`Duplicate IP address '${out.ip_address}'`);
      seenIps.add(out.ip_address);
    }
    return out;
  });
};

function exactKeys(obj: Record<string, unknown>, keys: readonly string[]): boolean {
  const have = Object.keys(obj);
  return have.length === keys.length && keys.every((k) => k in obj);
}
