// Typed, idempotent wrappers over iproute2 (`ip -json`): network namespaces,
// links, addresses, routes and neighbours. "Already there" and "already
// gone" count as success, so replays and resyncs are always safe; any other
// failure is an ExecError, or one of the typed errors below that callers act
// on.
import { existsSync } from 'node:fs';
import { readlink, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Exec, ExecError, exec as defaultExec } from './exec.js';

/** Whether `ip netns add` made this namespace (its bind mount in /run/netns): a file check, no process. */
export function namespaceExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

/**
 * A command run in a network namespace and nothing else (as it is when no
 * namespace is given): `nsenter --net` enters only the namespace, where `ip
 * netns exec` and `ip -n` also copy the mount namespace (every namespace's
 * bind mount with it, so the cost grows with the routers on the node) and
 * mount a sysfs. For tools that need only the network namespace (ip,
 * bridge, nft, sysctl, ping); the daemons, which may read /sys, still start
 * through `ip netns exec`.
 */
export function inNetns(namespace: string | undefined, argv: readonly string[]): string[] {
  return namespace ? ['nsenter', `--net=/run/netns/${namespace}`, '--', ...argv] : [...argv];
}

/** A namespace that is not there, as `ip -n`, `ip netns exec` and `nsenter --net` say it. */
export function namespaceMissingIn(stderr: string): boolean {
  return /Cannot open network namespace|nsenter: cannot open \/run\/netns\//.test(stderr);
}

export class NamespaceNotFound extends Error {
  constructor(readonly namespace: string) {
    super(`network namespace ${namespace} does not exist`);
  }
}

export interface Link {
  readonly ifname: string;
  readonly ifindex: number;
  readonly address?: string;
  readonly mtu: number;
  readonly flags: readonly string[];
  readonly operstate: string;
  /** For veths: the peer's index; for enslaved devices, the master's name. */
  readonly link?: string;
  readonly master?: string;
  readonly linkinfo?: { readonly info_kind?: string };
}

export interface Address {
  readonly family: 'inet' | 'inet6';
  readonly local: string;
  readonly prefixlen: number;
  readonly scope: string;
}

export interface Nexthop {
  readonly gateway?: string;
  readonly dev?: string;
  readonly weight?: number;
  readonly flags?: readonly string[];
}

/** A route as `ip -json route show` prints it, plus its family and table. */
export interface Route {
  readonly family: 4 | 6;
  /** 'default', or a prefix/address as ip prints it (a host route has no /32). */
  readonly dst: string;
  /** Always set: ip leaves it out for the table it was asked to list. */
  readonly table: string;
  readonly gateway?: string;
  readonly dev?: string;
  /** Unicast routes leave it out; 'local', 'broadcast', 'blackhole', ... */
  readonly type?: string;
  readonly protocol?: string;
  readonly scope?: string;
  readonly metric?: number;
  readonly prefsrc?: string;
  readonly flags: readonly string[];
  /** Multipath routes: their next hops instead of gateway/dev. */
  readonly nexthops?: readonly Nexthop[];
}

export interface RouteSpec {
  /** 'default' or a prefix, IPv4 or IPv6. */
  readonly destination: string;
  readonly via?: string;
  readonly dev?: string;
  /** A table number or a name from rt_tables; the main table when left out. */
  readonly table?: string;
  /** Needed only when nothing else tells the family, e.g. an IPv6 'default dev X'. */
  readonly family?: 4 | 6;
}

export interface Neighbour {
  readonly dst: string;
  /** Left out while the entry is INCOMPLETE or FAILED. */
  readonly lladdr?: string;
  readonly dev: string;
  /** E.g. ['REACHABLE'], ['STALE'], ['PERMANENT'], ['INCOMPLETE']. */
  readonly state: readonly string[];
}

export type AddrGenMode = 'eui64' | 'none' | 'stable_secret' | 'random';

export interface VethSpec {
  readonly namespace?: string;
  readonly name: string;
  readonly peerNamespace?: string;
  readonly peer: string;
  readonly mac?: string;
  readonly peerMac?: string;
  readonly mtu?: number;
}

function vethArgs(spec: VethSpec): string[] {
  const args = ['link', 'add', spec.name];
  if (spec.mac) args.push('address', spec.mac);
  if (spec.mtu) args.push('mtu', String(spec.mtu));
  args.push('type', 'veth', 'peer', 'name', spec.peer);
  if (spec.peerMac) args.push('address', spec.peerMac);
  if (spec.mtu) args.push('mtu', String(spec.mtu));
  if (spec.peerNamespace) args.push('netns', spec.peerNamespace);
  return args;
}

