// The L3 role's executor: observes one router's namespace, files and
// keepalived, and carries out the planner's actions. Every action is
// idempotent, so a failure part-way is repaired by the next pass.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { DaemonSpec, DaemonSupervisor } from '../../linux/daemon.js';
import { readText, writeAtomically } from '../../linux/files.js';
import { createPortDevice } from '../port-device.js';
import { type Exec, ExecError } from '../../linux/exec.js';
import { commands, inNetns, type IpRoute2, namespaceExists } from '../../linux/iproute2.js';
import type { Sysctl } from '../../linux/sysctl.js';
import { NAT_TABLE } from './nat.js';
import { appliedState, type ObservedRouter, type RouterAction } from './plan-router.js';
import { type DesiredRouter, ROUTER_SYSCTLS, type RouterPaths } from './router-model.js';

export interface RouterHost {
  readonly ip: IpRoute2;
  readonly sysctl: Sysctl;
  readonly exec: Exec;
  readonly daemons: DaemonSupervisor;
}

export function keepalivedSpec(routerId: string, namespace: string, paths: RouterPaths): DaemonSpec {
  return {
    name: `keepalived ${routerId}`,
    // Neutron's command line: -P VRRP only, its config, and both pid files.
    argv: ['keepalived', '-P', '-f', paths.conf, '-p', paths.pid, '-r', paths.vrrpPid],
    namespace,
    pidFile: paths.pid,
    daemonizes: true,
    identity: paths.conf,
  };
}

/** The rules of the router's NAT table, or undefined when the table does not exist. */
async function natRules(exec: Exec, namespace: string): Promise<number | undefined> {
  try {
    const { stdout } = await exec(inNetns(namespace, ['nft', '-j', 'list', 'table', 'ip', NAT_TABLE]));
    return (JSON.parse(stdout) as { nftables: object[] }).nftables.filter((o) => 'rule' in o).length;
  } catch (err) {
    if (err instanceof ExecError && /No such file or directory/.test(err.stderr)) return undefined;
    throw err;
  }
}

type KeepalivedLook = Pick<ObservedRouter, 'keepalivedRunning' | 'haPathUp' | 'keepalivedRanBefore'>;

/**
 * keepalived and its HA path, without a process: its pid (/proc), the tap's
 * bridge (sysfs), and whether it ran here before (its start marker, or a
 * state it recorded, for a router from before the marker).
 */
async function observeKeepalived(host: RouterHost, routerId: string, namespace: string, paths: RouterPaths, haTap: string | undefined): Promise<KeepalivedLook> {
  const [keepalivedRunning, tapMaster] = await Promise.all([
    host.daemons.isRunning(keepalivedSpec(routerId, namespace, paths)),
    haTap ? host.ip.masterOf(undefined, haTap) : Promise.resolve(undefined),
  ]);
  return { keepalivedRunning, haPathUp: tapMaster !== undefined, keepalivedRanBefore: existsSync(paths.started) || existsSync(paths.state) };
}

/** `haTap`: the HA port's tap on the node (undefined for a legacy router). */
export async function observeRouter(host: RouterHost, routerId: string, namespace: string, paths: RouterPaths, haTap: string | undefined): Promise<ObservedRouter> {
  const [keepalivedConf, natFile, keepalived] = await Promise.all([readText(paths.conf), readText(paths.nat), observeKeepalived(host, routerId, namespace, paths, haTap)]);
  if (!namespaceExists(namespace)) {
    return { namespace: false, sysctls: false, devices: [], keepalivedConf, ...keepalived, natFile, natRules: undefined, routes: [] };
  }
  const [forwarding, interfaces, rules, routes] = await Promise.all([
    host.sysctl.get(namespace, 'net.ipv4.ip_forward'),
    host.ip.listInterfaces(namespace),
    natRules(host.exec, namespace),
    haTap ? Promise.resolve([]) : host.ip.listRoutes(namespace, { family: 4 }),
  ]);
  return {
    namespace: true,
    sysctls: forwarding.trim() === '1',
    devices: interfaces
      .filter((l) => l.ifname !== 'lo')
      .map((l) => ({
        ifname: l.ifname,
        mac: l.address,
        mtu: l.mtu,
        up: l.flags.includes('UP'),
        cidrs: l.addr_info.map((a) => `${a.local}/${a.prefixlen}`),
      })),
    keepalivedConf,
    ...keepalived,
    natFile,
    natRules: rules,
    routes: routes.filter((r) => r.gateway).map((r) => ({ destination: r.dst, via: r.gateway! })),
  };
}

