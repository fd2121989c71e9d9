import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SnapshotDhcpNetwork, SnapshotDhcpSettings } from '../../agent-api/protocol.js';
import { dnsmasqArgv, mergeLeases, renderAddnHosts, renderHosts, renderOpts } from './dnsmasq-config.js';
import { desiredDhcp, dhcpPaths } from './dhcp-model.js';
import { type ObservedDhcp, planDhcp } from './plan-dhcp.js';

const NET = '3f3f6372-0c96-4521-9d60-2524c139ab72';
const SUBNET = '183a7323-a015-4eb5-8108-9e1295dfbe42';
const settings: SnapshotDhcpSettings = { lease_duration: 86400, dns_domain: 'openstacklocal', renewal_time: 0, rebinding_time: 0 };
const host = (port_id: string, mac_address: string, ip_address: string, subnet_id = SUBNET) => ({ port_id, mac_address, ip_address, subnet_id });

// Seed 000's network: three DHCP ports (.2 .3 .4) and, here, a VM's port.
const network: SnapshotDhcpNetwork = {
  id: NET,
  mtu: 1450,
  port: { id: 'f1509d9f-5704-4114-a81b-e328d1076419', network_id: NET, mac_address: 'fa:16:3e:d7:e4:22', mtu: 1450, fixed_ips: [{ subnet_id: SUBNET, ip_address: '192.168.200.3', prefixlen: 24 }] },
  subnets: [{ id: SUBNET, cidr: '192.168.200.0/24', ip_version: 4, gateway_ip: '192.168.200.1', enable_dhcp: true, dns_nameservers: [], host_routes: [] }],
  hosts: [
    host('05b08c68-4963-4003-ba83-46175bb72d24', 'fa:16:3e:98:b5:e4', '192.168.200.2'),
    host('97155ac6-9bc6-42ce-98a1-cb2c868868eb', 'fa:16:3e:f8:8c:4e', '192.168.200.4'),
    host('aaaaaaaa-0000-4000-8000-000000000005', 'fa:16:3e:e0:00:05', '192.168.200.10'),
    host('f1509d9f-5704-4114-a81b-e328d1076419', 'fa:16:3e:d7:e4:22', '192.168.200.3'),
  ],
  dhcp_addresses: ['192.168.200.2', '192.168.200.3', '192.168.200.4'],
};
const paths = dhcpPaths('/var/lib/hanet/agent', NET);

