// What every client command shares: the connection and output options, the
// resolution of credentials, and the action wrapper that turns the server's
// errors into the neutron CLI's (message on stderr, exit 1). Commands write
// through ClientIo, so `hanet lab demo` can run them in-process and show
// their real output.
import { homedir } from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { LoginError, passwordLogin } from '../../client/keystone-login.js';
import { NeutronApiError, NeutronClient } from '../../client/neutron-client.js';
import { CredentialsError, resolveCredentials } from './credentials.js';
import { type OutputFormat, OutputError, type OutputOptions, renderResource } from './format.js';

export interface ClientIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Where OS_* variables come from; process.env when absent. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A command cannot do what it was asked (neutronclient's CommandError): message, exit 1. */
export class ClientCommandError extends Error {}

/** The io the commands write to, and the exit code of the last one that ran. */
export class ClientRuntime {
  exitCode = 0;

  constructor(readonly io: ClientIo) {}
}

/** What a command's handler works with. */
export interface CommandContext {
  readonly client: NeutronClient;
  readonly output: OutputOptions;
  print(text: string): void;
}

interface CommonOptions {
  readonly osEndpoint?: string;
  readonly osUrl?: string;
  readonly osToken?: string;
  readonly osCloud?: string;
  readonly format: OutputFormat;
  readonly column?: string[];
}

const CLIENT_COMMANDS_GROUP = 'Client commands (the legacy neutron CLI):';

/** A repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The options every client command takes. addClientCommands adds them once
 * a command's own options are in, so its help lists its own first.
 */
export function addCommonOptions(command: Command): void {
  const options = [
    new Option('--os-endpoint <url>', 'API endpoint (default: $OS_ENDPOINT, $OS_URL, the cloud of --os-cloud, http://127.0.0.1:9696)'),
    new Option('--os-url <url>', 'same as --os-endpoint').hideHelp(),
    new Option('--os-token <token>', 'token sent as X-Auth-Token (default: $OS_TOKEN)'),
    new Option('--os-cloud <name>', 'a cloud of clouds.yaml (default: $OS_CLOUD)'),
    new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'),
    new Option('-c, --column <column>', 'a column (list) or field (show) to print; repeatable').argParser(collect),
  ];
  for (const option of options) command.addOption(option.helpGroup('Connection and output options:'));
}

/** A client command under `parent`; its action should be a handle(). */
export function clientCommand(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).helpGroup(CLIENT_COMMANDS_GROUP);
}

/** Runs a handler with a client; expected failures print the message and exit 1. */
export function handle<A extends unknown[]>(runtime: ClientRuntime, handler: (ctx: CommandContext, ...args: A) => Promise<void>) {
  // commander passes the positional arguments, then the options, then the command.
  return async (...received: unknown[]): Promise<void> => {
    const command = received.at(-1) as Command;
    const opts = command.opts<CommonOptions>();
    const env = runtime.io.env ?? process.env;
    let endpoint: string | undefined;
    try {
      const credentials = resolveCredentials({
        flags: { endpoint: opts.osEndpoint ?? opts.osUrl, token: opts.osToken, cloud: opts.osCloud },
        env,
        cwd: process.cwd(),
        home: homedir(),
      });
      const resolved = 'login' in credentials ? await passwordLogin(credentials.login) : credentials;
      endpoint = resolved.endpoint;
      const ctx: CommandContext = {
        client: new NeutronClient(resolved),
        output: { format: opts.format, columns: opts.column ?? [] },
        print: runtime.io.stdout,
      };
      await handler(ctx, ...(received.slice(0, -1) as A));
      runtime.exitCode = 0;
    } catch (err) {
      const message = failureMessage(err, endpoint);
      if (message === undefined) throw err;
      runtime.io.stderr(`${message}\n`);
      runtime.exitCode = 1;
    }
  };
}

/** The user-facing message of an expected failure; undefined for a bug. */
function failureMessage(err: unknown, endpoint: string | undefined): string | undefined {
  if (err instanceof NeutronApiError || err instanceof CredentialsError || err instanceof OutputError || err instanceof ClientCommandError || err instanceof LoginError) return err.message;
  // fetch() reports a refused or unreachable server as TypeError('fetch failed') with the reason as its cause.
  if (err instanceof TypeError && err.message === 'fetch failed') {
    const cause = err.cause instanceof Error ? err.cause.message : String(err.cause ?? 'no answer');
    return `Unable to establish connection to ${endpoint}: ${cause}`;
  }
  return undefined;
}

/** "Created a new router:" and the table, or the JSON object alone. */
export function printCreated(ctx: CommandContext, singular: string, resource: Readonly<Record<string, unknown>>): void {
  if (ctx.output.format === 'table') ctx.print(`Created a new ${singular}:\n`);
  ctx.print(renderResource(resource, ctx.output));
}

/** True/False as neutronclient's boolean options take them. */
export function booleanOption(value: string): boolean {
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new InvalidArgumentError("expected 'True' or 'False'");
}

export function integerOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/**
 * key=value,key=value into a dict, as neutronclient's str2dict: a piece
 * without "=" continues the previous value; `required` keys must be there
 * and no key outside `required` and `optional` is taken.
 */
export function keyValueOption(required: readonly string[], optional: readonly string[] = []) {
  const allowed = new Set([...required, ...optional]);
  return (value: string, previous: Record<string, string>[] = []): Record<string, string>[] => {
    const pieces: string[] = [];
    for (const piece of value.split(',')) {
      if (piece.includes('=')) pieces.push(piece);
      else if (pieces.length === 0) throw new InvalidArgumentError(`missing value for key '${piece}'`);
      else pieces[pieces.length - 1] += `,${piece}`;
    }
    const dict: Record<string, string> = {};
    for (const piece of pieces) {
      const at = piece.indexOf('=');
      dict[piece.slice(0, at)] = piece.slice(at + 1);
    }
    const invalid = Object.keys(dict).filter((k) => !allowed.has(k)).sort();
    if (invalid.length > 0) throw new InvalidArgumentError(`Invalid key(s) '${invalid.join(', ')}' specified. Valid key(s): '${[...allowed].sort().join(', ')}'.`);
    const missing = required.filter((k) => !(k in dict));
    if (missing.length > 0) throw new InvalidArgumentError(`Required key(s) '${missing.join(', ')}' not specified.`);
    return [...previous, dict];
  };
}

/** The id of a resource named by name or id. */
export async function idOf(ctx: CommandContext, plural: string, singular: string, nameOrId: string): Promise<string> {
  return (await ctx.client.find<{ id: string; name?: string }>(plural, singular, nameOrId)).id;
}

/** GET one resource by name or id, as the show commands print it. */
export async function showByNameOrId(ctx: CommandContext, plural: string, singular: string, nameOrId: string): Promise<Record<string, unknown>> {
  const id = await idOf(ctx, plural, singular, nameOrId);
  return (await ctx.client.get<Record<string, Record<string, unknown>>>(`/v2.0/${plural}/${id}`))[singular]!;
}

/** GET a list that the server answers as {key: [...]}, as rows. */
export async function listAt(ctx: CommandContext, path: string, key: string): Promise<Record<string, unknown>[]> {
  return (await ctx.client.get<Record<string, Record<string, unknown>[]>>(`/v2.0/${path}`))[key] ?? [];
}

/** GET a collection (with an optional query string) as rows. */
export function listOf(ctx: CommandContext, plural: string, query = ''): Promise<Record<string, unknown>[]> {
  return listAt(ctx, `${plural}${query}`, plural);
}