/**
 * The router as a recent pass left it, given what that pass applied (all of
 * it, or all but keepalived's start while the HA path was down): only
 * keepalived and the tap are read, without a process (plan-router.ts,
 * appliedState).
 */
export async function observeAfterPass(host: RouterHost, desired: DesiredRouter, paths: RouterPaths, haTap: string): Promise<ObservedRouter> {
  return appliedState(desired, await observeKeepalived(host, desired.id, desired.namespace, paths, haTap));
}

type DeviceAction = Extract<RouterAction, { kind: 'remove-device' | 'create-device' | 'set-up' | 'add-address' | 'remove-address' }>;
const DEVICE_ACTIONS: readonly RouterAction['kind'][] = ['remove-device', 'create-device', 'set-up', 'add-address', 'remove-address'];
const isDeviceAction = (a: RouterAction): a is DeviceAction => DEVICE_ACTIONS.includes(a.kind);

export async function applyRouter(host: RouterHost, routerId: string, namespace: string, paths: RouterPaths, actions: readonly RouterAction[]): Promise<void> {
  const { ip } = host;
  // The planner lists device actions together: they run as one block, which
  // makes a new namespace too when it has veths to move into it.
  const devices = actions.filter(isDeviceAction);
  const namespaceInBatch = actions.some((a) => a.kind === 'create-namespace') && devices.some((a) => a.kind === 'create-device');
  for (const action of actions) {
    if (isDeviceAction(action)) {
      if (action === devices[0]) await applyDevices(ip, namespace, devices, { createNamespace: namespaceInBatch });
      continue;
    }
    switch (action.kind) {
      case 'create-namespace':
        if (!namespaceInBatch) await ip.ensureNamespace(namespace, { loopbackUp: false }); // the planner's set-up of lo does it
        break;
      case 'set-sysctls':
        await host.sysctl.set(namespace, ROUTER_SYSCTLS);
        break;
      case 'write-keepalived-conf':
        await mkdir(paths.dir, { recursive: true });
        await writeAtomically(paths.conf, action.text);
        break;
      case 'ensure-keepalived': {
        const spec = keepalivedSpec(routerId, namespace, paths);
        if (!(await host.daemons.isRunning(spec))) {
          // keepalived refuses to start while its VRRP pid file names a live
          // process; after a node reboot that file names whatever has that PID now.
          await rm(paths.vrrpPid, { force: true });
          await reachPeers(host.exec, namespace, action.haDevice, action.peers);
        }
        await host.daemons.ensure(spec);
        await writeFile(paths.started, '');
        break;
      }
      case 'reload-keepalived':
        await host.daemons.signal(keepalivedSpec(routerId, namespace, paths), 'SIGHUP');
        break;
      case 'stop-keepalived':
        await host.daemons.stop(keepalivedSpec(routerId, namespace, paths));
        break;
      case 'apply-nat':
        await mkdir(paths.dir, { recursive: true });
        await writeAtomically(paths.nat, action.text);
        await host.exec(inNetns(namespace, ['nft', '-f', paths.nat]));
        break;
      case 'set-route':
        await ip.ensureRoute(namespace, { destination: action.destination, via: action.via });
        break;
      case 'remove-route':
        await ip.removeRoute(namespace, action.destination, { via: action.via });
        break;
    }
  }
}

/**
 * The router's devices in two processes, however many there are: one `ip
 * -batch` on the node makes the namespace when asked (`netns add`, which
 * leaves the batch in the node's namespace) and each veth with its MAC
 * inside and brings its tap up without IPv6 addresses, one inside brings the
 * devices up (no kernel-made link-local on the MAC every replica shares) and
 * sets the addresses. What fails in a batch (a tap left from an earlier
 * port, an address already there) runs again through the idempotent
 * wrappers.
 */
