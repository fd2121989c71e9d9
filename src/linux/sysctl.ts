// Kernel parameters through procps `sysctl`, on the host or inside a network
// namespace (`nsenter --net=/run/netns/NS sysctl ...`: most net.* keys are
// per namespace). Writes are idempotent, so replays are safe; a missing namespace
// is NamespaceNotFound, a key the kernel does not have is SysctlKeyNotFound
// (often: the interface it names does not exist yet), anything else ExecError.
//
// Keys use dots (`net.ipv4.ip_forward`) or slashes: an interface name with a
// dot in it (a VLAN `eth0.100`) needs the slash form,
// `net/ipv4/conf/eth0.100/forwarding`, or sysctl reads it as eth0/100.
import { type Exec, ExecError, exec as defaultExec } from './exec.js';
import { inNetns, NamespaceNotFound, namespaceMissingIn } from './iproute2.js';

export class SysctlKeyNotFound extends Error {
  constructor(
    readonly namespace: string | undefined,
    readonly key: string,
  ) {
    super(`sysctl key ${key} does not exist${namespace ? ` in network namespace ${namespace}` : ''}`);
  }
}

/** The /proc/sys path procps reads for a key (slashes kept as they are, else dots become slashes). */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.includes('/') ? key : key.replaceAll('.', '/')}`;
}

function checkKey(key: string): void {
  // A key starting with '-' would be read as an option, one with '=' or
  // blanks would split into another key=value; none is a real key.
  if (key === '' || key.startsWith('-') || /[=\s]/.test(key)) throw new TypeError(`invalid sysctl key ${JSON.stringify(key)}`);
}

function formatValue(key: string, value: string | number): string {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`invalid value for sysctl ${key}: ${value}`);
  const text = String(value);
  if (/[\n\0]/.test(text)) throw new TypeError(`invalid value for sysctl ${key}: ${JSON.stringify(text)}`);
  return text;
}

export class Sysctl {
  readonly #exec: Exec;

  constructor(exec: Exec = defaultExec) {
    this.#exec = exec;
  }

  /** The value as the kernel prints it, without the trailing newline (multi-field values keep their tabs). */
  async get(namespace: string | undefined, key: string): Promise<string> {
    checkKey(key);
    const out = await this.#run(namespace, ['-n', key], [key]);
    return out.replace(/\n$/, '');
  }

  /**
   * Writes all values with one `sysctl -q -w k=v ...`. Not atomic: when one
   * key fails the others may already be written, which a replay makes good.
   */
  async set(namespace: string | undefined, values: Readonly<Record<string, string | number>>): Promise<void> {
    const keys = Object.keys(values);
    if (keys.length === 0) return;
    const assignments = keys.map((key) => {
      checkKey(key);
      return `${key}=${formatValue(key, values[key]!)}`;
    });
    await this.#run(namespace, ['-q', '-w', ...assignments], keys);
  }

  async #run(namespace: string | undefined, args: readonly string[], keys: readonly string[]): Promise<string> {
    try {
      return (await this.#exec(inNetns(namespace, ['sysctl', ...args]))).stdout;
    } catch (err) {
      if (!(err instanceof ExecError)) throw err;
      if (namespace !== undefined && namespaceMissingIn(err.stderr)) throw new NamespaceNotFound(namespace);
      // procps: "sysctl: cannot stat /proc/sys/net/ipv4/nosuch: No such file or directory"
      const missing = /cannot stat (\/proc\/sys\/\S+): No such file or directory/.exec(err.stderr)?.[1];
      if (missing) throw new SysctlKeyNotFound(namespace, keys.find((k) => sysctlPath(k) === missing) ?? missing.slice('/proc/sys/'.length));
      throw err;
    }
  }
}
