// Pure rules for a network's provider attributes (ML2 type drivers vxlan and
// flat) and its MTU.
import { InvalidInput } from './errors.js';
import type { NetworkType } from './network.js';

export interface SegmentRequest {
  readonly networkType?: string;
  readonly physicalNetwork?: string | null;
  readonly segmentationId?: number | null;
}

export type PlannedSegment =
  | { readonly type: 'vxlan'; readonly vni: number | 'allocate' }
  | { readonly type: 'flat'; readonly physicalNetwork: string };

export interface SegmentSettings {
  readonly vni_ranges: readonly (readonly [number, number])[];
  readonly flat_networks: readonly string[];
}

/** Validates provider attributes; a tenant network without them gets a VXLAN VNI. */
export function planSegment(req: SegmentRequest, settings: SegmentSettings): PlannedSegment {
  const physnet = req.physicalNetwork ?? null;
  const segId = req.segmentationId ?? null;
  if (req.networkType === undefined) {
    if (physnet !== null || segId !== null) {
      throw new InvalidInput('provider:network_type required');
    }
    return { type: 'vxlan', vni: 'allocate' };
  }
  switch (req.networkType) {
    case 'vxlan':
      if (physnet !== null) throw new InvalidInput('provider:physical_network specified for VXLAN network');
      if (segId !== null && (segId < 1 || segId > 2 ** 24 - 1)) {
        throw new InvalidInput(`segmentation_id out of range (1 through ${2 ** 24 - 1})`);
      }
      return { type: 'vxlan', vni: segId ?? 'allocate' };
    case 'flat':
      if (segId !== null) throw new InvalidInput('provider:segmentation_id specified for flat network');
      if (physnet === null) throw new InvalidInput('provider:physical_network required for flat provider network');
      if (!settings.flat_networks.includes('*') && !settings.flat_networks.includes(physnet)) {
        throw new InvalidInput(`physical_network '${physnet}' unknown for flat provider network`);
      }
      return { type: 'flat', physicalNetwork: physnet };
    default:
      throw new InvalidInput(`network_type value '${req.networkType}' not supported`);
  }
}

/** The lowest VNI in the configured ranges that is not in use. */
export function pickFreeVni(ranges: SegmentSettings['vni_ranges'], used: ReadonlySet<number>): number | undefined {
  for (const [lo, hi] of ranges) {
    for (let vni = lo; vni <= hi; vni++) if (!used.has(vni)) return vni;
  }
  return undefined;
}

/** VXLAN over IPv4 costs 50 bytes of the physical MTU. */
export function maxMtu(type: NetworkType, physnetMtu: number): number {
  return type === 'vxlan' ? physnetMtu - 50 : physnetMtu;
}
