// A port's device inside a namespace (a router's ha-/qr-/qg- device, a DHCP
// server's tap): one end of a veth, with the port's MAC, whose other end is
// the tap<port[:11]> on the node that the L2 role plugs into the bridge.
import type { IpRoute2 } from '../linux/iproute2.js';

export interface PortDeviceSpec {
  /** The device inside the namespace. */
  readonly device: string;
  /** Its peer on the node (may carry the same name: they live in different namespaces). */
  readonly tap: string;
  readonly mac: string;
  readonly mtu: number;
}

/**
 * Creates the veth with the MAC inside in one command (replacing a tap of
 * that name left from an earlier port), keeps IPv6 off the tap and brings
 * both ends up, in as few processes as iproute2 allows: a node sets up
 * thousands of these. `noLinkLocal`: no kernel-made IPv6 link-local
 * inside, e.g. for a router port whose MAC every replica shares.
 */
export async function createPortDevice(ip: IpRoute2, namespace: string, spec: PortDeviceSpec, options: { noLinkLocal?: boolean } = {}): Promise<void> {
  const { device, tap, mac, mtu } = spec;
  await ip.replaceVeth({ name: tap, peer: device, peerNamespace: namespace, peerMac: mac, mtu });
  // Before it goes up, or the kernel has already made one.
  if (options.noLinkLocal) await ip.setAddrGenMode(namespace, device, 'none');
  await ip.disableIpv6(undefined, tap);
  await ip.setUp(undefined, tap);
  await ip.setUp(namespace, device);
}
