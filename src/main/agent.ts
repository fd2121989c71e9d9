// `hanet agent`: one per node. Registers its roles, heartbeats, watches its
// snapshot and reconciles the node through the roles it runs. Stopping it
// (SIGTERM/SIGINT) leaves the data plane as it is: bridges, namespaces and
// daemons keep forwarding, and the next agent adopts them.
import { mkdirSync } from 'node:fs';
import type { ReportRequest } from '../agent-api/protocol.js';
import { DhcpRole } from '../agent/dhcp/dhcp-role.js';
import { L2Role } from '../agent/l2/l2-role.js';
import { linkEventNeedsL2 } from '../agent/l2/plan-l2.js';
import { L3Role } from '../agent/l3/l3-role.js';
import { NodeAgent } from '../agent/node-agent.js';
import type { Role } from '../agent/role.js';
import { AgentRuntime } from '../agent/runtime/agent-runtime.js';
import { AgentClient } from '../client/agent-client.js';
import type { AgentConfig } from '../config/agent-config.js';
import { DaemonSupervisor } from '../linux/daemon.js';
import { exec, useSpawner } from '../linux/exec.js';
import { IpRoute2 } from '../linux/iproute2.js';
import { LinkMonitor } from '../linux/link-monitor.js';
import { Spawner } from '../linux/spawner.js';
import { Sysctl } from '../linux/sysctl.js';
import type { Logger } from '../log.js';

export interface RunningAgent {
  stop(): Promise<void>;
}

/** What each role tells the server about itself (an agent's `configurations`). */
function reportedRoles(config: AgentConfig): ReportRequest['roles'] {
  return config.roles.map((role) => {
    switch (role) {
      case 'l2':
        return { role, configurations: { tunnel_ip: config.local_ip, tunnel_types: ['vxlan'], interface_mappings: config.physical_interface_mappings } };
      case 'l3':
        return { role, configurations: { agent_mode: 'legacy', ha_state_reporting: true } };
      case 'dhcp':
        return { role, configurations: { dhcp_driver: 'dnsmasq' } };
    }
  });
}

export async function startAgent(config: AgentConfig, log: Logger): Promise<RunningAgent> {
  mkdirSync(config.state_path, { recursive: true });
  // Commands are forked by a small helper process, not by the agent (spawner.ts).
  const spawner = new Spawner();
  useSpawner(spawner);
  const client = new AgentClient({ server: config.server, token: config.agent_token });
  const ip = new IpRoute2();
  const roles: Role[] = [];
  if (config.roles.includes('l2')) {
    roles.push(
      new L2Role({
        ip,
        localIp: config.local_ip,
        physicalInterfaces: config.physical_interface_mappings,
        reportPorts: (ports) => client.reportPortStatus(config.host, { ports }),
        log: log.child({ role: 'l2' }),
      }),
    );
  }
  const daemons = new DaemonSupervisor({ log: log.child({ component: 'daemons' }) });
  let l3: L3Role | undefined;
  if (config.roles.includes('l3')) {
    l3 = new L3Role({
      host: { ip, sysctl: new Sysctl(), exec, daemons },
      statePath: config.state_path,
      reportStates: (states) => client.reportHaStates(config.host, { states }),
      poke: (routerId) => node.poke('l3', routerId),
      log: log.child({ role: 'l3' }),
    });
    roles.push(l3);
  }
  if (config.roles.includes('dhcp')) {
    roles.push(new DhcpRole({ host: { ip, daemons }, statePath: config.state_path, logDir: config.dnsmasq_base_log_dir, log: log.child({ role: 'dhcp' }) }));
  }
  const node = new NodeAgent({ roles, log });
  const monitor = config.roles.includes('l2')
    ? new LinkMonitor({
        onChange: (lines) => {
          if (lines.some(linkEventNeedsL2)) node.poke('l2', 'host');
          l3?.linksChanged();
        },
        log,
      })
    : undefined;
  monitor?.start();
  const runtime = new AgentRuntime({
    server: client,
    host: config.host,
    roles: reportedRoles(config),
    onSnapshot: (snapshot, { resync }) => node.apply(snapshot, { resync }),
    resyncIntervalMs: config.resync_interval * 1000,
    log,
  });
  runtime.start();
  log.info({ host: config.host, roles: config.roles, server: config.server }, 'agent started');
  return {
    async stop() {
      monitor?.close();
      await runtime.stop();
      await node.stop();
      l3?.close();
      // Leaves keepalived and dnsmasq running: the next agent adopts them.
      await daemons.close();
      useSpawner(undefined);
      await spawner.close();
    },
  };
}