/** The arguments of link, address and fdb commands the agent runs one by one or in a batch. */
export const commands = {
  addNamespace: (name: string) => ['netns', 'add', name],
  addVeth: vethArgs,
  setUp: (ifname: string) => ['link', 'set', 'dev', ifname, 'up'],
  addrGenMode: (ifname: string, mode: AddrGenMode) => ['link', 'set', 'dev', ifname, 'addrgenmode', mode],
  address: (op: 'add' | 'del', cidr: string, ifname: string) => ['address', op, cidr, 'dev', ifname],
  addBridge: (name: string, mtu?: number) => ['link', 'add', name, ...(mtu ? ['mtu', String(mtu)] : []), 'up', 'type', 'bridge'],
  addVxlan: (spec: VxlanSpec) => [
    'link', 'add', spec.device, 'mtu', String(spec.mtu), 'master', spec.bridge, 'up',
    'type', 'vxlan', 'id', String(spec.vni), 'local', spec.local, 'dev', spec.dev, 'dstport', '4789', 'ttl', '16',
  ],
  setMaster: (ifname: string, bridge: string) => ['link', 'set', 'dev', ifname, 'master', bridge, 'up'],
  deleteLink: (ifname: string) => ['link', 'delete', 'dev', ifname],
  /** `bridge` arguments. */
  floodEntry: (op: 'append' | 'del', device: string, dst: string) => ['fdb', op, '00:00:00:00:00:00', 'dev', device, 'dst', dst],
};

export interface VxlanSpec {
  readonly device: string;
  readonly vni: number;
  readonly local: string;
  readonly dev: string;
  readonly mtu: number;
  readonly bridge: string;
}

function missingNamespace(err: unknown, namespace: string | undefined): boolean {
  return namespace !== undefined && err instanceof ExecError && namespaceMissingIn(err.stderr);
}

/** `-4`/`-6` when asked for, or when an address shows the family (ip would default to IPv4). */
function familyArgs(family: 4 | 6 | undefined, ...addresses: (string | undefined)[]): string[] {
  if (family) return [`-${family}`];
  return addresses.some((a) => a?.includes(':')) ? ['-6'] : [];
}

function routeArgs(spec: RouteSpec): string[] {
  const args = [spec.destination];
  if (spec.via) args.push('via', spec.via);
  if (spec.dev) args.push('dev', spec.dev);
  if (spec.table) args.push('table', spec.table);
  return args;
}

export class IpRoute2 {
  readonly #exec: Exec;
  /** Commands run in this process's own namespaces (not through a wrapper that enters others). */
  readonly #local: boolean;

  constructor(exec: Exec = defaultExec) {
    this.#exec = exec;
    this.#local = exec === defaultExec;
  }

  /** Runs `ip|bridge ARGS`, in the namespace when one is given; a missing namespace becomes NamespaceNotFound. */
  async #run(tool: 'ip' | 'bridge', namespace: string | undefined, args: readonly string[]): Promise<string> {
    try {
      return (await this.#exec(inNetns(namespace, [tool, ...args]))).stdout;
    } catch (err) {
      if (missingNamespace(err, namespace)) throw new NamespaceNotFound(namespace!);
      throw err;
    }
  }

