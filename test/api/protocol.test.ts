// Version discovery, extensions, and how every kind of bad request is answered:
// a Neutron error body with a 4xx, never a 500, never a change.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(() => api.close());
beforeEach(() => api.reset());

describe('discovery', () => {
  it('GET / points clients at /v2.0/ on this server', async () => {
    const res = await api.get('/');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: 'http://127.0.0.1:9696/v2.0/', rel: 'self' }] }] });
  });
  it('GET /v2.0/ lists the collections', async () => {
    const res = await api.get('/v2.0/');
    assert.deepEqual(res.body.resources.map((r: { collection: string }) => r.collection), ['networks', 'subnets', 'ports', 'routers', 'floatingips', 'agents']);
  });
  it('lists extensions and shows one by alias, identically', async () => {
    const list = (await api.get('/v2.0/extensions')).body.extensions;
    const aliases = list.map((e: { alias: string }) => e.alias);
    for (const alias of ['external-net', 'provider', 'binding', 'net-mtu', 'standard-attr-tag', 'project-id']) assert.ok(aliases.includes(alias), alias);
    assert.ok(!aliases.includes('dvr'), 'distributed routers are not served, so not advertised');
    const one = await api.get('/v2.0/extensions/provider');
    assert.deepEqual(one.body.extension, list.find((e: { alias: string }) => e.alias === 'provider'));
    const missing = await api.get('/v2.0/extensions/dvr');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.NeutronError.message, 'Extension with alias dvr does not exist');
  });
});

describe('bad input', () => {
  const cases: [string, string, unknown, number, string][] = [
    ['POST', '/v2.0/networks', '{"network": {"name": ', 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/networks', '', 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/networks', '[]', 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/networks', { network: 'x' }, 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/networks', { network: { name: 12 } }, 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/networks', { network: { shared: 'sometimes' } }, 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/networks', { network: { bogus: true } }, 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/networks', { networks: [] }, 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan' } }, 400, 'InvalidInput'],
    ['POST', '/v2.0/subnets', { subnet: { network_id: 'not-a-uuid', cidr: '10.0.0.0/24', ip_version: 4 } }, 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/subnets', { subnet: { network_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1', cidr: 'banana', ip_version: 4 } }, 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/subnets', { subnet: { network_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1', cidr: '10.0.0.0/24', ip_version: '4x' } }, 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/ports', { port: { network_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1', fixed_ips: 'all' } }, 400, 'HTTPBadRequest'],
    ['POST', '/v2.0/ports', { port: { network_id: '7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1' } }, 404, 'NetworkNotFound'],
    ['PUT', '/v2.0/networks/7a2ddc3c-7a1b-4bb4-9c49-4d9b51f0b5a1', { network: { name: 'x' } }, 404, 'NetworkNotFound'],
    ['GET', '/v2.0/networks/testdhcp', undefined, 404, 'NetworkNotFound'],
    ['GET', '/v2.0/subnets/subnet-testdhcp', undefined, 404, 'SubnetNotFound'],
    ['GET', '/v2.0/ports/p1', undefined, 404, 'PortNotFound'],
    ['DELETE', '/v2.0/networks/%27%3B%20DROP%20TABLE%20networks', undefined, 404, 'NetworkNotFound'],
    ['GET', '/v2.0/networks?limit=ten', undefined, 400, 'BadRequest'],
    ['GET', '/v2.0/qos/policies', undefined, 404, 'HTTPNotFound'],
    ['PATCH', '/v2.0/networks', undefined, 405, 'HTTPMethodNotAllowed'],
  ];
  for (const [method, path, body, status, type] of cases) {
    it(`${method} ${path} ${typeof body === 'string' ? JSON.stringify(body) : JSON.stringify(body) ?? ''} → ${status} ${type}`, async () => {
      const res = await api.request(method, path, body);
      assert.equal(res.status, status, res.text);
      assert.equal(res.body?.NeutronError?.type, type, res.text);
      assert.equal(typeof res.body.NeutronError.message, 'string');
      assert.equal(res.body.NeutronError.detail, '');
    });
  }
  it('left nothing behind', async () => {
    for (const [method, path, body] of cases) await api.request(method, path, body);
    assert.deepEqual((await api.get('/v2.0/networks')).body, { networks: [] });
    assert.deepEqual((await api.get('/v2.0/ports')).body, { ports: [] });
  });
});
