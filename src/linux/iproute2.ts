// Typed, idempotent wrappers over iproute2 (`ip -json`): network namespaces,
// links, addresses, routes and neighbours. "Already there" and "already
// gone" count as success, so replays and resyncs are always safe; any other
// failure is an ExecError, or one of the typed errors below that callers act
// on.
import { existsSync } from 'node:fs';
import { type Exec, ExecError, exec as defaultExec } from './exec.js';

/** Whether `ip netns add` made this namespace (its bind mount in /run/netns): a file check, no process. */
export function namespaceExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
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

function nsArgs(namespace: string | undefined): string[] {
  return namespace ? ['-n', namespace] : [];
}

function missingNamespace(err: unknown, namespace: string | undefined): boolean {
  return namespace !== undefined && err instanceof ExecError && /Cannot open network namespace/.test(err.stderr);
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

  constructor(exec: Exec = defaultExec) {
    this.#exec = exec;
  }

  /** Runs `ip|bridge [-n ns] ARGS`; a missing namespace becomes NamespaceNotFound. */
  async #run(tool: 'ip' | 'bridge', namespace: string | undefined, args: readonly string[]): Promise<string> {
    try {
      return (await this.#exec([tool, ...nsArgs(namespace), ...args])).stdout;
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

  async listNamespaces(): Promise<string[]> {
    const list = await this.#json<{ name: string }[]>(undefined, ['netns', 'list']);
    return list.map((n) => n.name).sort();
  }

  async ensureNamespace(name: string): Promise<void> {
    try {
      await this.#ip(undefined, ['netns', 'add', name]);
    } catch (err) {
      if (!(err instanceof ExecError && /File exists/.test(err.stderr))) throw err;
    }
    await this.setUp(name, 'lo');
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

  async getLink(namespace: string | undefined, ifname: string): Promise<Link | undefined> {
    return (await this.listLinks(namespace)).find((l) => l.ifname === ifname);
  }

  async setUp(namespace: string | undefined, ifname: string): Promise<void> {
    await this.#ip(namespace, ['link', 'set', 'dev', ifname, 'up']);
  }

  /** A veth pair: `name` in `namespace`, `peer` in `peerNamespace` (both optional: the current one). */
  async ensureVeth(spec: { namespace?: string; name: string; peerNamespace?: string; peer: string; mac?: string; mtu?: number }): Promise<void> {
    if (await this.getLink(spec.namespace, spec.name)) return;
    const args = ['link', 'add', spec.name];
    if (spec.mac) args.push('address', spec.mac);
    if (spec.mtu) args.push('mtu', String(spec.mtu));
    args.push('type', 'veth', 'peer', 'name', spec.peer);
    if (spec.mtu) args.push('mtu', String(spec.mtu));
    if (spec.peerNamespace) args.push('netns', spec.peerNamespace);
    await this.#ip(spec.namespace, args);
  }

  async ensureBridge(namespace: string | undefined, name: string, options: { mtu?: number } = {}): Promise<void> {
    if (!(await this.getLink(namespace, name))) {
      await this.#ip(namespace, ['link', 'add', name, ...(options.mtu ? ['mtu', String(options.mtu)] : []), 'type', 'bridge']);
    }
    await this.setUp(namespace, name);
  }

  /** Plugs a device into a bridge (idempotent: `ip link set master` is). */
  async setMaster(namespace: string | undefined, ifname: string, bridge: string): Promise<void> {
    await this.#ip(namespace, ['link', 'set', 'dev', ifname, 'master', bridge]);
  }

  async removeLink(namespace: string | undefined, ifname: string): Promise<void> {
    try {
      await this.#ip(namespace, ['link', 'delete', 'dev', ifname]);
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
  async ensureVxlan(namespace: string | undefined, spec: { device: string; vni: number; local: string; dev: string; mtu: number; bridge: string }): Promise<void> {
    if (!(await this.getLink(namespace, spec.device))) {
      await this.#ip(namespace, ['link', 'add', spec.device, 'mtu', String(spec.mtu), 'type', 'vxlan', 'id', String(spec.vni), 'local', spec.local, 'dev', spec.dev, 'dstport', '4789', 'ttl', '16']);
    }
    await this.setMaster(namespace, spec.device, spec.bridge);
    await this.setUp(namespace, spec.device);
  }

  /** The destinations of a VXLAN device's all-zero fdb entries: the peers it floods to. */
  async floodEntries(namespace: string | undefined, device: string): Promise<string[]> {
    const out = await this.#bridge(namespace, ['-json', 'fdb', 'show', 'dev', device]);
    const entries = (out.trim() === '' ? [] : JSON.parse(out)) as { mac: string; dst?: string }[];
    return entries.filter((e) => e.mac === '00:00:00:00:00:00' && e.dst).map((e) => e.dst!).sort();
  }

  /** Idempotent both ways: `bridge fdb append` of an entry that exists, or `del` of one that does not, succeed. */
  async addFloodEntry(namespace: string | undefined, device: string, dst: string): Promise<void> {
    await this.#bridge(namespace, ['fdb', 'append', '00:00:00:00:00:00', 'dev', device, 'dst', dst]);
  }

  async removeFloodEntry(namespace: string | undefined, device: string, dst: string): Promise<void> {
    await this.#bridge(namespace, ['fdb', 'del', '00:00:00:00:00:00', 'dev', device, 'dst', dst]);
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

  /** Bridges, VXLAN devices and tap peers must not chatter IPv6 into the overlay (LAB-NOTES §8.1). */
  async disableIpv6(namespace: string | undefined, ifname: string): Promise<void> {
    const sysctl = ['sysctl', '-q', '-w', `net.ipv6.conf.${ifname}.disable_ipv6=1`];
    await this.#exec(namespace ? ['ip', 'netns', 'exec', namespace, ...sysctl] : sysctl);
  }
}
