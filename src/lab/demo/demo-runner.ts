// What a demo scenario is made of: it prints each command before running it
// and then its real output (client commands in-process through the same
// code as `hanet <command>`, shell commands on the lab's nodes, in its VMs
// or on the upstream host), records checks, and ends with a summary table.
import { exec } from '../../linux/exec.js';
import type { Lab } from '../lab.js';
import { sleep, WaitTimeout, waitUntil } from '../wait.js';

/** Runs one `hanet` client command in-process; returns its exit code. */
export type ClientRunner = (argv: readonly string[], io: { stdout: (s: string) => void; stderr: (s: string) => void; env?: NodeJS.ProcessEnv }) => Promise<number>;

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export class DemoRunner {
  readonly checks: Check[] = [];
  readonly #started = Date.now();
  readonly #runClient: ClientRunner;
  readonly #write: (text: string) => void;

  constructor(
    readonly lab: Lab,
    /** The environment the client commands see: the lab's cloud, as after `eval "$(hanet lab env)"`. */
    readonly clientEnv: Readonly<Record<string, string>>,
    runClient: ClientRunner,
    write: (text: string) => void,
  ) {
    this.#runClient = runClient;
    this.#write = write;
  }

  /** A heading: one step of the seed's walkthrough. */
  step(title: string): void {
    this.#write(`\n=== ${title}\n`);
  }

  say(text: string): void {
    this.#write(`${text}\n`);
  }

  /** `hanet ARGS` as a user would type it; its output as the user would see it. */
  async hanet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    this.#write(`\n$ hanet ${args.map(quote).join(' ')}\n`);
    let stdout = '';
    let stderr = '';
    const code = await this.#runClient(args, {
      stdout: (s) => {
        stdout += s;
        this.#write(s);
      },
      stderr: (s) => {
        stderr += s;
        this.#write(s);
      },
      env: { ...withoutOpenstackSettings(process.env), ...this.clientEnv },
    });
    return { code, stdout, stderr };
  }

  /**
   * A shell command on a node, in a VM, or on "upstream", printed with its
   * output (stderr included). Its exit status does not matter: `grep` finding
   * nothing is an answer too; the checks judge the output.
   */
  async on(target: string, command: string, options: { quiet?: boolean; timeoutMs?: number } = {}): Promise<string> {
    if (!options.quiet) this.#write(`\n[${target}]# ${command}\n`);
    const argv = this.lab.execArgv(target, ['sh', '-c', `{ ${command}\n} 2>&1; true`]);
    const { stdout } = await exec(argv, { timeoutMs: options.timeoutMs ?? 30_000 });
    if (!options.quiet) this.#write(stdout.endsWith('\n') || stdout === '' ? stdout : `${stdout}\n`);
    return stdout;
  }

  /** Records a check and prints its verdict. */
  check(name: string, ok: boolean, detail = ''): boolean {
    this.checks.push({ name, ok, detail });
    this.#write(`${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? ` (${detail})` : ''}\n`);
    return ok;
  }

  /**
   * Waits quietly for a condition the next step needs (a daemon starting, an
   * agent being declared dead), printing what it waited for and how long.
   * On timeout it records a failed check and returns undefined.
   */
  async waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
    const t0 = Date.now();
    try {
      const value = await waitUntil(what, timeoutMs, probe, 100);
      this.#write(`(waited ${((Date.now() - t0) / 1000).toFixed(1)} s for ${what})\n`);
      return value;
    } catch (err) {
      if (!(err instanceof WaitTimeout)) throw err;
      this.check(what, false, `not within ${timeoutMs / 1000} s`);
      return undefined;
    }
  }

  pause(ms: number): Promise<void> {
    return sleep(ms);
  }

  /** The summary table; true when every check passed. */
  summarize(): boolean {
    const width = Math.max(5, ...this.checks.map((c) => c.name.length));
    const detailWidth = Math.max(6, ...this.checks.map((c) => c.detail.length));
    const line = `+-${'-'.repeat(width)}-+--------+-${'-'.repeat(detailWidth)}-+`;
    const row = (a: string, b: string, c: string) => `| ${a.padEnd(width)} | ${b.padEnd(6)} | ${c.padEnd(detailWidth)} |`;
    const failed = this.checks.filter((c) => !c.ok).length;
    this.#write(`\n=== Summary (${((Date.now() - this.#started) / 1000).toFixed(0)} s)\n`);
    this.#write([line, row('check', 'result', 'detail'), line, ...this.checks.map((c) => row(c.name, c.ok ? 'pass' : 'FAIL', c.detail)), line].join('\n') + '\n');
    this.#write(failed === 0 ? `All ${this.checks.length} checks passed.\n` : `${failed} of ${this.checks.length} checks FAILED.\n`);
    return failed === 0;
  }
}

/** The caller's environment without OS_* settings, which would point the commands elsewhere. */
function withoutOpenstackSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('OS_')));
}

/** Quotes an argument for display the way a shell user would type it. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