describe('dnsmasq files', () => {
  it('writes the host file as seed 000 shows it, one line per port', () => {
    assert.equal(
      renderHosts(network, 'openstacklocal'),
      [
        'fa:16:3e:98:b5:e4,host-192-168-200-2.openstacklocal,192.168.200.2',
        'fa:16:3e:f8:8c:4e,host-192-168-200-4.openstacklocal,192.168.200.4',
        'fa:16:3e:e0:00:05,host-192-168-200-10.openstacklocal,192.168.200.10',
        'fa:16:3e:d7:e4:22,host-192-168-200-3.openstacklocal,192.168.200.3',
        '',
      ].join('\n'),
    );
    assert.match(renderAddnHosts(network, 'example.org'), /^192\.168\.200\.2\thost-192-168-200-2\.example\.org host-192-168-200-2$/m);
  });

  it('names every DHCP port a DNS server when the subnet names none, in address order', () => {
    const tag = `tag:subnet-${SUBNET}`;
    assert.equal(renderOpts(network), `${tag},option:dns-server,192.168.200.2,192.168.200.3,192.168.200.4\n${tag},option:router,192.168.200.1\n`);
    const own = { ...network, subnets: [{ ...network.subnets[0]!, dns_nameservers: ['8.8.8.8'], gateway_ip: null }] };
    assert.equal(renderOpts(own), `${tag},option:dns-server,8.8.8.8\n${tag},option:router\n`);
  });

  it('sends host routes as classless static routes with the default route last', () => {
    const routed = { ...network, subnets: [{ ...network.subnets[0]!, host_routes: [{ destination: '10.9.0.0/16', nexthop: '192.168.200.9' }] }] };
    const opts = renderOpts(routed);
    assert.match(opts, /option:classless-static-route,10\.9\.0\.0\/16,192\.168\.200\.9,0\.0\.0\.0\/0,192\.168\.200\.1\n/);
    assert.match(opts, /,249,10\.9\.0\.0\/16,192\.168\.200\.9,0\.0\.0\.0\/0,192\.168\.200\.1\n/);
  });

  it('serves IPv4 subnets with DHCP on only', () => {
    const v6 = { id: 'v6', cidr: 'fd00::/64', ip_version: 6, gateway_ip: 'fd00::1', enable_dhcp: true, dns_nameservers: [], host_routes: [] };
    const off = { ...network.subnets[0]!, id: 'off', cidr: '10.0.0.0/24', enable_dhcp: false };
    const mixed = { ...network, subnets: [...network.subnets, v6, off], hosts: [...network.hosts, host('p6', 'fa:16:3e:00:00:66', 'fd00::5', 'v6'), host('p7', 'fa:16:3e:00:00:77', '10.0.0.5', 'off')] };
    assert.doesNotMatch(renderHosts(mixed, 'd'), /fd00|10\.0\.0\.5/);
    assert.equal(dnsmasqArgv(mixed, settings, { device: 'tapx', paths }).filter((a) => a.startsWith('--dhcp-range')).length, 1);
  });

  it("starts dnsmasq with seed 000's command line plus the tags, netmask, MTU and T1/T2", () => {
    const argv = dnsmasqArgv(network, { ...settings, renewal_time: 10, rebinding_time: 20 }, { device: 'tapf1509d9f-57', paths });
    const dir = `/var/lib/hanet/agent/dhcp/${NET}`;
    assert.deepEqual(argv, [
      'dnsmasq',
      '--no-hosts',
      '--no-resolv',
      '--strict-order',
      '--bind-interfaces',
      '--interface=tapf1509d9f-57',
      '--except-interface=lo',
      `--pid-file=${dir}/pid`,
      `--dhcp-hostsfile=${dir}/host`,
      `--addn-hosts=${dir}/addn_hosts`,
      `--dhcp-optsfile=${dir}/opts`,
      `--dhcp-leasefile=${dir}/leases`,
      `--dhcp-range=set:subnet-${SUBNET},192.168.200.0,static,255.255.255.0,86400s`,
      '--dhcp-option-force=option:mtu,1450',
      '--dhcp-option-force=option:T1,10',
      '--dhcp-option-force=option:T2,20',
      '--dhcp-lease-max=256',
      '--conf-file=/dev/null',
      '--domain=openstacklocal',
    ]);
    assert.ok(dnsmasqArgv(network, { ...settings, lease_duration: -1 }, { device: 't', paths }).some((a) => a.endsWith(',255.255.255.0,infinite')));
  });

  it("keeps dnsmasq's own leases of current ports, drops those of ports gone, and adds a never-expiring one for every other port", () => {
    const current = ['1800000000 fa:16:3e:e0:00:05 192.168.200.10 vm1 01:fa:16:3e:e0:00:05', '1800000000 fa:16:3e:00:00:99 192.168.200.99 gone *', 'duid 00:01:00:01'].join('\n');
    const merged = mergeLeases(current, network.hosts).split('\n');
    assert.deepEqual(merged, [
      '1800000000 fa:16:3e:e0:00:05 192.168.200.10 vm1 01:fa:16:3e:e0:00:05',
      'duid 00:01:00:01',
      '0 fa:16:3e:98:b5:e4 192.168.200.2 * *',
      '0 fa:16:3e:f8:8c:4e 192.168.200.4 * *',
      '0 fa:16:3e:d7:e4:22 192.168.200.3 * *',
      '',
    ]);
  });
});

