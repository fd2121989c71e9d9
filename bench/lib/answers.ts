// Checks on what the server answered. Each throws with the offending body,
// so a benchmark never counts a malformed answer as a fast request.

export function record(value: unknown, key: string, what: string): Record<string, unknown> {
  const inner = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
    throw new Error(`${what}: answer has no '${key}' object: ${JSON.stringify(value).slice(0, 500)}`);
  }
  return inner as Record<string, unknown>;
}

export function idOf(value: unknown, key: string, what: string): string {
  const id = record(value, key, what).id;
  if (typeof id !== 'string' || id === '') throw new Error(`${what}: answer has no ${key}.id`);
  return id;
}

export function listOf(value: unknown, key: string, what: string): Record<string, unknown>[] {
  const items = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(items)) throw new Error(`${what}: answer has no '${key}' list`);
  return items as Record<string, unknown>[];
}

export function fixedIps(port: Record<string, unknown>, what: string): { subnet_id: string; ip_address: string }[] {
  const ips = port.fixed_ips;
  if (!Array.isArray(ips)) throw new Error(`${what}: port ${String(port.id)} has no fixed_ips list`);
  return ips as { subnet_id: string; ip_address: string }[];
}

/** A string field that must be present and non-empty. */
export function stringField(obj: Record<string, unknown>, field: string, what: string): string {
  const v = obj[field];
  if (typeof v !== 'string' || v === '') throw new Error(`${what}: answer has no ${field}: ${JSON.stringify(obj).slice(0, 500)}`);
  return v;
}
