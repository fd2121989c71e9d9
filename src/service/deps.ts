// What every service needs, injected once by the composition root.
import type { ServerConfig } from '../config/server-config.js';
import type { Db } from '../db/database.js';

export interface ServiceDeps {
  readonly db: Db;
  readonly config: Pick<ServerConfig, 'base_mac' | 'global_physnet_mtu' | 'vni_ranges' | 'flat_networks'>;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly randomByte: () => number;
}

/** API filters: attribute name → accepted values (a repeated query key gives several). */
export type Filters = Readonly<Record<string, readonly string[]>>;
