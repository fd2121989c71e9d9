// Drives `hanet lab` as a user would (the real CLI, as child processes) for
// end-to-end tests: one lab per test file, with its own name, directory and
// port, so test files running side by side never meet. `leftovers` is what
// the tests check after `hanet lab down`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { NeutronClient } from '../../src/client/neutron-client.js';
import { labAdminLogin } from '../../src/lab/lab.js';
import { readLabState } from '../../src/lab/lab-state.js';
import { IpRoute2 } from '../../src/linux/iproute2.js';
import { processesWith } from '../../src/linux/proc.js';
import { freePort } from '../../src/lab/free-port.js';
import { HANET_BIN } from './server-process.js';

const run = promisify(execFile);

export const isRoot = process.getuid?.() === 0;

export class TestLab {
  readonly dir: string;
  port = 0;

  constructor(readonly name: string) {
    this.dir = `/tmp/hanet-${name}`;
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, HANET_LAB: this.name, HANET_LAB_DIR: this.dir };
  }

  /** Runs `hanet lab ARGS`; rejects with stderr on a non-zero exit. */
  async lab(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
    return run(HANET_BIN, ['lab', ...args], { env: this.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 });
  }

  async up(args: readonly string[] = []): Promise<{ stdout: string; stderr: string }> {
    this.port = await freePort();
    return this.lab(['up', '--port', String(this.port), ...args]);
  }

  /** `hanet lab exec TARGET -- CMD`: resolves with stdout, rejects on a non-zero exit. */
  async exec(target: string, command: readonly string[], timeoutMs = 60_000): Promise<string> {
    return (await this.lab(['exec', target, '--', ...command], { timeoutMs })).stdout;
  }

  #api: { key: string; client: NeutronClient } | undefined;

  /** The lab's API as its admin (one login per lab, with the password in lab.json). */
  get api(): NeutronClient {
    const state = readLabState(`${this.dir}/lab.json`);
    if (!state) throw new Error(`no lab at ${this.dir}`);
    const key = `${state.port} ${state.adminPassword}`;
    if (this.#api?.key !== key) this.#api = { key, client: new NeutronClient({ endpoint: `http://127.0.0.1:${state.port}`, login: labAdminLogin(state) }) };
    return this.#api.client;
  }

  /** The environment `hanet lab env` prints, for the openstack CLI. */
  async openstackEnv(): Promise<NodeJS.ProcessEnv> {
    const { stdout } = await this.lab(['env']);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const m of stdout.matchAll(/^export (\w+)=(.*)$/gm)) env[m[1]!] = m[2]!;
    return env;
  }

  /** What would show that `hanet lab down` missed something: namespaces, processes, the directory. */
  async leftovers(): Promise<string[]> {
    const found: string[] = [];
    for (const ns of await new IpRoute2().listNamespaces()) if (ns.startsWith(`hanet-${this.name}-`)) found.push(`namespace ${ns}`);
    for (const pid of processesWith(`${this.dir}/`)) found.push(`process ${pid}`);
    if (existsSync(this.dir)) found.push(`directory ${this.dir}`);
    for (const link of await new IpRoute2().listLinks()) {
      if (/^(m-|e-|x-|brq|vxlan-|tap)/.test(link.ifname)) found.push(`root namespace link ${link.ifname}`);
    }
    return found;
  }

  /** For after hooks: down, whatever state the test left. */
  async teardown(): Promise<void> {
    await this.lab(['down']).catch(() => {});
  }
}
