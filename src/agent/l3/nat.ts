// A router's NAT as one nftables table (pure): DNAT of each floating IP to
// its fixed address, SNAT of a floating IP's fixed address to it, and SNAT of
// the router's internal subnets to its gateway address when enable_snat.
// The same rules are on every replica; only the master holds the addresses,
// so only the master's rules ever see traffic. Applied with `nft -f`, which
// replaces the table in one transaction.
//
// The same file holds a second table that keeps the router from sending MLD
// reports. A replica stepping down removes the IPv6 link-local keepalived
// gave its qr- device, and the kernel reports leaving the address's
// multicast group from the MAC every replica shares: the compute nodes'
// bridges then send the router's traffic to the replica that stepped down
// (measured: 2.4 s of lost pings after a split brain healed). The router
// needs no multicast listener state on its networks.
import type { SnapshotRouter } from '../../agent-api/protocol.js';
import { networkOf } from '../../domain/ip.js';
import { routerDeviceName } from './keepalived-conf.js';

export const NAT_TABLE = 'hanet-nat';
export const MLD_TABLE = 'hanet-no-mld';

const isV4 = (ip: string) => !ip.includes(':');

export function renderNat(router: SnapshotRouter): { text: string; rules: number } {
  const pre: string[] = [];
  const post: string[] = [];
  const gw = router.gateway;
  if (gw) {
    const qg = routerDeviceName('qg-', gw.id);
    for (const fip of router.floating_ips) {
      pre.push(`ip daddr ${fip.floating_ip_address} dnat to ${fip.fixed_ip_address}`);
      post.push(`oifname "${qg}" ip saddr ${fip.fixed_ip_address} snat to ${fip.floating_ip_address}`);
    }
    const external = gw.fixed_ips.find((ip) => isV4(ip.ip_address));
    if (gw.enable_snat && external) {
      for (const iface of router.interfaces) {
        for (const ip of iface.fixed_ips.filter((f) => isV4(f.ip_address))) {
          post.push(`oifname "${qg}" ip saddr ${networkOf(ip.ip_address, ip.prefixlen)!} snat to ${external.ip_address}`);
        }
      }
    }
  }
  const lines = [
    `table ip ${NAT_TABLE}`,
    `delete table ip ${NAT_TABLE}`,
    `table ip ${NAT_TABLE} {`,
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...pre.map((r) => `    ${r}`),
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...[...new Set(post)].map((r) => `    ${r}`),
    '  }',
    '}',
    `table ip6 ${MLD_TABLE}`,
    `delete table ip6 ${MLD_TABLE}`,
    `table ip6 ${MLD_TABLE} {`,
    '  chain output {',
    '    type filter hook output priority filter; policy accept;',
    '    icmpv6 type { mld-listener-report, mld-listener-done, mld2-listener-report } drop',
    '  }',
    '}',
  ];
  // `rules` counts the NAT table's rules only: what the agent checks for drift.
  return { text: `${lines.join('\n')}\n`, rules: pre.length + new Set(post).size };
}
