// The option machinery both `hanet server` and `hanet agent` share: value
// schemas with readable messages, and the loader that layers defaults < INI
// file < environment (<prefix><OPTION>) < flags, validates every option with
// one zod schema each and reports all problems at once.
import { readFileSync } from 'node:fs';
import ini from 'ini';
import { z } from 'zod';
import { parseIp } from '../domain/ip.js';

export const boolean = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const lower = v.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(lower)) return true;
  if (['false', 'no', 'off', '0'].includes(lower)) return false;
  return v;
}, z.boolean({ error: 'must be true or false' }));

export const port = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1).max(65535);
export const ipAddress = z.string().refine((v) => parseIp(v) !== undefined, 'must be an IP address');
export const count = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0);
export const seconds = z.coerce.number({ error: 'must be a number of seconds' }).min(0);
export const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

export interface OptionSpec {
  readonly section: string;
  readonly schema: z.ZodType;
  readonly default: string;
  readonly help: string;
}

export type OptionValues<S extends Record<string, OptionSpec>> = Readonly<{ [K in keyof S]: z.output<S[K]['schema']> }>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

export interface ConfigSources {
  /** Path of an INI file, if any. */
  readonly file?: string;
  /** Usually process.env; <prefix><OPTION> (upper case) overrides the file. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line overrides, already split into option → value. */
  readonly overrides?: Readonly<Record<string, string>>;
}

function readIni(file: string, specs: Readonly<Record<string, OptionSpec>>, problems: string[]): Record<string, string> {
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
      const spec = specs[name];
      if (!spec) problems.push(`${file}: [${section}] ${name}: unknown option`);
      else if (spec.section !== section) problems.push(`${file}: ${name} belongs in [${spec.section}], not [${section}]`);
      else values[name] = String(raw);
    }
  }
  return values;
}

/** Validates every option and reports all problems at once (ConfigError). */
export function loadOptions<S extends Record<string, OptionSpec>>(
  specs: S,
  sources: ConfigSources,
  options: { envPrefix: string; crossCheck?: (values: OptionValues<S>) => string[] },
): OptionValues<S> {
  const problems: string[] = [];
  const raw: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) raw[name] = spec.default;
  if (sources.file) Object.assign(raw, readIni(sources.file, specs, problems));
  for (const name of Object.keys(specs)) {
    const fromEnv = sources.env?.[`${options.envPrefix}${name.toUpperCase()}`];
    if (fromEnv !== undefined) raw[name] = fromEnv;
  }
  for (const [name, value] of Object.entries(sources.overrides ?? {})) {
    if (!(name in specs)) problems.push(`${name}: unknown option`);
    else raw[name] = value;
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const result = spec.schema.safeParse(raw[name]);
    if (result.success) values[name] = result.data;
    else problems.push(...result.error.issues.map((i) => `${name} = '${raw[name]}': ${i.message}`));
  }
  if (problems.length === 0 && options.crossCheck) problems.push(...options.crossCheck(values as OptionValues<S>));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values) as OptionValues<S>;
}