describe('planDhcp', () => {
  const desired = desiredDhcp(network, settings, paths)!;
  const running: ObservedDhcp = {
    namespace: true,
    devices: [{ ifname: 'tapf1509d9f-57', mac: 'fa:16:3e:d7:e4:22', mtu: 1450, up: true, cidrs: ['192.168.200.3/24'] }],
    files: desired.files,
    leases: mergeLeases(undefined, desired.hosts),
    dnsmasqCommand: desired.argv.join(' '),
  };
  const kinds = (p: { actions: { kind: string }[] }) => p.actions.map((a) => a.kind);
  const now = { allowed: true, overdue: false };

  it('builds everything on an empty node, leases before dnsmasq', () => {
    const plan = planDhcp(desired, { namespace: false, devices: [], files: {}, leases: undefined, dnsmasqCommand: undefined }, now);
    assert.deepEqual(kinds(plan), ['create-namespace', 'create-device', 'add-address', 'write-file', 'write-file', 'write-file', 'write-leases', 'start-dnsmasq']);
  });

  it('plans nothing when all is in place (an agent restart adopts dnsmasq)', () => {
    assert.deepEqual(planDhcp(desired, running, now), { actions: [], restartDeferred: false });
  });

  it('reloads for changed options, and restarts once the files are written when a port was added, so its lease is here too', () => {
    const opts = planDhcp(desired, { ...running, files: { ...running.files, opts: 'old' } }, now);
    assert.deepEqual(kinds(opts), ['write-file', 'reload-dnsmasq']);
    const added = { ...network, hosts: [...network.hosts, host('bbbbbbbb-0000-4000-8000-000000000006', 'fa:16:3e:e0:00:06', '192.168.200.11')] };
    const d2 = desiredDhcp(added, settings, paths)!;
    // The host file reaches dnsmasq at once; the restart waits until the files stop changing.
    const deferred = planDhcp(d2, running, now);
    assert.deepEqual(kinds(deferred), ['write-file', 'write-file', 'reload-dnsmasq']);
    assert.equal(deferred.restartDeferred, true);
    const written = { ...running, files: d2.files };
    assert.deepEqual(kinds(planDhcp(d2, written, now)), ['stop-dnsmasq', 'write-leases', 'start-dnsmasq']);
    assert.deepEqual(kinds(planDhcp(d2, written, { allowed: false, overdue: false })), []);
    assert.deepEqual(kinds(planDhcp(d2, running, { allowed: false, overdue: true })), ['write-file', 'write-file', 'stop-dnsmasq', 'write-leases', 'start-dnsmasq']);
  });

  it('restarts dnsmasq when its command line changed, and at once when its device was replaced', () => {
    assert.deepEqual(kinds(planDhcp(desired, { ...running, dnsmasqCommand: 'dnsmasq --old' }, now)), ['stop-dnsmasq', 'write-leases', 'start-dnsmasq']);
    const wrongMac = { ...running, devices: [{ ...running.devices[0]!, mac: 'fa:16:3e:00:00:00' }] };
    assert.deepEqual(kinds(planDhcp(desired, wrongMac, { allowed: false, overdue: false })), ['remove-device', 'create-device', 'add-address', 'stop-dnsmasq', 'write-leases', 'start-dnsmasq']);
  });

  it("removes another port's device and fixes addresses", () => {
    const messy = { ...running, devices: [{ ...running.devices[0]!, cidrs: ['192.168.200.9/24'], up: false }, { ifname: 'tapold', mac: undefined, mtu: 1450, up: true, cidrs: [] }] };
    assert.deepEqual(
      planDhcp(desired, messy, now).actions.filter((a) => a.kind !== 'write-leases'),
      [
        { kind: 'remove-device', device: 'tapold' },
        { kind: 'set-up', device: 'tapf1509d9f-57' },
        { kind: 'add-address', device: 'tapf1509d9f-57', cidr: '192.168.200.3/24' },
        { kind: 'remove-address', device: 'tapf1509d9f-57', cidr: '192.168.200.9/24' },
      ],
    );
  });

  it('wants no DHCP server without a DHCP port or an IPv4 subnet with DHCP on', () => {
    assert.equal(desiredDhcp({ ...network, port: null }, settings, paths), undefined);
    assert.equal(desiredDhcp({ ...network, subnets: [{ ...network.subnets[0]!, enable_dhcp: false }] }, settings, paths), undefined);
  });
});
