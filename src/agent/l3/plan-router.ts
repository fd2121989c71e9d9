// The L3 role's planner (pure): from what a router should be on this node and
// what its namespace holds now, the actions that close the gap. On a node
// that already matches (an agent restart), it plans nothing: keepalived is
// adopted, not restarted, and its addresses are left to it.
import type { DesiredRouter, RouterDevice } from './router-model.js';

export interface ObservedDevice {
  readonly ifname: string;
  readonly mac: string | undefined;
  readonly mtu: number;
  readonly up: boolean;
  readonly cidrs: readonly string[];
}

export interface ObservedRouter {
  readonly namespace: boolean;
  /** net.ipv4.ip_forward is on: the router sysctls were applied. */
  readonly sysctls: boolean;
  /** Devices in the namespace (lo excluded). */
  readonly devices: readonly ObservedDevice[];
  readonly keepalivedConf: string | undefined;
  readonly keepalivedRunning: boolean;
  /** The HA port's tap is in its bridge: the HA network reaches the other replicas. */
  readonly haPathUp: boolean;
  /** keepalived ran here before (a node back from the dead), so its peers may hold failed neighbour entries for it. */
  readonly keepalivedRanBefore: boolean;
  /** The ruleset file last applied, and the rules the table holds now (undefined: no table). */
  readonly natFile: string | undefined;
  readonly natRules: number | undefined;
  /** Legacy routers: destinations of the routes with a gateway ("default" included). */
  readonly routes: readonly { destination: string; via: string }[];
}

export type RouterAction =
  | { readonly kind: 'create-namespace' }
  | { readonly kind: 'set-sysctls' }
  | { readonly kind: 'remove-device'; readonly device: string }
  | { readonly kind: 'create-device'; readonly spec: RouterDevice }
  | { readonly kind: 'set-up'; readonly device: string }
  | { readonly kind: 'add-address'; readonly device: string; readonly cidr: string }
  | { readonly kind: 'remove-address'; readonly device: string; readonly cidr: string }
  | { readonly kind: 'write-keepalived-conf'; readonly text: string }
  /** Start (or adopt) keepalived; a start first reaches the peers over the HA network. */
  | { readonly kind: 'ensure-keepalived'; readonly haDevice: string; readonly peers: readonly string[] }
  /** The file changed under a running keepalived: SIGHUP (the executor spaces them out). */
  | { readonly kind: 'reload-keepalived' }
  | { readonly kind: 'stop-keepalived' }
  | { readonly kind: 'apply-nat'; readonly text: string }
  | { readonly kind: 'set-route'; readonly destination: string; readonly via: string }
  | { readonly kind: 'remove-route'; readonly destination: string; readonly via: string };

const ROUTER_DEVICE = /^(ha|qr|qg)-/;

export function planRouter(desired: DesiredRouter, observed: ObservedRouter): RouterAction[] {
  const actions: RouterAction[] = [];
  // A new namespace is made, and its loopback brought up, in the same
  // batches as its devices (apply-router.ts): two processes fewer per router.
  if (!observed.namespace) actions.push({ kind: 'create-namespace' });
  if (!observed.namespace) actions.push({ kind: 'set-up', device: 'lo' });

  const have = new Map(observed.devices.map((d) => [d.ifname, d]));
  const wanted = new Set(desired.devices.map((d) => d.device));
  for (const d of observed.devices) {
    if (ROUTER_DEVICE.test(d.ifname) && !wanted.has(d.ifname)) actions.push({ kind: 'remove-device', device: d.ifname });
  }
  for (const spec of desired.devices) {
    let current = have.get(spec.device);
    if (current && (current.mac !== spec.mac || current.mtu !== spec.mtu)) {
      // Another port under the same name (or a changed MTU): build it again.
      actions.push({ kind: 'remove-device', device: spec.device });
      current = undefined;
    }
    if (!current) actions.push({ kind: 'create-device', spec });
    else if (!current.up) actions.push({ kind: 'set-up', device: spec.device });
    const cidrs = new Set(current?.cidrs ?? []);
    for (const cidr of spec.cidrs) if (!cidrs.has(cidr)) actions.push({ kind: 'add-address', device: spec.device, cidr });
    // Only a legacy router's addresses are ours to remove; an HA router's belong to keepalived.
    if (desired.keepalivedConf === undefined) {
      for (const cidr of cidrs) if (!spec.cidrs.includes(cidr) && !cidr.startsWith('fe80:')) actions.push({ kind: 'remove-address', device: spec.device, cidr });
    }
  }

  // After the devices, which may make the namespace; before keepalived and
  // the NAT rules, the first to send or forward anything. The devices come up
  // without kernel-made link-locals either way (addrgenmode none each).
  if (!observed.namespace || !observed.sysctls) actions.push({ kind: 'set-sysctls' });

  if (desired.keepalivedConf !== undefined) {
    const changed = observed.keepalivedConf !== desired.keepalivedConf;
    if (changed) actions.push({ kind: 'write-keepalived-conf', text: desired.keepalivedConf });
    // A keepalived that cannot hear its peers becomes master at once: a second
    // master, which then takes over from the real one. Start it only once the
    // L2 role has plugged the HA port (the caller checks again shortly).
    if (!observed.keepalivedRunning) {
      // Only a replica that ran before has peers to remind of it (apply-router.ts, reachPeers).
      const peers = observed.keepalivedRanBefore ? desired.haPeers : [];
      if (observed.haPathUp) actions.push({ kind: 'ensure-keepalived', haDevice: desired.devices[0]!.device, peers });
    } else if (changed) {
      actions.push({ kind: 'reload-keepalived' });
    }
  } else if (observed.keepalivedRunning) {
    actions.push({ kind: 'stop-keepalived' });
  }

  if (observed.natFile !== desired.nat.text || observed.natRules !== desired.nat.rules) actions.push({ kind: 'apply-nat', text: desired.nat.text });

  const key = (r: { destination: string; via: string }) => `${r.destination} via ${r.via}`;
  const routes = new Set(observed.routes.map(key));
  const wantedRoutes = new Set(desired.routes.map(key));
  for (const r of desired.routes) if (!routes.has(key(r))) actions.push({ kind: 'set-route', ...r });
  if (desired.keepalivedConf === undefined) {
    for (const r of observed.routes) if (!wantedRoutes.has(key(r))) actions.push({ kind: 'remove-route', ...r });
  }
  return actions;
}

/**
 * What a pass that applied every action leaves behind, keepalived aside.
 * A router's pass soon after the agent's last one plans from this instead
 * of looking again (three processes in the namespace), reading just
 * keepalived and the tap (l3-role.ts).
 */
export function appliedState(desired: DesiredRouter, live: Pick<ObservedRouter, 'keepalivedRunning' | 'haPathUp' | 'keepalivedRanBefore'>): ObservedRouter {
  return {
    namespace: true,
    sysctls: true,
    devices: desired.devices.map((d) => ({ ifname: d.device, mac: d.mac, mtu: d.mtu, up: true, cidrs: d.cidrs })),
    keepalivedConf: desired.keepalivedConf,
    natFile: desired.nat.text,
    natRules: desired.nat.rules,
    routes: desired.routes,
    ...live,
  };
}
