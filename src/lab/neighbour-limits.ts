// The kernel keeps one ARP table and one NDP table for every network
// namespace of the machine, under machine-wide limits
// (net.ipv{4,6}.neigh.default.gc_thresh1/2/3: 128, 512 and 1024 here). A lab
// runs all its nodes on one kernel: with 100 HA routers the three nodes'
// router namespaces held about 700 entries, past gc_thresh2, and with 250
// they need about 1,500, past gc_thresh3. The table was then full: the
// kernel threw out entries that keepalived's unicast adverts were using and
// refused new ones (/proc/net/stat/arp_cache had counted some 800,000
// table_fulls and 430,000 discarded unresolved packets), so adverts waited
// for ARP or were lost. One real network node holds a third of that, and
// deployments raise these limits on network nodes. The lab raises them
// when it comes up, and never lowers them.
import { readFile, writeFile } from 'node:fs/promises';

const LIMITS = { gc_thresh1: 4096, gc_thresh2: 16384, gc_thresh3: 32768 } as const;

export async function raiseNeighbourLimits(): Promise<void> {
  for (const family of ['ipv4', 'ipv6']) {
    // gc_thresh3 first: the kernel wants thresh1 <= thresh2 <= thresh3 at every step.
    for (const [key, value] of Object.entries(LIMITS).reverse()) {
      const file = `/proc/sys/net/${family}/neigh/default/${key}`;
      if (Number((await readFile(file, 'utf8')).trim()) < value) await writeFile(file, `${value}\n`);
    }
  }
}
