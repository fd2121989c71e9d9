// Hono's typed per-request variables.
import type { RequestContext } from '../service/context.js';

export interface ApiEnv {
  Variables: {
    ctx: RequestContext;
  };
}
