// Host commands through a small helper process (libexec/hanet-spawner), for
// the agent. Node forks its whole process for each command: on an agent of
// 200 MB that was over a millisecond of page-table copying per command, the
// child's teardown of that copy, and a copy-on-write fault afterwards for
// each page the agent then wrote; and the event loop waited for each child's
// exec. The helper is a few MB and does the forking, so a command costs the
// agent one write and one read. Results and errors are those of execHere:
// the same ExecError for a failed command, one that timed out or one that
// could not start.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TIMEOUT_MS, type Exec, ExecError, type ExecResult } from './exec.js';

export const SPAWNER = fileURLToPath(new URL('../../../libexec/hanet-spawner', import.meta.url));

interface Pending {
  readonly argv: readonly string[];
  resolve(result: ExecResult): void;
  reject(err: Error): void;
}

/** One answer's header: "ID STATUS STDOUT_LEN STDERR_LEN". */
interface Header {
  readonly id: number;
  readonly status: string;
  readonly stdoutLength: number;
  readonly stderrLength: number;
  /** Bytes of the header line with its newline. */
  readonly size: number;
}

function parseHeader(buffer: Buffer): Header | undefined {
  const nl = buffer.indexOf(10);
  if (nl < 0) return undefined;
  const [id, status, out, err] = buffer.subarray(0, nl).toString('latin1').split(' ');
  return { id: Number(id), status: status!, stdoutLength: Number(out), stderrLength: Number(err), size: nl + 1 };
}

/** The request for one command (see the protocol in libexec/hanet-spawner). */
function encodeRequest(id: number, argv: readonly string[], timeoutMs: number, input: string): Buffer {
  const args = argv.map((a) => Buffer.from(a));
  const stdin = Buffer.from(input);
  const header = `${id} ${timeoutMs} ${stdin.length} ${args.length} ${args.map((a) => a.length).join(' ')}\n`;
  return Buffer.concat([Buffer.from(header), ...args, stdin]);
}

export class Spawner {
  readonly #pending = new Map<number, Pending>();
  #helper: ChildProcess | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #nextId = 0;
  #closed = false;

  readonly run: Exec = (argv, options = {}) =>
    new Promise((resolve, reject) => {
      if (!argv[0]) return reject(new Error('exec: empty argv'));
      if (argv.some((a) => a.includes('\0'))) return reject(new Error(`exec: NUL byte in argv: ${argv.join(' ')}`));
      if (this.#closed) return reject(new Error(`exec: spawner closed: ${argv.join(' ')}`));
      const helper = this.#start();
      const id = this.#nextId++;
      this.#pending.set(id, { argv, resolve, reject });
      helper.ref();
      helper.stdin!.write(encodeRequest(id, argv, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.input ?? ''));
    });

  /** The helper, started on the first command and again after it died. */
  #start(): ChildProcess {
    if (this.#helper) return this.#helper;
    const helper = spawn('perl', [SPAWNER], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.#helper = helper;
    this.#buffer = Buffer.alloc(0);
    helper.stdout!.on('data', (chunk: Buffer) => this.#read(chunk));
    helper.stdin!.on('error', () => undefined); // its exit follows, and fails what it was running
    helper.on('error', () => undefined); // as above (perl missing: the exit has code ENOENT)
    helper.once('close', (code, signal) => {
      if (this.#helper === helper) this.#helper = undefined;
      const failed = [...this.#pending.values()];
      this.#pending.clear();
      for (const p of failed) p.reject(new Error(`exec helper exited (${code ?? signal}) while running: ${p.argv.join(' ')}`));
    });
    // Only the process handle keeps the event loop alive, and only while a command runs.
    (helper.stdout as unknown as { unref(): void }).unref();
    (helper.stdin as unknown as { unref(): void }).unref();
    helper.unref();
    return helper;
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const header = parseHeader(this.#buffer);
      if (!header) return;
      const end = header.size + header.stdoutLength + header.stderrLength;
      if (this.#buffer.length < end) return;
      const stdout = this.#buffer.toString('utf8', header.size, header.size + header.stdoutLength);
      const stderr = this.#buffer.toString('utf8', header.size + header.stdoutLength, end);
      this.#buffer = this.#buffer.subarray(end);
      this.#settle(header, stdout, stderr);
    }
  }

  #settle(header: Header, stdout: string, stderr: string): void {
    const p = this.#pending.get(header.id);
    if (!p) return;
    this.#pending.delete(header.id);
    if (this.#pending.size === 0) this.#helper?.unref();
    if (header.status === '0') return p.resolve({ stdout, stderr });
    // As execFile: a number for an exit status, none for a signal or a command that could not start.
    const exitCode = /^\d+$/.test(header.status) ? Number(header.status) : null;
    p.reject(new ExecError(p.argv, exitCode, stderr));
  }

  /** Stops the helper; commands still running go on, their answers are dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    const helper = this.#helper;
    if (!helper) return;
    const gone = new Promise((resolve) => helper.once('close', resolve));
    helper.ref();
    (helper.stdout as unknown as { ref(): void }).ref();
    helper.stdin!.end();
    await gone;
  }
}
