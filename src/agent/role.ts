// What the node agent asks of each role (l2, l3, dhcp): the work items a
// snapshot implies, and one reconcile pass of an item. A pass observes the
// host, plans with a pure function and applies; it throws to be retried
// with backoff, and may ask to be looked at again later.
import type { HostSnapshot } from '../agent-api/protocol.js';

export interface SyncResult {
  /** Run this item again after that long even if nothing changes (e.g. a grace period ends). */
  readonly recheckInMs?: number | undefined;
}

export interface Role {
  readonly name: string;
  /** The items to reconcile for this snapshot, e.g. one per router; unique within the role. */
  keys(snapshot: HostSnapshot): readonly string[];
  /**
   * What an item depends on in the snapshot, as a string: an item whose
   * digest is the same as at its last successful pass is not run for a new
   * snapshot (a full resync runs it anyway). Without it, every snapshot runs
   * every item.
   */
  digest?(key: string, snapshot: HostSnapshot): string;
  /**
   * A cheap look at the host, without any process (files, sysfs, /proc):
   * false when an item whose part of the snapshot did not change is no
   * longer as its last pass left it. The periodic resync runs only the items
   * that fail it; a role without it has all its items run.
   */
  intact?(key: string, snapshot: HostSnapshot): Promise<boolean>;
  sync(key: string, snapshot: HostSnapshot): Promise<SyncResult | void>;
}

const indexes = new WeakMap<readonly { id: string }[], Map<string, { id: string }>>();

/**
 * The item of a snapshot list with this id, through an index made once per
 * list: roles look up each of their items in every snapshot, and a scan
 * would make that quadratic in the routers or networks of a node.
 */
export function findById<T extends { id: string }>(list: readonly T[], id: string): T | undefined {
  let index = indexes.get(list);
  if (!index) indexes.set(list, (index = new Map(list.map((item) => [item.id, item]))));
  return index.get(id) as T | undefined;
}
