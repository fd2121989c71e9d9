// `hanet lab`: emulated nodes on one machine, driven as a whole. A lab is a
// directory (its state file, the server's data, each node's files) plus the
// namespaces and processes recorded in that state; every command reads the
// state, acts, and writes it back.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PasswordLogin } from '../client/keystone-login.js';
import { NeutronClient } from '../client/neutron-client.js';
import { freePort } from './free-port.js';
import { AGENT_ROLES } from '../domain/agent.js';
import { IpRoute2 } from '../linux/iproute2.js';
import { ancestorPids, isRunning, processesWith, terminate } from '../linux/proc.js';
import { agentIni, checkVmName, labNames, labNodes, type LabNode, labPaths, type LabShape, UPSTREAM_IP, vmNamespace } from './lab-layout.js';
import { attachNode, createFabric, cutCables, removeFabric, setMgmtLink } from './lab-fabric.js';
import { agentIsRunning, bootNode, CLI, killNode, nodeArgv, nodeExec, nodeIsUp, signalNode, spawnDetached, startNodeAgent, stopNodeAgent } from './lab-node.js';
import { type LabState, type LabVm, readLabState, writeLabState } from './lab-state.js';
import { sleep, WaitTimeout, waitUntil } from './wait.js';
import { tapName } from '../agent/l2/plan-l2.js';

/** How the lab's tools log in: as the admin the server bootstraps. */
export function labAdminLogin(state: LabState): PasswordLogin {
  return { authUrl: `http://127.0.0.1:${state.identityPort}/v3`, username: 'admin', password: state.adminPassword, projectName: 'admin' };
}

const DHCLIENT_CONF = fileURLToPath(new URL('../../../libexec/lab-dhclient.conf', import.meta.url));
const DHCLIENT_SCRIPT = fileURLToPath(new URL('../../../libexec/lab-dhclient-script.sh', import.meta.url));

export type Progress = (message: string) => void;

export interface UpOptions extends LabShape {
  readonly port: number;
  /** Server options (`--set option=value`). */
  readonly settings: Readonly<Record<string, string>>;
  readonly progress: Progress;
  /** How long every agent has to be alive. */
  readonly timeoutMs?: number;
}

export class LabError extends Error {}

/** How long a killed node stays frozen before its processes die (see nodeKill). */
const TEARDOWN_AFTER_MS = 2_000;

export class Lab {
  readonly name: string;
  readonly paths: ReturnType<typeof labPaths>;
  readonly names: ReturnType<typeof labNames>;

  constructor(options: { name?: string; dir?: string } = {}) {
    this.name = options.name ?? 'lab';
    if (!/^[a-z0-9][a-z0-9-]{0,15}$/.test(this.name)) throw new LabError(`lab name '${this.name}': use up to 16 lower-case letters, digits and dashes`);
    this.paths = labPaths(options.dir ?? `/tmp/hanet-${this.name}`);
    this.names = labNames(this.name);
  }

