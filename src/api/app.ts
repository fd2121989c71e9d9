// The Neutron v2.0 API as a Hono app: fetch(Request) → Response, with no
// socket of its own, so tests drive it in-process with app.request().
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { ExtensionNotFound, HTTPMethodNotAllowed, HTTPNotFound, NetworkNotFound, PortNotFound, SubnetNotFound } from '../domain/errors.js';
import { NETWORK_SPEC } from '../domain/network.js';
import { PORT_SPEC } from '../domain/port.js';
import { SUBNET_SPEC } from '../domain/subnet.js';
import type { Logger } from '../log.js';
import type { RequestContext } from '../service/context.js';
import type { NetworkService } from '../service/networks.js';
import type { PortService } from '../service/ports.js';
import type { SubnetService } from '../service/subnets.js';
import type { TagService } from '../service/tags.js';
import { registerCollection } from './collection-routes.js';
import type { ApiEnv } from './env.js';
import { createErrorHandler } from './error-handler.js';
import { EXTENSIONS } from './extensions.js';

export interface ApiDeps {
  readonly log: Logger;
  readonly networks: NetworkService;
  readonly subnets: SubnetService;
  readonly ports: PortService;
  readonly tags: TagService;
  /** Builds the caller's context from the request (noauth: always admin). */
  readonly authenticate: (req: Request) => Promise<Omit<RequestContext, 'requestId'>>;
}

const RESOURCES = [NETWORK_SPEC, SUBNET_SPEC, PORT_SPEC];

function origin(url: string): string {
  return new URL(url).origin;
}

export function createApp(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ strict: false });
  app.onError(createErrorHandler(deps.log));
  app.notFound(() => {
    throw new HTTPNotFound();
  });

  app.use('*', async (c, next) => {
    const requestId = `req-${randomUUID()}`;
    const started = performance.now();
    c.set('ctx', { ...(await deps.authenticate(c.req.raw)), requestId });
    await next();
    c.header('X-Openstack-Request-Id', requestId);
    deps.log.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: +(performance.now() - started).toFixed(2), requestId }, 'request');
  });

  // Version discovery: the path of the self link is what clients use as their base.
  app.get('/', (c) =>
    c.json({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${origin(c.req.url)}/v2.0/`, rel: 'self' }] }] }),
  );
  app.get('/v2.0', (c) =>
    c.json({
      resources: RESOURCES.map((r) => ({
        name: r.singular,
        collection: r.plural,
        links: [{ href: `${origin(c.req.url)}/v2.0/${r.plural}`, rel: 'self' }],
      })),
    }),
  );

  app.get('/v2.0/extensions', (c) => c.json({ extensions: EXTENSIONS }));
  app.get('/v2.0/extensions/:alias', (c) => {
    const found = EXTENSIONS.find((e) => e.alias === c.req.param('alias'));
    if (!found) throw new ExtensionNotFound(c.req.param('alias'));
    return c.json({ extension: found });
  });

  registerCollection(app, deps.tags, { spec: NETWORK_SPEC, notFound: (id) => new NetworkNotFound(id), service: deps.networks, taggedAs: 'networks' });
  registerCollection(app, deps.tags, { spec: SUBNET_SPEC, notFound: (id) => new SubnetNotFound(id), service: deps.subnets, taggedAs: 'subnets' });
  registerCollection(app, deps.tags, { spec: PORT_SPEC, notFound: (id) => new PortNotFound(id), service: deps.ports, taggedAs: 'ports' });

  // A known path with an unsupported method is a 405, as in Neutron.
  app.all('/v2.0/:collection{(networks|subnets|ports)}/:id?', (c) => {
    throw new HTTPMethodNotAllowed(c.req.method);
  });

  return app;
}
