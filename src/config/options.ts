// The option machinery both `hanet server` and `hanet agent` share: value
// schemas with readable messages, and the loader that layers defaults < INI
// file < environment (<prefix><OPTION>) < flags, validates every option with
// one zod schema each and reports all problems at once. An option is keyed by
// a flat name (its environment variable and --set name); in the INI file it
// is that name in its section, or `ini` when Neutron's key there would be
// ambiguous on its own ([keystone_authtoken] password is keystone_password).
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
/** A whole number in [min, max], every failure with the one message that says so. */
export const wholeNumber = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int(error).min(min, error).max(max, error);
};
export const seconds = z.coerce.number({ error: 'must be a number of seconds' }).min(0);
export const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

export interface OptionSpec {
  readonly section: string;
  /** The key in `section` of the INI file, when it is not the option's name. */
  readonly ini?: string;
  readonly schema: z.ZodType;
  readonly default: string;
  readonly help: string;
}

export type OptionValues<S extends Record<string, OptionSpec>> = Readonly<{ [K in keyof S]: z.output<S[K]['schema']> }>;

/** Where an option's value came from: problems name what the operator wrote there. */
type Source = 'default' | 'file' | 'env' | 'flag';

/** The INI file's name for an option: `[keystone_authtoken] auth_url`, or the plain name for the others. */
function iniLabel(name: string, spec: OptionSpec): string {
  return spec.ini === undefined ? name : `[${spec.section}] ${spec.ini}`;
}

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
  const named = Object.entries(specs);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const isSection = typeof value === 'object' && value !== null;
    const section = isSection ? key : 'DEFAULT';
    const entries = isSection ? Object.entries(value as Record<string, unknown>) : [[key, value] as const];
    for (const [iniKey, raw] of entries) {
      const keyed = named.filter(([name, spec]) => (spec.ini ?? name) === iniKey);
      const here = keyed.find(([, spec]) => spec.section === section);
      if (here) values[here[0]] = String(raw);
      else if (keyed.length > 0) problems.push(`${file}: ${iniKey} belongs in [${keyed.map(([, spec]) => spec.section).join('] or [')}], not [${section}]`);
      else if (specs[iniKey]?.ini !== undefined) problems.push(`${file}: [${section}] ${iniKey}: unknown option; in a file it is ${iniLabel(iniKey, specs[iniKey])}`);
      else problems.push(`${file}: [${section}] ${iniKey}: unknown option`);
    }
  }
  return values;
}

/**
 * Validates every option and reports all problems at once (ConfigError).
 * `crossCheck` gets each option's label as the operator wrote it (INI key,
 * environment variable or name) for its messages.
 */
export function loadOptions<S extends Record<string, OptionSpec>>(
  specs: S,
  sources: ConfigSources,
  options: { envPrefix: string; crossCheck?: (values: OptionValues<S>, label: (name: keyof S & string) => string) => string[] },
): OptionValues<S> {
  const problems: string[] = [];
  const raw: Record<string, string> = {};
  const source: Record<string, Source> = {};
  const envName = (name: string) => `${options.envPrefix}${name.toUpperCase()}`;
  for (const [name, spec] of Object.entries(specs)) {
    raw[name] = spec.default;
    source[name] = 'default';
  }
  if (sources.file) {
    for (const [name, value] of Object.entries(readIni(sources.file, specs, problems))) {
      raw[name] = value;
      source[name] = 'file';
    }
  }
  for (const name of Object.keys(specs)) {
    const fromEnv = sources.env?.[envName(name)];
    if (fromEnv === undefined) continue;
    raw[name] = fromEnv;
    source[name] = 'env';
  }
  for (const [name, value] of Object.entries(sources.overrides ?? {})) {
    if (name in specs) {
      raw[name] = value;
      source[name] = 'flag';
      continue;
    }
    const byIni = Object.entries(specs).find(([, spec]) => spec.ini === name);
    problems.push(byIni ? `${name}: unknown option; as a flag or environment variable it is ${byIni[0]} (${envName(byIni[0])})` : `${name}: unknown option`);
  }
  const label = (name: string): string => {
    if (source[name] === 'env') return envName(name);
    if (source[name] === 'flag') return name;
    return iniLabel(name, specs[name]!);
  };
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const result = spec.schema.safeParse(raw[name]);
    if (result.success) values[name] = result.data;
    else problems.push(...result.error.issues.map((i) => `${label(name)} = '${raw[name]}': ${i.message}`));
  }
  if (problems.length === 0 && options.crossCheck) problems.push(...options.crossCheck(values as OptionValues<S>, label));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values) as OptionValues<S>;
}
