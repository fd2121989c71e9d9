// Seed 001 (Juju charms, "juju set neutron-api enable-l3ha=True"): three
// neutron-gateways, min = max = 2 L3 agents per router, an external network
// 10.5.0.0/16 with a pool from 10.5.150.0; the router's external address
// answers the upstream host, and moves when its master gateway is shut down.
import { existsSync } from 'node:fs';
import type { DemoRunner } from './demo-runner.js';
import { hostingAgents, oneActive, outageDuring } from './observe.js';

export const JUJU_NODES = ['net-0', 'net-1', 'net-2'];
export const JUJU_SETTINGS: Readonly<Record<string, string>> = {
  l3_ha: 'true',
  min_l3_agents_per_router: '2',
  max_l3_agents_per_router: '2',
  report_interval: '1',
  agent_down_time: '4',
};

export async function runJuju(demo: DemoRunner): Promise<void> {
  const api = demo.lab.client();
  const haConfs = (node: string, routerId: string) => `${demo.lab.paths.nodeDir(node)}/state/ha_confs/${routerId}`;

  demo.step('The networks: ext_net (flat on physnet1, the upstream host is 10.5.0.1) and private');
  await demo.hanet('net-create', 'ext_net', '--router:external', '--provider:network_type', 'flat', '--provider:physical_network', 'physnet1');
  await demo.hanet('subnet-create', '--name', 'ext_net_subnet', '--allocation-pool', 'start=10.5.150.0,end=10.5.200.254', '--gateway', '10.5.0.1', '--disable-dhcp', 'ext_net', '10.5.0.0/16');
  await demo.hanet('net-create', 'private');
  await demo.hanet('subnet-create', '--name', 'private_subnet', 'private', '192.168.21.0/24');
  await demo.hanet('net-list');
  const subnets = await demo.hanet('subnet-list');
  demo.check('ext_net pool 10.5.150.0 - 10.5.200.254', subnets.stdout.includes('{"start": "10.5.150.0", "end": "10.5.200.254"}'));

  demo.step('Three gateways with their L3 agents');
  const agents = await demo.hanet('agent-list');
  demo.check('three L3 agents alive', (agents.stdout.match(/\| L3 agent\s+\|.*\| :-\)/g) ?? []).length === 3);
  const privateId = (await api.find('networks', 'network', 'private')).id;
  await demo.waitFor('the DHCP namespace of private', 20_000, async () => {
    for (const node of JUJU_NODES) if ((await demo.on(node, 'ip netns list', { quiet: true })).includes(`qdhcp-${privateId}`)) return true;
    return undefined;
  });
  demo.say('\nNo router yet: the only namespace is the DHCP namespace of private, on one gateway:');
  let dhcpNamespaces = 0;
  for (const node of JUJU_NODES) if ((await demo.on(node, 'ip netns list')).includes('qdhcp-')) dhcpNamespaces++;
  demo.check('one qdhcp namespace (dhcp_agents_per_network = 1)', dhcpNamespaces === 1);

  demo.step('Create a HA router: it lands on two of the three gateways (min = max = 2)');
  const created = await demo.hanet('router-create', 'ha-router');
  demo.check('router created with ha True', /\| ha\s+\| True\s+\|/.test(created.stdout));
  const routerId = (await api.find('routers', 'router', 'ha-router')).id;
  demo.say('\nA router cannot be switched in and out of HA mode while it is up:');
  const update = await demo.hanet('router-update', 'ha-router', '--ha=False');
  demo.check('ha cannot be changed on an active router', update.code !== 0);
  const hosting = await demo.hanet('l3-agent-list-hosting-router', 'ha-router');
  demo.check('two L3 agents host the router', (hosting.stdout.match(/:-\)/g) ?? []).length === 2);
  const hosts = (await hostingAgents(api, routerId)).map((a) => a.host);
  let routerNamespaces = 0;
  for (const node of JUJU_NODES) if ((await demo.on(node, 'ip netns list')).includes(`qrouter-${routerId}`)) routerNamespaces++;
  demo.check('qrouter-<id> on two gateways', routerNamespaces === 2);
  demo.say('\nkeepalived talks over the HA network, created with the router:');
  await demo.hanet('net-list');
  await demo.hanet('port-list');
  const master = await demo.waitFor('one master', 20_000, () => oneActive(api, routerId));
  for (const node of hosts) await demo.on(node, `ip netns exec qrouter-${routerId} ip addr list | grep ha-`);
  demo.say('\nkeepalived tells each agent the state of its replica, which the agent records:');
  // The backup's keepalived may start a moment after the master's was reported.
  await demo.waitFor('both replicas to record their state', 10_000, async () => (hosts.every((node) => existsSync(`${haConfs(node, routerId)}/state`)) ? true : undefined));
  const states: string[] = [];
  for (const node of hosts) states.push((await demo.on(node, `cat ${haConfs(node, routerId)}/state`)).trim());
  demo.check('one master and one backup', states.sort().join() === 'backup,master', states.join(', '));

  demo.step('Plug the router into the networks');
  await demo.hanet('router-gateway-set', 'ha-router', 'ext_net');
  await demo.hanet('router-interface-add', 'ha-router', 'private_subnet');
  const show = await demo.hanet('router-show', 'ha-router');
  demo.check('external address 10.5.150.0', show.stdout.includes('"ip_address": "10.5.150.0"'));
  await demo.waitFor('10.5.150.0 on the master', 10_000, async () =>
    (await demo.on(master!, `ip netns exec qrouter-${routerId} ip addr list`, { quiet: true })).includes('10.5.150.0/16') ? true : undefined,
  );
  demo.say('\nThe master holds the router address, the backup does not:');
  const holders: string[] = [];
  for (const node of hosts) if ((await demo.on(node, `ip netns exec qrouter-${routerId} ip addr list | grep 10.5.150`)).includes('10.5.150.0/16')) holders.push(node);
  demo.check('10.5.150.0 on the master only', holders.length === 1 && holders[0] === master, holders.join(', '));
  const upstream = await demo.on('upstream', 'ping -c2 10.5.150.0');
  demo.check('upstream host pings 10.5.150.0', / 2 received/.test(upstream));
  demo.say('\n$ hanet lab vm create vm1 --network private');
  const vm = await demo.lab.vmCreate('vm1', { network: 'private' }, undefined);
  demo.say(`vm1 on ${vm.node}, port ${vm.portId}, address ${vm.ip} (by DHCP)`);
  const out = await demo.on('vm1', 'ping -c 2 -W 1 10.5.0.1');
  demo.check('VM reaches the upstream host through SNAT', / 2 received/.test(out), vm.ip);

  demo.step(`Shut down the master gateway (${master}) while the upstream host pings 10.5.150.0 every 10 ms`);
  demo.say(`\n$ hanet lab node kill ${master}`);
  const outage = await outageDuring(demo, 'upstream', '10.5.150.0', () => demo.lab.nodeKill(master!));
  demo.check('router address back within a second', outage !== undefined && outage < 1_000, outage === undefined ? 'no reply after the kill' : `outage ${outage} ms`);
  const other = hosts.find((h) => h !== master)!;
  const state = (await demo.on(other, `cat ${haConfs(other, routerId)}/state`)).trim();
  demo.check(`${other} is master now`, state === 'master', state);
  const moved = await demo.on(other, `ip netns exec qrouter-${routerId} ip addr list | grep 10.5.150`);
  demo.check('10.5.150.0 moved', moved.includes('10.5.150.0/16'), other);
  const again = await demo.on('upstream', 'ping -c2 10.5.150.0');
  demo.check('upstream host pings 10.5.150.0 again', / 2 received/.test(again));

  demo.step(`Bring ${master} back: it stays backup`);
  demo.say(`\n$ hanet lab node start ${master}`);
  await demo.lab.nodeStart(master!);
  await demo.waitFor(`${master} back as standby`, 30_000, async () =>
    (await hostingAgents(api, routerId)).some((a) => a.host === master && a.alive && a.ha_state === 'standby') ? true : undefined,
  );
  const back = (await demo.on(master!, `cat ${haConfs(master!, routerId)}/state`)).trim();
  demo.check(`${master} returned as backup`, back === 'backup', back);
  await demo.hanet('l3-agent-list-hosting-router', 'ha-router');
}
