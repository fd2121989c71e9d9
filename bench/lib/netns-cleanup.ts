// The kernel frees a deleted network namespace later, on its "netns"
// workqueue, and after a lab of hundreds of routers that takes minutes
// (seen: 4 min after 750 router namespaces). Meanwhile it holds the lock
// every netlink change takes, so a lab brought up then is slow or fails
// (node boot timeouts, routers never converging): the scale benchmark waits
// for it before the next lab, and says how long.
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from '../../src/lab/wait.js';

/** A kernel worker doing the netns workqueue's work shows it in its name: kworker/u8:1+netns. */
function namespaceCleanupRunning(): boolean {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (/^kworker\/.*\+netns$/.test(readFileSync(`/proc/${pid}/comm`, 'utf8').trim())) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

/** Resolves once no namespace cleanup has run for a second (or after `limitMs`); returns the seconds waited. */
export async function namespaceCleanupDone(limitMs = 15 * 60_000): Promise<number> {
  const start = Date.now();
  let quietSince = Date.now();
  while (Date.now() - quietSince < 1_000 && Date.now() - start < limitMs) {
    if (namespaceCleanupRunning()) quietSince = Date.now();
    await sleep(200);
  }
  return Math.round((Date.now() - start) / 100) / 10;
}