  #serverMarker(): string {
    return `server --state-path ${this.paths.serverDir}`;
  }

  state(): LabState | undefined {
    return readLabState(this.paths.state);
  }

  #require(): LabState {
    const state = this.state();
    if (!state) throw new LabError(`no lab at ${this.paths.dir}; start one with: hanet lab up`);
    return state;
  }

  #save(state: LabState): void {
    writeLabState(this.paths.state, state);
  }

  /** The lab's API as its admin (the token is fetched at the first call). */
  client(state: LabState = this.#require()): NeutronClient {
    return new NeutronClient({ endpoint: `http://127.0.0.1:${state.port}`, login: labAdminLogin(state) });
  }

  serverIsUp(state: LabState | undefined = this.state()): boolean {
    return isRunning(state?.server, this.#serverMarker());
  }

  async up(options: UpOptions): Promise<LabState> {
    const nodes = labNodes(options);
    if (this.serverIsUp()) throw new LabError(`the lab at ${this.paths.dir} is already up (hanet lab status); run hanet lab down first`);
    if (this.state() || (await this.#leftovers()).length > 0) {
      options.progress('removing what an earlier lab left behind');
      await this.down(() => {});
    }
    const started = Date.now();
    mkdirSync(this.paths.serverDir, { recursive: true });
    const state: LabState = {
      name: this.name,
      dir: this.paths.dir,
      port: options.port,
      token: randomBytes(16).toString('hex'),
      identityPort: await freePort(),
      adminPassword: randomBytes(12).toString('base64url'),
      nodes,
      settings: options.settings,
      processes: {},
      vms: {},
    };
    this.#save(state);
    try {
      options.progress(`fabric: ${this.names.fabricNs} (br-mgmt, br-ext), upstream host ${UPSTREAM_IP} in ${this.names.upstreamNs}`);
      await createFabric(this.name);
      // Nodes boot while the server creates its database; agents start once it answers.
      const booting = Promise.all(nodes.map((node) => this.#bootNode(state, node))).then(() =>
        options.progress(`nodes booted: ${nodes.map((n) => n.name).join(', ')}`),
      );
      await Promise.all([this.#startServer(state), booting]);
      this.#save(state);
      options.progress(`server: http://127.0.0.1:${state.port} (pid ${state.server}, log ${this.paths.serverLog})`);
      await Promise.all(nodes.map((node) => this.#startAgent(state, node)));
      this.#save(state);
      await this.#waitForAgents(state, nodes, options.progress, options.timeoutMs ?? 30_000);
      this.writeCloudsYaml(state);
      options.progress(`lab up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return state;
    } catch (err) {
      options.progress(`lab up failed: ${(err as Error).message}; tearing down`);
      await this.down(() => {});
      throw err;
    }
  }

  async #startServer(state: LabState): Promise<void> {
    const args = [
      CLI,
      'server',
      '--state-path',
      this.paths.serverDir,
      '--bind-host',
      '127.0.0.1',
      '--bind-port',
      String(state.port),
      '--set',
      `agent_token=${state.token}`,
      '--set',
      `agent_socket=${this.paths.agentSocket}`,
      '--set',
      'auth_strategy=keystone',
      '--set',
      `identity_bind_port=${state.identityPort}`,
      ...Object.entries(state.settings).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
    ];
    // The admin's password by environment, so that it shows in no process list.
    state.server = spawnDetached([process.execPath, ...args], this.paths.serverLog, { HANET_ADMIN_PASSWORD: state.adminPassword }).pid;
    this.#save(state);
    const client = this.client(state);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (!this.serverIsUp(state)) throw new LabError(`the server exited; see ${this.paths.serverLog}`);
      try {
        await client.get('/v2.0/extensions');
        return;
      } catch {
        if (Date.now() > deadline) throw new LabError(`the server did not answer within 20 s; see ${this.paths.serverLog}`);
        await sleep(50);
      }
    }
  }

  /** Boots the node and cables it to the fabric. */
  async #bootNode(state: LabState, node: LabNode): Promise<void> {
    const dir = this.paths.nodeDir(node.name);
    mkdirSync(`${dir}/state`, { recursive: true });
    writeFileSync(`${dir}/agent.ini`, agentIni(node, { server: `unix:${this.paths.agentSocket}`, token: state.token, statePath: `${dir}/state`, dnsmasqLogDir: `${dir}/dnsmasq` }));
    const processes = await bootNode(node.name, dir);
    state.processes[node.name] = processes;
    await attachNode(this.name, node, processes.init);
  }

  async #startAgent(state: LabState, node: LabNode): Promise<void> {
    const processes = state.processes[node.name]!;
    Object.assign(processes, await startNodeAgent(processes.init, this.paths.nodeDir(node.name)));
  }

  async #waitForAgents(state: LabState, nodes: readonly LabNode[], progress: Progress, timeoutMs: number): Promise<void> {
    const expected = nodes.flatMap((n) => n.roles.map((r) => `${n.name}/${AGENT_ROLES[r].agent_type}`));
    const client = this.client(state);
    const deadline = Date.now() + timeoutMs;
    let last = -1;
    for (;;) {
      const agents = (await client.get<{ agents: { host: string; agent_type: string; alive: boolean }[] }>('/v2.0/agents')).agents;
      const alive = new Set(agents.filter((a) => a.alive).map((a) => `${a.host}/${a.agent_type}`));
      const count = expected.filter((e) => alive.has(e)).length;
      if (count !== last) progress(`agents alive: ${count}/${expected.length}`);
      last = count;
      if (count === expected.length) return;
      if (Date.now() > deadline) {
        const missing = expected.filter((e) => !alive.has(e));
        throw new LabError(`agents not alive after ${timeoutMs / 1000} s: ${missing.join(', ')} (logs: ${this.paths.dir}/nodes/*/agent.log)`);
      }
      await sleep(100);
    }
  }

  /** Everything a lab of this name may have left: processes that carry its directory, its namespaces. */
  async #leftovers(): Promise<string[]> {
    const namespaces = (await new IpRoute2().listNamespaces()).filter((ns) => ns === this.names.fabricNs || ns === this.names.upstreamNs);
    return [...namespaces, ...processesWith(`${this.paths.dir}/`).map(String)];
  }

  /** Removes everything the lab created, from its state file and, after a crash, from what carries its name. */
  async down(progress: Progress): Promise<void> {
    const state = this.state();
    if (state) {
      // Every process of every node dies first: nodes killed one after
      // another would see the others go, and take over their routers,
      // hundreds of keepalived at once.
      for (const node of state.nodes) {
        const p = state.processes[node.name];
        if (p && nodeIsUp(node.name, this.paths.nodeDir(node.name), p)) signalNode(this.paths.nodeDir(node.name), p, 'SIGKILL');
      }
      for (const node of state.nodes) {
        const p = state.processes[node.name];
        if (p) await killNode(node.name, this.paths.nodeDir(node.name), p);
      }
      if (await terminate(state.server, this.#serverMarker())) progress(`server stopped (pid ${state.server})`);
    }
    const ancestors = ancestorPids();
    const stragglers = processesWith(`${this.paths.dir}/`).filter((pid) => !ancestors.has(pid));
    for (const pid of stragglers) await terminate(pid, this.paths.dir, { signal: 'SIGKILL', timeoutMs: 2_000 });
    if (stragglers.length > 0) progress(`killed ${stragglers.length} leftover process(es): ${stragglers.join(' ')}`);
    const namespaces = await removeFabric(this.name);
    if (namespaces.length > 0) progress(`removed namespaces ${namespaces.join(', ')}`);
    rmSync(this.paths.dir, { recursive: true, force: true });
    progress(`lab ${this.name} is down`);
  }

  writeCloudsYaml(state: LabState): void {
    writeFileSync(
      this.paths.cloudsYaml,
      [
        "# Written by hanet lab up: the lab's admin at its built-in identity service, for the openstack CLI and hanet.",
        'clouds:',
        `  hanet-${this.name}:`,
        '    auth_type: password',
        '    auth:',
        `      auth_url: ${labAdminLogin(state).authUrl}`,
        '      username: admin',
        `      password: ${state.adminPassword}`,
        '      project_name: admin',
        '      user_domain_name: Default',
        '      project_domain_name: Default',
        '    region_name: RegionOne',
        '    identity_api_version: 3',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  }

  env(): string {
    this.#require();
    return `export OS_CLIENT_CONFIG_FILE=${this.paths.cloudsYaml}\nexport OS_CLOUD=hanet-${this.name}\n`;
  }

  #node(state: LabState, name: string): LabNode {
    const node = state.nodes.find((n) => n.name === name);
    if (!node) throw new LabError(`no node '${name}' in this lab (nodes: ${state.nodes.map((n) => n.name).join(', ')})`);
    return node;
  }

  #upNode(state: LabState, name: string): { node: LabNode; init: number } {
    const node = this.#node(state, name);
    const p = state.processes[name];
    if (!p || !nodeIsUp(name, this.paths.nodeDir(name), p)) throw new LabError(`node ${name} is down (hanet lab node start ${name})`);
    return { node, init: p.init };
  }

  /** The argv that runs `command` on a node, in a VM, or on the upstream host. */
  execArgv(target: string, command: readonly string[]): string[] {
    const state = this.#require();
    if (command.length === 0) throw new LabError('nothing to run: hanet lab exec TARGET -- COMMAND ...');
    if (target === 'upstream') return ['ip', 'netns', 'exec', this.names.upstreamNs, ...command];
    const vm = state.vms[target];
    if (vm) return nodeArgv(this.#upNode(state, vm.node).init, ['ip', 'netns', 'exec', vmNamespace(vm.name), ...command]);
    return nodeArgv(this.#upNode(state, target).init, command);
  }

  /**
   * Pulls the plug, as the other nodes see it: the node's cables go dark and
   * its processes stop at once; a moment later they are killed. On one
   * machine, the kernel's teardown of a killed node's namespaces (hundreds,
   * with hundreds of routers) holds the routing lock for seconds, and the
   * surviving nodes' keepalived could not add the addresses they take over;
   * on a real cloud that teardown happens on the dead machine. So it waits
   * until the survivors have taken over. `onDark` is called once the cables
   * are cut: the moment a failover measurement starts from.
   */
  async nodeKill(name: string, { onDark }: { onDark?: () => void } = {}): Promise<void> {
    const state = this.#require();
    const node = this.#node(state, name);
    const p = state.processes[name];
    if (!p || !nodeIsUp(name, this.paths.nodeDir(name), p)) throw new LabError(`node ${name} is already down`);
    await cutCables(this.name, node);
    onDark?.();
    signalNode(this.paths.nodeDir(name), p, 'SIGSTOP');
    await sleep(TEARDOWN_AFTER_MS);
    // Each process, not only PID 1: a stopped namespace took seconds to die from its PID 1 alone.
    signalNode(this.paths.nodeDir(name), p, 'SIGKILL');
    await killNode(name, this.paths.nodeDir(name), p);
  }

  async nodeStart(name: string): Promise<void> {
    const state = this.#require();
    const node = this.#node(state, name);
    if (nodeIsUp(name, this.paths.nodeDir(name), state.processes[name])) throw new LabError(`node ${name} is already up`);
    await this.#bootNode(state, node);
    await this.#startAgent(state, node);
    this.#save(state);
    for (const vm of Object.values(state.vms).filter((v) => v.node === name)) await this.#plugVm(state, vm);
  }

  async agentStop(name: string, kill: boolean): Promise<void> {
    const state = this.#require();
    this.#upNode(state, name);
    const stopped = await stopNodeAgent(this.paths.nodeDir(name), state.processes[name]!, kill ? 'SIGKILL' : 'SIGTERM');
    if (!stopped) throw new LabError(`the agent of ${name} is not running`);
  }

  async agentStart(name: string): Promise<void> {
    const state = this.#require();
    const { init } = this.#upNode(state, name);
    const p = state.processes[name]!;
    if (agentIsRunning(this.paths.nodeDir(name), p)) throw new LabError(`the agent of ${name} is already running`);
    Object.assign(p, await startNodeAgent(init, this.paths.nodeDir(name)));
    this.#save(state);
  }

  async serverStop(): Promise<void> {
    const state = this.#require();
    if (!(await terminate(state.server, this.#serverMarker()))) throw new LabError('the server is not running');
  }

  async serverStart(): Promise<void> {
    const state = this.#require();
    if (this.serverIsUp(state)) throw new LabError('the server is already running');
    await this.#startServer(state);
  }

  async partition(name: string, cut: boolean): Promise<void> {
    const state = this.#require();
    this.#node(state, name);
    await setMgmtLink(this.name, name, !cut);
  }

  /** A VM: a port bound to the node (a new one on `network`, or an existing `port`), and a namespace on it wired like a hypervisor would. */
  async vmCreate(name: string, on: { network: string } | { port: string }, nodeName: string | undefined): Promise<LabVm & { ip: string | undefined }> {
    checkVmName(name);
    const state = this.#require();
    if (state.vms[name]) throw new LabError(`a VM named ${name} exists already`);
    const target = nodeName ?? state.nodes.find((n) => n.kind === 'compute')?.name ?? state.nodes[0]?.name;
    if (!target) throw new LabError('the lab has no nodes');
    this.#upNode(state, target);
    const client = this.client(state);
    const binding = { device_owner: 'compute:nova', device_id: randomUUID(), 'binding:host_id': target };
    let port: { id: string; network_id: string };
    if ('port' in on) {
      const existing = await client.find<{ id: string; device_owner: string }>('ports', 'port', on.port);
      if (existing.device_owner !== '') throw new LabError(`port ${on.port} is in use (device_owner ${existing.device_owner})`);
      ({ port } = await client.put<{ port: { id: string; network_id: string } }>(`/v2.0/ports/${existing.id}`, { port: binding }));
    } else {
      const net = await client.find<{ id: string }>('networks', 'network', on.network);
      ({ port } = await client.post<{ port: { id: string; network_id: string } }>('/v2.0/ports', { port: { network_id: net.id, name, ...binding } }));
    }
    const vm: LabVm = { name, node: target, portId: port.id, networkId: port.network_id };
    state.vms[name] = vm;
    this.#save(state);
    const ip = await this.#plugVm(state, vm);
    await this.#waitPortActive(client, port.id);
    return { ...vm, ip };
  }

  /**
   * Plugs the VM's namespace in (again): tap on the node, eth0 with the
   * port's MAC inside; then its address comes from a real DHCP client, or is
   * set by the lab when the port's subnet has DHCP off.
   */
  async #plugVm(state: LabState, vm: LabVm): Promise<string | undefined> {
    const client = this.client(state);
    const { port } = await client.get<{ port: { mac_address: string; fixed_ips: { subnet_id: string; ip_address: string }[] } }>(`/v2.0/ports/${vm.portId}`);
    const { network } = await client.get<{ network: { mtu: number } }>(`/v2.0/networks/${vm.networkId}`);
    const { init } = this.#upNode(state, vm.node);
    const inNode = new IpRoute2(nodeExec(init));
    const ns = vmNamespace(vm.name);
    await inNode.ensureNamespace(ns);
    await inNode.disableIpv6(ns, 'all');
    await inNode.disableIpv6(ns, 'default');
    await inNode.ensureVeth({ name: tapName(vm.portId), peer: 'eth0', peerNamespace: ns, mtu: network.mtu });
    await inNode.disableIpv6(undefined, tapName(vm.portId));
    await inNode.setMac(ns, 'eth0', port.mac_address);
    await inNode.setUp(ns, 'eth0');
    await inNode.setUp(undefined, tapName(vm.portId));
    const v4 = port.fixed_ips.find((f) => !f.ip_address.includes(':'));
    if (!v4) return undefined;
    const { subnet } = await client.get<{ subnet: { cidr: string; gateway_ip: string | null; enable_dhcp: boolean } }>(`/v2.0/subnets/${v4.subnet_id}`);
    if (subnet.enable_dhcp) return this.#runDhcpClient(init, inNode, vm);
    await inNode.ensureAddress(ns, 'eth0', `${v4.ip_address}/${subnet.cidr.split('/')[1]}`);
    if (subnet.gateway_ip) await inNode.ensureRoute(ns, { destination: 'default', via: subnet.gateway_ip });
    return v4.ip_address;
  }

  /**
   * isc dhclient in the VM, with the lab's script (libexec/lab-dhclient-script.sh):
   * returns once it is bound, and stays in the background renewing, as in a
   * cloud image. Its events go to <lab>/vms/<vm>/dhcp.log.
   */
  async #runDhcpClient(init: number, inNode: IpRoute2, vm: LabVm): Promise<string> {
    const dir = this.paths.vmDir(vm.name);
    mkdirSync(dir, { recursive: true });
    // A pid file from before the node restarted names a pid of its old PID namespace: dhclient must not kill that.
    rmSync(join(dir, 'dhclient.pid'), { force: true });
    const argv = [
      'ip', 'netns', 'exec', vmNamespace(vm.name),
      'dhclient', '-1', '-cf', DHCLIENT_CONF, '-sf', DHCLIENT_SCRIPT,
      '-lf', join(dir, 'dhclient.leases'), '-pf', join(dir, 'dhclient.pid'), '-e', `HANET_VM_LOG=${join(dir, 'dhcp.log')}`, 'eth0',
    ];
    try {
      await nodeExec(init)(argv, { timeoutMs: 20_000 });
    } catch (err) {
      throw new LabError(`VM ${vm.name} got no DHCP lease (see ${dir}/dhcp.log and the DHCP agents' logs): ${(err as Error).message}`);
    }
    const address = (await inNode.listAddresses(vmNamespace(vm.name), 'eth0')).find((a) => a.family === 'inet')?.local;
    if (!address) throw new LabError(`VM ${vm.name}: dhclient returned without an address on eth0 (see ${dir}/dhcp.log)`);
    return address;
  }

  async #waitPortActive(client: NeutronClient, portId: string): Promise<void> {
    const active = async () => ((await client.get<{ port: { status: string } }>(`/v2.0/ports/${portId}`)).port.status === 'ACTIVE' ? true : undefined);
    await waitUntil('the port', 15_000, active, 50).catch((err: unknown) => {
      throw err instanceof WaitTimeout ? new LabError(`port ${portId} did not become ACTIVE within 15 s (is the node's L2 agent alive?)`) : err;
    });
  }
}
