// VRRP virtual router ids: unique within one HA network (one per project).
import { NoVRIDAvailable } from './errors.js';

export const VRID_MIN = 1;
export const VRID_MAX = 254;

/**
 * A random free VRID (Neutron picks randomly since Train, so that concurrent
 * creates rarely collide; a collision still hits the unique index and the
 * transaction is retried).
 */
export function pickVrid(used: ReadonlySet<number>, randomInt: (maxExclusive: number) => number): number {
  const free: number[] = [];
  for (let v = VRID_MIN; v <= VRID_MAX; v++) if (!used.has(v)) free.push(v);
  if (free.length === 0) throw new NoVRIDAvailable();
  return free[randomInt(free.length)]!;
}

/** The router's VIP on its HA interface: 169.254.0.<vrid>/24, as Neutron derives it. */
export function haVip(vrid: number): string {
  return `169.254.0.${vrid}/24`;
}
