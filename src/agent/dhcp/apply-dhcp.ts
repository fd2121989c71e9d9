// The DHCP role's executor: observes one network's namespace, files and
// dnsmasq, and carries out the planner's actions. Every action is
// idempotent, so a failure part-way is repaired by the next pass.
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DaemonSpec, DaemonSupervisor } from '../../linux/daemon.js';
import { readText, writeAtomically } from '../../linux/files.js';
import { createPortDevice } from '../port-device.js';
import { type IpRoute2, namespaceExists } from '../../linux/iproute2.js';
import { readCmdline } from '../../linux/proc.js';
import { mergeLeases } from './dnsmasq-config.js';
import type { DhcpFile, DhcpPaths } from './dhcp-model.js';
import type { DhcpAction, ObservedDhcp } from './plan-dhcp.js';

export interface DhcpHost {
  readonly ip: IpRoute2;
  readonly daemons: DaemonSupervisor;
}

export function dnsmasqSpec(networkId: string, namespace: string, paths: DhcpPaths, argv: readonly string[]): DaemonSpec {
  // dnsmasq forks and writes its pid file (--pid-file); the hosts file's path names the network.
  return { name: `dnsmasq ${networkId}`, argv, namespace, pidFile: paths.pid, daemonizes: true, identity: `--dhcp-hostsfile=${paths.host}` };
}

export async function observeDhcp(host: DhcpHost, networkId: string, namespace: string, paths: DhcpPaths): Promise<ObservedDhcp> {
  // The spec's argv does not matter for finding it: the identity does.
  const spec = dnsmasqSpec(networkId, namespace, paths, []);
  const [hostFile, addnHosts, opts, leases, pid] = await Promise.all([
    readText(paths.host),
    readText(paths.addnHosts),
    readText(paths.opts),
    readText(paths.leases),
    host.daemons.pidOf(spec),
  ]);
  const dnsmasqCommand = pid === undefined ? undefined : readCmdline(pid);
  const files = { host: hostFile, addnHosts, opts };
  if (!namespaceExists(namespace)) return { namespace: false, devices: [], files, leases, dnsmasqCommand };
  const interfaces = await host.ip.listInterfaces(namespace);
  return {
    namespace: true,
    devices: interfaces
      .filter((l) => l.ifname !== 'lo')
      .map((l) => ({ ifname: l.ifname, mac: l.address, mtu: l.mtu, up: l.flags.includes('UP'), cidrs: l.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`) })),
    files,
    leases,
    dnsmasqCommand,
  };
}

const FILE_PATH: Record<DhcpFile, (p: DhcpPaths) => string> = { host: (p) => p.host, addnHosts: (p) => p.addnHosts, opts: (p) => p.opts };

export async function applyDhcp(host: DhcpHost, networkId: string, namespace: string, paths: DhcpPaths, actions: readonly DhcpAction[]): Promise<void> {
  const { ip } = host;
  for (const action of actions) {
    switch (action.kind) {
      case 'create-namespace':
        await ip.ensureNamespace(namespace);
        break;
      case 'remove-device':
        await ip.removeLink(namespace, action.device);
        break;
      case 'create-device':
        await createPortDevice(ip, namespace, { device: action.spec.name, tap: action.spec.name, mac: action.spec.mac, mtu: action.spec.mtu });
        break;
      case 'set-up':
        await ip.setUp(namespace, action.device);
        break;
      case 'add-address':
        await ip.ensureAddress(namespace, action.device, action.cidr);
        break;
      case 'remove-address':
        await ip.removeAddress(namespace, action.device, action.cidr);
        break;
      case 'write-file':
        await mkdir(paths.dir, { recursive: true });
        await writeAtomically(FILE_PATH[action.file](paths), action.text);
        break;
      case 'write-leases':
        await mkdir(paths.dir, { recursive: true });
        await writeAtomically(paths.leases, mergeLeases(await readText(paths.leases), action.hosts));
        break;
      case 'stop-dnsmasq':
        await host.daemons.stop(dnsmasqSpec(networkId, namespace, paths, []));
        break;
      case 'start-dnsmasq': {
        const logFile = action.argv.find((a) => a.startsWith('--log-facility='))?.slice('--log-facility='.length);
        if (logFile) await mkdir(dirname(logFile), { recursive: true });
        await host.daemons.ensure(dnsmasqSpec(networkId, namespace, paths, action.argv));
        break;
      }
      case 'reload-dnsmasq':
        await host.daemons.signal(dnsmasqSpec(networkId, namespace, paths, []), 'SIGHUP');
        break;
    }
  }
}

/** A network that left this node: dnsmasq stopped, namespace (and with it the veth) and files removed. */
export async function removeDhcp(host: DhcpHost, networkId: string, namespace: string, paths: DhcpPaths): Promise<void> {
  await host.daemons.stop(dnsmasqSpec(networkId, namespace, paths, []));
  await host.ip.removeNamespace(namespace);
  await rm(paths.dir, { recursive: true, force: true });
}
