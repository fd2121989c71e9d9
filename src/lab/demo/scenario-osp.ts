// Seed 000 (Red Hat OSP 7): three controllers run the L3 and DHCP agents
// active-active; a tenant network is served by three dnsmasq, an HA router
// by three keepalived; the active controller is shut down and comes back.
import type { DemoRunner } from './demo-runner.js';
import { hostingAgents, oneActive, outageDuring } from './observe.js';

export const OSP_NODES = ['net-0', 'net-1', 'net-2'];
export const OSP_SETTINGS: Readonly<Record<string, string>> = {
  l3_ha: 'true',
  max_l3_agents_per_router: '3',
  dhcp_agents_per_network: '3',
  // Short, so that the dead controller's agents show `xxx` within seconds.
  report_interval: '1',
  agent_down_time: '4',
};

export async function runOsp(demo: DemoRunner): Promise<void> {
  const api = demo.lab.client();
  const nodeDir = (node: string) => `${demo.lab.paths.nodeDir(node)}/state`;

  demo.step('The agents: an L3, a DHCP and a Linux bridge agent on each controller (net-0..2), a Linux bridge agent on compute-0');
  const agents = await demo.hanet('agent-list');
  demo.check('every agent alive', agents.code === 0 && !agents.stdout.includes('xxx') && (agents.stdout.match(/:-\)/g) ?? []).length === 10, '10 agents');

  demo.step('dhcp-agent HA: a tenant network with DHCP, dhcp_agents_per_network = 3');
  await demo.hanet('net-create', 'testdhcp');
  await demo.hanet('subnet-create', '--name', 'subnet-testdhcp', 'testdhcp', '192.168.200.0/24');
  const networkId = (await api.find('networks', 'network', 'testdhcp')).id;
  const hostFile = `dhcp/${networkId}/host`;
  await demo.waitFor('three dnsmasq with three DHCP ports in their host files', 20_000, async () => {
    const counts = await Promise.all(OSP_NODES.map((n) => demo.on(n, `cat ${nodeDir(n)}/${hostFile}`, { quiet: true })));
    return counts.every((c) => c.trim().split('\n').length === 3) ? true : undefined;
  });
  demo.say('\nThe same namespace is created on each controller:');
  let namespaces = 0;
  for (const node of OSP_NODES) if ((await demo.on(node, 'ip netns | grep qdhcp')).includes(`qdhcp-${networkId}`)) namespaces++;
  demo.check('qdhcp-<network> on all three controllers', namespaces === 3, `${namespaces} of 3`);
  demo.say('\nThree dnsmasq servers, one per controller, with the same command line:');
  let servers = 0;
  for (const node of OSP_NODES) if ((await demo.on(node, `ip netns exec qdhcp-${networkId} ps -ef | grep [d]nsmasq`)).includes(`--dhcp-hostsfile=${nodeDir(node)}/${hostFile}`)) servers++;
  demo.check('dnsmasq running on all three controllers', servers === 3, `${servers} of 3`);
  demo.say('\n...and the same hosts file:');
  const hosts: string[] = [];
  for (const node of OSP_NODES) hosts.push(await demo.on(node, `cat ${nodeDir(node)}/${hostFile}`));
  demo.check('identical host files', hosts.every((h) => h === hosts[0] && h !== ''), `${hosts[0]!.trim().split('\n').length} entries each`);
  demo.say('\nThree ports for the three DHCP server addresses:');
  const ports = await demo.hanet('port-list');
  const dhcpIps = ['192.168.200.2', '192.168.200.3', '192.168.200.4'];
  demo.check('DHCP ports .2 .3 .4', dhcpIps.every((ip) => ports.stdout.includes(`"ip_address": "${ip}"`)));
  await demo.hanet('dhcp-agent-list-hosting-net', 'testdhcp');

  demo.step('vRouter (l3-agent) HA: an HA router, l3_ha = True, l3_ha_net_cidr = 169.254.192.0/18');
  const created = await demo.hanet('router-create', 'testrouter');
  demo.check('router created with ha True', /\| ha\s+\| True\s+\|/.test(created.stdout));
  const routerId = (await api.find('routers', 'router', 'testrouter')).id;
  demo.say('\nAn "HA network" is created for the project:');
  const nets = await demo.hanet('net-list');
  demo.check('HA network 169.254.192.0/18', /HA network tenant \S+ .*169\.254\.192\.0\/18/.test(nets.stdout));
  demo.say('\nThree HA ports on it, one per controller:');
  const haPorts = await demo.hanet('router-port-list', 'testrouter');
  demo.check('three HA ports', (haPorts.stdout.match(/HA port tenant/g) ?? []).length === 3);
  const active = await demo.waitFor('one active replica', 20_000, () => oneActive(api, routerId));
  demo.say('\nkeepalived runs for the router on every controller:');
  for (const node of OSP_NODES) await demo.on(node, 'ps -ef | grep [k]eepalived');
  const conf = `${nodeDir(active ?? OSP_NODES[0]!)}/ha_confs/${routerId}/keepalived.conf`;
  const confText = await demo.on(active ?? OSP_NODES[0]!, `cat ${conf}`);
  const hosting = await demo.hanet('l3-agent-list-hosting-router', 'testrouter');
  demo.check('one active and two standby replicas', (hosting.stdout.match(/\| active\s+\|/g) ?? []).length === 1 && (hosting.stdout.match(/\| standby\s+\|/g) ?? []).length === 2);
  const vip = /(169\.254\.0\.\d+\/24) dev ha-/.exec(confText)?.[1] ?? '169.254.0.?';
  demo.say(`\nThe VIP ${vip} (169.254.0.<virtual_router_id>) is on the active controller only:`);
  const vipHolders: string[] = [];
  for (const node of OSP_NODES) if ((await demo.on(node, `ip netns exec qrouter-${routerId} ip a | grep " inet 16"`)).includes(vip)) vipHolders.push(node);
  demo.check('VIP on the active controller only', vipHolders.length === 1 && vipHolders[0] === active, vipHolders.join(', ') || 'nowhere');

  demo.step('Add the testdhcp network to testrouter');
  await demo.hanet('router-interface-add', 'testrouter', 'subnet-testdhcp');
  await demo.waitFor('the gateway address on the active controller', 10_000, async () =>
    (await demo.on(active!, `ip netns exec qrouter-${routerId} ip a`, { quiet: true })).includes('192.168.200.1/24') ? true : undefined,
  );
  const gw = await demo.on(active!, `ip netns exec qrouter-${routerId} ip a | grep " inet "`);
  demo.check('gateway 192.168.200.1 on the active controller', gw.includes('192.168.200.1/24'), active);
  demo.say('\nkeepalived.conf now holds the gateway address too:');
  await demo.on(active!, `cat ${conf}`);

  demo.step('A VM on compute-0 takes its address by DHCP and pings its gateway');
  demo.say('\n$ hanet lab vm create vm1 --network testdhcp');
  const vm = await demo.lab.vmCreate('vm1', { network: 'testdhcp' }, undefined);
  demo.say(`vm1 on ${vm.node}, port ${vm.portId}, address ${vm.ip}`);
  await demo.on('compute-0', `tail -n 1 ${demo.lab.paths.vmDir('vm1')}/dhcp.log`);
  demo.check('VM got its address, gateway and DNS servers by DHCP', /reason=BOUND .*routers=192\.168\.200\.1 dns=192\.168\.200\.2 192\.168\.200\.3 192\.168\.200\.4/.test(await demo.on('compute-0', `cat ${demo.lab.paths.vmDir('vm1')}/dhcp.log`, { quiet: true })), vm.ip);
  let ping = await demo.on('vm1', 'ping -c 3 -i 0.2 -W 1 192.168.200.1');
  // Once more if a reply was lost: on a machine running other labs a first ARP can be slow.
  if (!/ 3 received/.test(ping)) ping = await demo.on('vm1', 'ping -c 3 -i 0.2 -W 1 192.168.200.1');
  demo.check('VM pings its gateway', / 3 received/.test(ping));

  demo.step(`Shut down the active controller (${active}) while the VM pings its gateway every 10 ms`);
  demo.say(`\n$ hanet lab node kill ${active}`);
  const outage = await outageDuring(demo, 'vm1', '192.168.200.1', () => demo.lab.nodeKill(active!));
  demo.check('gateway back within a second', outage !== undefined && outage < 1_000, outage === undefined ? 'no reply after the kill' : `outage ${outage} ms`);
  const survivors = OSP_NODES.filter((n) => n !== active);
  const next = await demo.waitFor(`another active replica and ${active}'s agent dead`, 20_000, async () => {
    const agentsNow = await hostingAgents(api, routerId);
    const dead = agentsNow.find((a) => a.host === active && !a.alive);
    const next = await oneActive(api, routerId, survivors);
    return dead && next ? next : undefined;
  });
  const after = await demo.hanet('l3-agent-list-hosting-router', 'testrouter');
  demo.check('new active on another controller, the dead agent xxx', next !== undefined && after.stdout.includes('xxx'), next);
  if (next) {
    const moved = await demo.on(next, `ip netns exec qrouter-${routerId} ip a | grep " inet "`);
    demo.check('VIP and gateway moved to the new active', moved.includes(vip) && moved.includes('192.168.200.1/24'), next);
  }

  demo.step(`Bring ${active} back online`);
  demo.say(`\n$ hanet lab node start ${active}`);
  await demo.lab.nodeStart(active!);
  await demo.waitFor(`${active} back as standby`, 30_000, async () =>
    (await hostingAgents(api, routerId)).some((a) => a.host === active && a.alive && a.ha_state === 'standby') ? true : undefined,
  );
  const back = await demo.hanet('l3-agent-list-hosting-router', 'testrouter');
  demo.check(`${active} alive again, and standby`, new RegExp(`\\| ${active}\\s+\\| True\\s+\\| :-\\)\\s+\\| standby`).test(back.stdout));
  const left = await demo.on(active!, `ip netns exec qrouter-${routerId} ip a | grep " inet "`);
  demo.check('the returned controller holds no VIP', !left.includes(vip) && !left.includes('192.168.200.1/24'));
}