async function applyDevices(ip: IpRoute2, namespace: string, actions: readonly DeviceAction[], options: { createNamespace: boolean }): Promise<void> {
  for (const a of actions) if (a.kind === 'remove-device') await ip.removeLink(namespace, a.device);
  const created = actions.flatMap((a) => (a.kind === 'create-device' ? [a.spec] : []));
  const first = options.createNamespace ? [commands.addNamespace(namespace)] : [];
  const onNode = created.map((d) => [
    commands.addVeth({ name: d.tap, peer: d.device, peerNamespace: namespace, peerMac: d.mac, mtu: d.mtu }),
    commands.addrGenMode(d.tap, 'none'),
    commands.setUp(d.tap),
  ]);
  const failedLines = await ip.batch(undefined, 'ip', [...first, ...onNode.flat()]);
  // A namespace that could not be made there is made (or found) now; the veths that needed it failed and run again below.
  if (options.createNamespace && failedLines.includes(0)) await ip.ensureNamespace(namespace, { loopbackUp: false });
  const failedOnNode = new Set(failedLines.filter((line) => line >= first.length).map((line) => created[Math.floor((line - first.length) / 3)]!));
  for (const d of failedOnNode) await createPortDevice(ip, namespace, d, { noLinkLocal: true });
  for (const d of created) if (!failedOnNode.has(d)) await ip.disableIpv6(undefined, d.tap);

  const inside: { command: string[]; retry: () => Promise<void> }[] = [];
  for (const a of actions) {
    if (a.kind === 'create-device' && !failedOnNode.has(a.spec)) {
      const { device } = a.spec;
      inside.push({ command: commands.addrGenMode(device, 'none'), retry: () => ip.setAddrGenMode(namespace, device, 'none') });
      inside.push({ command: commands.setUp(device), retry: () => ip.setUp(namespace, device) });
    }
    if (a.kind === 'set-up') inside.push({ command: commands.setUp(a.device), retry: () => ip.setUp(namespace, a.device) });
    if (a.kind === 'add-address') inside.push({ command: commands.address('add', a.cidr, a.device), retry: () => ip.ensureAddress(namespace, a.device, a.cidr) });
    if (a.kind === 'remove-address') inside.push({ command: commands.address('del', a.cidr, a.device), retry: () => ip.removeAddress(namespace, a.device, a.cidr) });
  }
  for (const line of await ip.batch(namespace, 'ip', inside.map((i) => i.command))) await inside[line]!.retry();
}

/**
 * Pings the other replicas once over the HA network before keepalived
 * starts. A replica coming back finds the others' neighbour entries for it
 * failed (it was unreachable), and unicast adverts to it are dropped until
 * they resolve again, up to a second: long enough for its keepalived to
 * hear nothing, become master and take over from the real one. The ARP
 * request that the ping sends first refreshes those entries; the kernel
 * sends it before ping's send returns, so waiting for ping to end (one
 * answer, or 0.2 s without one) is enough, and not waiting was not: on a
 * busy node the ping had not even started when keepalived did, and both
 * replicas became master. The first replicas of a new router have no one to
 * hear; a whole second for each kept hundreds of new routers waiting.
 */
async function reachPeers(exec: Exec, namespace: string, haDevice: string, peers: readonly string[]): Promise<void> {
  if (peers.length === 0) return;
  const ping = (peer: string) => exec(inNetns(namespace, ['ping', '-c', '1', '-W', '0.2', '-I', haDevice, peer]), { timeoutMs: 3_000 });
  await Promise.any(peers.map(ping)).catch(() => undefined);
}

/** A router that left this node: keepalived stopped, namespace (and with it every veth) and files removed. */
export async function removeRouter(host: RouterHost, routerId: string, namespace: string, paths: RouterPaths): Promise<void> {
  await host.daemons.stop(keepalivedSpec(routerId, namespace, paths));
  await host.ip.removeNamespace(namespace);
  await rm(paths.dir, { recursive: true, force: true });
}
