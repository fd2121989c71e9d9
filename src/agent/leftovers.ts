// What an earlier agent may have left on the node: the ids of resources that
// have a namespace (<prefix><id>) or a state directory (<dir>/<id>) here but
// are not wanted any more. The L3 and DHCP roles remove them.
import { existsSync, readdirSync } from 'node:fs';
import type { IpRoute2 } from '../linux/iproute2.js';

export async function findLeftovers(ip: IpRoute2, namespacePrefix: string, stateDir: string, wanted: ReadonlySet<string>): Promise<string[]> {
  const found = new Set<string>();
  for (const ns of await ip.listNamespaces()) if (ns.startsWith(namespacePrefix)) found.add(ns.slice(namespacePrefix.length));
  if (existsSync(stateDir)) for (const id of readdirSync(stateDir)) found.add(id);
  return [...found].filter((id) => !wanted.has(id));
}