  #ip(namespace: string | undefined, args: readonly string[]): Promise<string> {
    return this.#run('ip', namespace, args);
  }

  #bridge(namespace: string | undefined, args: readonly string[]): Promise<string> {
    return this.#run('bridge', namespace, args);
  }

  async #json<T>(namespace: string | undefined, args: readonly string[]): Promise<T> {
    const out = await this.#ip(namespace, ['-json', ...args]);
    return (out.trim() === '' ? [] : JSON.parse(out)) as T;
  }

  /**
   * Runs many `ip` (or `bridge`) commands in one process (`-batch -`), for
   * a pass that changes hundreds of links: a process per command costs more
   * than the command. With -force every line runs; returns the indexes of
   * the commands that failed (the caller may run them one by one to learn
   * why).
   */
  async batch(namespace: string | undefined, tool: 'ip' | 'bridge', commands: readonly (readonly string[])[]): Promise<number[]> {
    if (commands.length === 0) return [];
    try {
      await this.#exec(inNetns(namespace, [tool, '-force', '-batch', '-']), { input: commands.map((c) => `${c.join(' ')}\n`).join('') });
      return [];
    } catch (err) {
      if (!(err instanceof ExecError)) throw err;
      const failed = [...err.stderr.matchAll(/^Command failed -:(\d+)$/gm)].map((m) => Number(m[1]) - 1);
      if (failed.length === 0) throw err;
      return failed;
    }
  }

  async listNamespaces(): Promise<string[]> {
    const list = await this.#json<{ name: string }[]>(undefined, ['netns', 'list']);
    return list.map((n) => n.name).sort();
  }

  /** `loopbackUp: false` when the caller brings lo up itself, in a batch with other devices. */
  async ensureNamespace(name: string, { loopbackUp = true }: { loopbackUp?: boolean } = {}): Promise<void> {
    try {
      await this.#ip(undefined, commands.addNamespace(name));
    } catch (err) {
      if (!(err instanceof ExecError && /File exists/.test(err.stderr))) throw err;
    }
    if (loopbackUp) await this.setUp(name, 'lo');
  }

  async removeNamespace(name: string): Promise<void> {
    try {
      await this.#ip(undefined, ['netns', 'delete', name]);
    } catch (err) {
      if (!(err instanceof ExecError && /No such file or directory/.test(err.stderr))) throw err;
    }
  }

  async listLinks(namespace?: string): Promise<Link[]> {
    return this.#json<Link[]>(namespace, ['-details', 'link', 'show']);
  }

  /**
   * The bridge a link is plugged into (undefined: none, or no such link). In
   * our own namespace sysfs answers without a process: the L3 role asks
   * this of every HA tap on each pass.
   */
  async masterOf(namespace: string | undefined, ifname: string): Promise<string | undefined> {
    if (namespace !== undefined || !this.#local) return (await this.getLink(namespace, ifname))?.master;
    try {
      return basename(await readlink(`/sys/class/net/${ifname}/master`));
    } catch {
      return undefined;
    }
  }

  /** One link by name (not a listing of all: a node with a thousand routers has thousands of links). */
  async getLink(namespace: string | undefined, ifname: string): Promise<Link | undefined> {
    try {
      return (await this.#json<Link[]>(namespace, ['-details', 'link', 'show', 'dev', ifname]))[0];
    } catch (err) {
      if (err instanceof ExecError && /does not exist/.test(err.stderr)) return undefined;
      throw err;
    }
  }

  async setUp(namespace: string | undefined, ifname: string): Promise<void> {
    await this.#ip(namespace, ['link', 'set', 'dev', ifname, 'up']);
  }

  /** A veth pair: `name` in `namespace`, `peer` in `peerNamespace` (both optional: the current one); left alone if `name` exists. */
  async ensureVeth(spec: VethSpec): Promise<void> {
    await this.#addLink(spec.namespace, vethArgs(spec));
  }

  /** A veth pair made anew, in one command: an existing `name` (left from an earlier pair) is replaced. */
  async replaceVeth(spec: VethSpec): Promise<void> {
    if (await this.#addLink(spec.namespace, vethArgs(spec))) return;
    await this.removeLink(spec.namespace, spec.name);
    await this.#ip(spec.namespace, vethArgs(spec));
  }

  /** A bridge, up; made and brought up in one command when it is new. */
  async ensureBridge(namespace: string | undefined, name: string, options: { mtu?: number } = {}): Promise<void> {
    if (!(await this.#addLink(namespace, commands.addBridge(name, options.mtu)))) await this.setUp(namespace, name);
  }

  /** `ip link add ...`; false when the link exists already. */
  async #addLink(namespace: string | undefined, args: readonly string[]): Promise<boolean> {
    try {
      await this.#ip(namespace, args);
      return true;
    } catch (err) {
      if (err instanceof ExecError && /File exists/.test(err.stderr)) return false;
      throw err;
    }
  }

  /** Plugs a device into a bridge and brings it up, in one command (idempotent: `ip link set master` is). */
  async setMaster(namespace: string | undefined, ifname: string, bridge: string): Promise<void> {
    await this.#ip(namespace, commands.setMaster(ifname, bridge));
  }

  async removeLink(namespace: string | undefined, ifname: string): Promise<void> {
    try {
      await this.#ip(namespace, commands.deleteLink(ifname));
    } catch (err) {
      if (!(err instanceof ExecError && /Cannot find device/.test(err.stderr))) throw err;
    }
  }

  async listAddresses(namespace: string | undefined, ifname: string): Promise<Address[]> {
    const links = await this.#json<{ addr_info?: Address[] }[]>(namespace, ['address', 'show', 'dev', ifname]);
    return links.flatMap((l) => l.addr_info ?? []).map(({ family, local, prefixlen, scope }) => ({ family, local, prefixlen, scope }));
  }

  /** Every link of the namespace with its addresses (one `ip -json -details address show`). */
  async listInterfaces(namespace: string | undefined): Promise<(Link & { addr_info: Address[] })[]> {
    const links = await this.#json<(Link & { addr_info?: Address[] })[]>(namespace, ['-details', 'address', 'show']);
    return links.map((l) => ({ ...l, addr_info: l.addr_info ?? [] }));
  }

  /** The device that holds `address`, if any (e.g. the tunnel device of a VXLAN endpoint). */
  async deviceWithAddress(namespace: string | undefined, address: string): Promise<string | undefined> {
    const links = await this.#json<{ ifname: string; addr_info?: { local: string }[] }[]>(namespace, ['address', 'show']);
    return links.find((l) => l.addr_info?.some((a) => a.local === address))?.ifname;
  }

  async ensureAddress(namespace: string | undefined, ifname: string, cidr: string): Promise<void> {
    try {
      await this.#ip(namespace, ['address', 'add', cidr, 'dev', ifname]);
    } catch (err) {
      // iproute2 6.1 says "Address already assigned" for IPv4, "File exists" for IPv6.
      if (!(err instanceof ExecError && /File exists|Address already assigned/.test(err.stderr))) throw err;
    }
  }

  async removeAddress(namespace: string | undefined, ifname: string, cidr: string): Promise<void> {
    try {
      await this.#ip(namespace, ['address', 'delete', cidr, 'dev', ifname]);
    } catch (err) {
      // IPv4 says "Address not found", IPv6 "Cannot assign requested address".
      if (!(err instanceof ExecError && /Address not found|Cannot assign requested address/.test(err.stderr))) throw err;
    }
  }

  /** A VXLAN device (learning on, port 4789) plugged into `bridge` and up. */
  async ensureVxlan(namespace: string | undefined, spec: VxlanSpec): Promise<void> {
    if (!(await this.#addLink(namespace, commands.addVxlan(spec)))) await this.setMaster(namespace, spec.device, spec.bridge);
  }

  /** The destinations of a VXLAN device's all-zero fdb entries: the peers it floods to. */
  async floodEntries(namespace: string | undefined, device: string): Promise<string[]> {
    return (await this.allFloodEntries(namespace, [device])).get(device) ?? [];
  }

  /** Per device of `devices`, its flood destinations (sorted), from one `bridge fdb show` of the namespace. */
  async allFloodEntries(namespace: string | undefined, devices: readonly string[]): Promise<Map<string, string[]>> {
    const out = await this.#bridge(namespace, ['-json', 'fdb', 'show']);
    const entries = (out.trim() === '' ? [] : JSON.parse(out)) as { mac: string; ifname?: string; dst?: string }[];
    const wanted = new Set(devices);
    const byDevice = new Map(devices.map((d) => [d, [] as string[]]));
    for (const e of entries) if (e.mac === '00:00:00:00:00:00' && e.dst && e.ifname && wanted.has(e.ifname)) byDevice.get(e.ifname)!.push(e.dst);
    for (const dsts of byDevice.values()) dsts.sort();
    return byDevice;
  }

  /** Idempotent both ways: `bridge fdb append` of an entry that exists, or `del` of one that does not, succeed. */
  async addFloodEntry(namespace: string | undefined, device: string, dst: string): Promise<void> {
    await this.#bridge(namespace, commands.floodEntry('append', device, dst));
  }

  async removeFloodEntry(namespace: string | undefined, device: string, dst: string): Promise<void> {
    await this.#bridge(namespace, commands.floodEntry('del', device, dst));
  }

  /**
   * The routes of one table (main by default), of one family or both (ip
   * itself would list IPv4 only). A table that does not exist yet (nothing
   * was ever put in it) lists as empty.
   */
  async listRoutes(namespace: string | undefined, options: { family?: 4 | 6; table?: string } = {}): Promise<Route[]> {
    const table = options.table ?? 'main';
    const families: (4 | 6)[] = options.family ? [options.family] : [4, 6];
    const routes: Route[] = [];
    for (const family of families) {
      let listed: (Omit<Route, 'family' | 'table'> & { table?: string })[];
      try {
        listed = await this.#json<typeof listed>(namespace, [`-${family}`, 'route', 'show', 'table', table]);
      } catch (err) {
        // iproute2 6.1: "Error: ipv4: FIB table does not exist." then "Dump terminated".
        if (err instanceof ExecError && /FIB table does not exist/.test(err.stderr)) continue;
        throw err;
      }
      for (const r of listed) routes.push({ ...r, family, table: r.table ?? table, flags: r.flags ?? [] });
    }
    return routes;
  }

  /** Adds or replaces the route to `destination` (idempotent: `ip route replace`). */
  async ensureRoute(namespace: string | undefined, spec: RouteSpec): Promise<void> {
    if (!spec.via && !spec.dev) throw new TypeError(`route to ${spec.destination} needs a gateway or a device`);
    await this.#ip(namespace, [...familyArgs(spec.family, spec.destination, spec.via), 'route', 'replace', ...routeArgs(spec)]);
  }

  /**
   * Removes the route to `destination` (narrowed by via/dev when given).
   * Already gone is success: iproute2 6.1 says "No such process" (IPv6
   * sometimes "No such file or directory"), "FIB table does not exist" for a
   * table never used, "Cannot find device" when the device went with it.
   */
  async removeRoute(namespace: string | undefined, destination: string, options: Omit<RouteSpec, 'destination'> = {}): Promise<void> {
    const spec = { ...options, destination };
    try {
      await this.#ip(namespace, [...familyArgs(spec.family, destination, spec.via), 'route', 'delete', ...routeArgs(spec)]);
    } catch (err) {
      if (!(err instanceof ExecError && /No such process|No such file or directory|FIB table does not exist|Cannot find device/.test(err.stderr))) throw err;
    }
  }

  /** The neighbour (ARP/NDP) entries of both families, of one device or all. */
  async listNeighbours(namespace: string | undefined, dev?: string): Promise<Neighbour[]> {
    const listed = await this.#json<{ dst: string; lladdr?: string; dev?: string; state?: string[] }[]>(namespace, ['neigh', 'show', ...(dev ? ['dev', dev] : [])]);
    // With a `dev` filter ip leaves the device out of each entry.
    return listed.map((n) => ({ dst: n.dst, ...(n.lladdr ? { lladdr: n.lladdr } : {}), dev: n.dev ?? dev ?? '', state: n.state ?? [] }));
  }

  /**
   * How the kernel makes the IPv6 link-local address; 'none' keeps a device
   * from having one (and so from sending router solicitations and MLD).
   * 'stable_secret' fails with "Invalid argument" until
   * net.ipv6.conf.DEV.stable_secret is set.
   */
  async setAddrGenMode(namespace: string | undefined, ifname: string, mode: AddrGenMode): Promise<void> {
    await this.#ip(namespace, ['link', 'set', 'dev', ifname, 'addrgenmode', mode]);
  }

  async setMac(namespace: string | undefined, ifname: string, mac: string): Promise<void> {
    await this.#ip(namespace, ['link', 'set', 'dev', ifname, 'address', mac]);
  }

  async setMtu(namespace: string | undefined, ifname: string, mtu: number): Promise<void> {
    await this.#ip(namespace, ['link', 'set', 'dev', ifname, 'mtu', String(mtu)]);
  }

  async setDown(namespace: string | undefined, ifname: string): Promise<void> {
    await this.#ip(namespace, ['link', 'set', 'dev', ifname, 'down']);
  }

  /**
   * Bridges, VXLAN devices and tap peers must not chatter IPv6 into the
   * overlay (LAB-NOTES §8.1). In our own namespace the file is written
   * directly: no process per tap.
   */
  async disableIpv6(namespace: string | undefined, ifname: string): Promise<void> {
    const key = `net.ipv6.conf.${ifname}.disable_ipv6`;
    if (namespace === undefined && this.#local) await writeFile(`/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`, '1\n');
    else await this.#exec(inNetns(namespace, ['sysctl', '-q', '-w', `${key}=1`]));
  }
}
