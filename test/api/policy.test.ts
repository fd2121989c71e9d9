// Project isolation with auth_strategy = keystone: two projects (alice in
// "demo", bob in "other") and the admin. Every resource type × list, show,
// update, delete, and creates that refer to another project's network,
// subnet or port; admin-only attributes; the reader role; agents and the
// scheduler endpoints.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadServerConfig } from '../../src/config/server-config.js';
import { silentLogger } from '../../src/log.js';
import { composeApi, type ComposedApi } from '../../src/main/compose-api.js';
import { openTestDatabase } from './harness.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let composed: ComposedApi;
const token: Record<'admin' | 'alice' | 'bob' | 'rita', string> = { admin: '', alice: '', bob: '', rita: '' };
type Who = keyof typeof token;

async function call(who: Who, method: string, path: string, body?: unknown) {
  const res = await composed.app.request(`http://127.0.0.1:9696${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-auth-token': token[who] },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}
async function ok(who: Who, method: string, path: string, body?: unknown) {
  const res = await call(who, method, path, body);
  assert.ok(res.status < 300, `${who} ${method} ${path}: ${res.status} ${res.text}`);
  return res.body;
}

/** A simulated L3 and DHCP agent on `host`, over the agent protocol. */
async function reportAgent(host: string): Promise<void> {
  const res = await composed.app.request('http://127.0.0.1:9696/agent/v1/report', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer agent-secret' },
    body: JSON.stringify({ host, roles: [{ role: 'l3', configurations: {} }, { role: 'dhcp', configurations: {} }] }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** What alice owns, made by alice. */
const alices = { network: '', subnet: '', port: '', router: '', floatingip: '' };
let sharedNetwork = '';
let externalNetwork = '';

before(async () => {
  database = await openTestDatabase();
  const config = loadServerConfig({ overrides: { state_path: '/nonexistent', agent_token: 'agent-secret', auth_strategy: 'keystone', admin_password: 'secret', l3_ha: 'false' } });
  composed = await composeApi({ db: database.db, config, log: silentLogger() });
  const id = composed.identity!;
  await id.createProject('demo');
  await id.createProject('other');
  await id.createUser({ name: 'alice', password: 'a', project: 'demo', role: 'member' });
  await id.createUser({ name: 'rita', password: 'r', project: 'demo', role: 'reader' });
  await id.createUser({ name: 'bob', password: 'b', project: 'other', role: 'member' });
  for (const [who, password, project] of [['admin', 'secret', 'admin'], ['alice', 'a', 'demo'], ['rita', 'r', 'demo'], ['bob', 'b', 'other']] as const) {
    token[who] = (await id.issue({ method: 'password', user: { name: who }, password }, { name: project })).token;
  }
  externalNetwork = (await ok('admin', 'POST', '/v2.0/networks', { network: { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' } })).network.id;
  await ok('admin', 'POST', '/v2.0/subnets', { subnet: { network_id: externalNetwork, cidr: '10.5.0.0/16', ip_version: 4, enable_dhcp: false } });
  sharedNetwork = (await ok('admin', 'POST', '/v2.0/networks', { network: { name: 'shared', shared: true } })).network.id;
  await ok('admin', 'POST', '/v2.0/subnets', { subnet: { network_id: sharedNetwork, cidr: '10.9.0.0/24', ip_version: 4 } });
  await ok('admin', 'POST', '/v2.0/networks', { network: { name: 'admin-only' } });

  alices.network = (await ok('alice', 'POST', '/v2.0/networks', { network: { name: 'private' } })).network.id;
  alices.subnet = (await ok('alice', 'POST', '/v2.0/subnets', { subnet: { network_id: alices.network, cidr: '192.168.21.0/24', ip_version: 4 } })).subnet.id;
  alices.port = (await ok('alice', 'POST', '/v2.0/ports', { port: { network_id: alices.network, name: 'vm' } })).port.id;
  alices.router = (await ok('alice', 'POST', '/v2.0/routers', { router: { name: 'r', external_gateway_info: { network_id: externalNetwork } } })).router.id;
  await ok('alice', 'PUT', `/v2.0/routers/${alices.router}/add_router_interface`, { subnet_id: alices.subnet });
  alices.floatingip = (await ok('alice', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: externalNetwork, port_id: alices.port } })).floatingip.id;
});
after(() => database.close());

const COLLECTIONS = [
  ['networks', 'network', 'name'],
  ['subnets', 'subnet', 'name'],
  ['ports', 'port', 'name'],
  ['routers', 'router', 'name'],
  ['floatingips', 'floatingip', 'description'],
] as const;

describe("another project's resources do not exist for bob", () => {
  for (const [plural, singular, field] of COLLECTIONS) {
    it(`${plural}: list, show, update, delete`, async () => {
      const id = alices[singular];
      const list = (await ok('bob', 'GET', `/v2.0/${plural}`))[plural] as { id: string }[];
      assert.ok(!list.some((r) => r.id === id), `bob's ${plural} list hides alice's`);
      assert.ok(((await ok('alice', 'GET', `/v2.0/${plural}`))[plural] as { id: string }[]).some((r) => r.id === id), 'alice sees her own');
      assert.equal((await call('bob', 'GET', `/v2.0/${plural}/${id}`)).status, 404);
      assert.equal((await call('bob', 'PUT', `/v2.0/${plural}/${id}`, { [singular]: { [field]: 'x' } })).status, 404);
      assert.equal((await call('bob', 'DELETE', `/v2.0/${plural}/${id}`)).status, 404);
      assert.equal((await call('bob', 'GET', `/v2.0/${plural}/${id}/tags`)).status, 404);
      assert.equal((await call('admin', 'GET', `/v2.0/${plural}/${id}`)).status, 200, 'the admin sees everything');
    });
  }

  it("cannot create on alice's network, with her subnet, or point at her port", async () => {
    assert.equal((await call('bob', 'POST', '/v2.0/ports', { port: { network_id: alices.network } })).status, 404);
    assert.equal((await call('bob', 'POST', '/v2.0/subnets', { subnet: { network_id: alices.network, cidr: '10.7.0.0/24', ip_version: 4 } })).status, 404);
    const bobsRouter = (await ok('bob', 'POST', '/v2.0/routers', { router: { name: 'b' } })).router.id;
    assert.equal((await call('bob', 'PUT', `/v2.0/routers/${bobsRouter}/add_router_interface`, { subnet_id: alices.subnet })).status, 404);
    assert.equal((await call('bob', 'PUT', `/v2.0/routers/${alices.router}/add_router_interface`, { subnet_id: alices.subnet })).status, 404);
    assert.equal((await call('bob', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: externalNetwork, port_id: alices.port } })).status, 404);
    const bobsFip = (await ok('bob', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: externalNetwork } })).floatingip.id;
    assert.equal((await call('bob', 'PUT', `/v2.0/floatingips/${bobsFip}`, { floatingip: { port_id: alices.port } })).status, 404, 'nor associate his floating IP with her port');
    assert.equal((await call('bob', 'POST', '/v2.0/networks', { network: { name: 'n', project_id: 'somebody-else' } })).status, 403);
  });

  it('sees shared and external networks, a shared network\'s subnets but not an external one\'s, and may not change them', async () => {
    const names = ((await ok('bob', 'GET', '/v2.0/networks')).networks as { name: string }[]).map((n) => n.name).sort();
    assert.deepEqual(names, ['ext', 'shared']);
    const cidrs = ((await ok('bob', 'GET', '/v2.0/subnets')).subnets as { cidr: string }[]).map((s) => s.cidr);
    assert.deepEqual(cidrs, ['10.9.0.0/24']);
    assert.equal((await call('bob', 'POST', '/v2.0/ports', { port: { network_id: sharedNetwork } })).status, 201, 'ports on a shared network are fine');
    assert.equal((await call('bob', 'PUT', `/v2.0/networks/${sharedNetwork}`, { network: { name: 'mine' } })).status, 403);
    assert.equal((await call('bob', 'POST', '/v2.0/subnets', { subnet: { network_id: sharedNetwork, cidr: '10.9.1.0/24', ip_version: 4 } })).status, 403);
  });
});

describe('admin-only attributes', () => {
  it('are hidden from non-admins and may not be set by them', async () => {
    const network = (await ok('alice', 'GET', `/v2.0/networks/${alices.network}`)).network;
    assert.equal(network['provider:network_type'], undefined);
    assert.equal((await ok('admin', 'GET', `/v2.0/networks/${alices.network}`)).network['provider:network_type'], 'vxlan');
    const router = (await ok('alice', 'GET', `/v2.0/routers/${alices.router}`)).router;
    assert.equal(router.ha, undefined);
    assert.equal(router.distributed, undefined);
    const port = (await ok('alice', 'GET', `/v2.0/ports/${alices.port}`)).port;
    assert.equal(port['binding:host_id'], undefined);
    for (const [path, body] of [
      ['/v2.0/routers', { router: { name: 'x', ha: true } }],
      ['/v2.0/networks', { network: { name: 'x', 'provider:network_type': 'vxlan' } }],
      ['/v2.0/ports', { port: { network_id: alices.network, 'binding:host_id': 'net-0' } }],
    ] as const) {
      const res = await call('alice', 'POST', path, body);
      assert.equal(res.status, 403, res.text);
      assert.equal(res.body.NeutronError.type, 'PolicyNotAuthorized');
    }
    assert.equal((await call('alice', 'PUT', `/v2.0/routers/${alices.router}`, { router: { ha: true, admin_state_up: false } })).status, 403);
    const snat = { router: { external_gateway_info: { network_id: externalNetwork, enable_snat: false } } };
    assert.equal((await call('alice', 'PUT', `/v2.0/routers/${alices.router}`, snat)).status, 403, 'enable_snat is the admin\'s');
    assert.equal((await call('admin', 'PUT', `/v2.0/routers/${alices.router}`, snat)).status, 200);
  });

  it('the HA network and ports stay invisible to the project', async () => {
    for (const host of ['net-a', 'net-b']) await reportAgent(host);
    const haRouter = (await ok('admin', 'POST', `/v2.0/routers`, { router: { name: 'ha', ha: true, project_id: (await composed.identity!.findProject('demo')).id } })).router;
    assert.ok(haRouter.id);
    const names = ((await ok('alice', 'GET', '/v2.0/networks')).networks as { name: string }[]).map((n) => n.name);
    assert.ok(!names.some((n) => n.startsWith('HA network')), names.join());
    const owners = ((await ok('alice', 'GET', '/v2.0/ports')).ports as { device_owner: string }[]).map((p) => p.device_owner);
    assert.ok(!owners.includes('network:router_ha_interface'));
  });
});

describe('roles and agents', () => {
  it('a reader reads and changes nothing', async () => {
    assert.equal((await call('rita', 'GET', `/v2.0/networks/${alices.network}`)).status, 200);
    assert.equal((await call('rita', 'POST', '/v2.0/networks', { network: { name: 'r' } })).status, 403);
    assert.equal((await call('rita', 'PUT', `/v2.0/networks/${alices.network}`, { network: { name: 'r' } })).status, 403);
    assert.equal((await call('rita', 'DELETE', `/v2.0/ports/${alices.port}`)).status, 403);
    assert.equal((await call('rita', 'PUT', `/v2.0/routers/${alices.router}/remove_router_interface`, { subnet_id: alices.subnet })).status, 403);
  });

  it("agents and the scheduler endpoints are the admin's", async () => {
    const agents = (await ok('admin', 'GET', '/v2.0/agents')).agents as { id: string }[];
    assert.ok(agents.length >= 2);
    assert.deepEqual((await ok('alice', 'GET', '/v2.0/agents')).agents, []);
    assert.equal((await call('alice', 'GET', `/v2.0/agents/${agents[0]!.id}`)).status, 404);
    assert.equal((await call('alice', 'GET', `/v2.0/routers/${alices.router}/l3-agents`)).status, 403);
    assert.equal((await call('alice', 'GET', `/v2.0/networks/${alices.network}/dhcp-agents`)).status, 403);
    assert.equal((await call('alice', 'GET', `/v2.0/agents/${agents[0]!.id}/l3-routers`)).status, 403);
    assert.equal((await call('admin', 'GET', `/v2.0/routers/${alices.router}/l3-agents`)).status, 200);
  });
});
