// `hanet`'s neutron-style client commands against a running `hanet server`,
// run as child processes the way an operator types them: the command
// sequences of seed 000 (DHCP and L3 HA on three nodes) and seed 001 (an HA
// router with a flat external network and floating IPs), with the tables'
// shapes and values checked; then -f json, -c, clouds.yaml, errors, and
// runNeutronCommand in-process. Three simulated network nodes register and
// heartbeat over the agent protocol.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runNeutronCommand } from '../../src/cli/neutron/commands.js';
import { HANET_BIN, type ServerProcess, startServerProcess } from '../support/server-process.js';

const AGENT_TOKEN = 'cli-agent-token';
const NODES = ['net-0', 'net-1', 'net-2'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const tmp = mkdtempSync(join(tmpdir(), 'hanet-cli-'));
let server: ServerProcess;
let heartbeat: NodeJS.Timeout | undefined;

async function reportNodes(): Promise<void> {
  for (const host of NODES) {
    const res = await fetch(new URL('/agent/v1/report', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ host, roles: [{ role: 'l3', configurations: { agent_mode: 'legacy' } }, { role: 'dhcp', configurations: {} }] }),
    });
    assert.equal(res.status, 200, await res.text());
  }
}

before(async () => {
  server = await startServerProcess({ statePath: join(tmp, 'state'), args: ['--set', `agent_token=${AGENT_TOKEN}`, '--set', 'dhcp_agents_per_network=3'] });
  await reportNodes();
  // Like real agents, or they would be dead after agent_down_time.
  heartbeat = setInterval(() => void reportNodes().catch(() => {}), 3_000);
});

after(async () => {
  clearInterval(heartbeat);
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without the caller's OS_* settings, so only what a test gives counts. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OS_')));
  return { ...env, ...extra };
}

/** Runs `bin/hanet ARGS` against the test's server; never throws on a non-zero exit. */
function hanetWith(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [HANET_BIN, ...args], { cwd: tmp, env: cleanEnv(env), timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

const hanet = (...args: string[]) => hanetWith({ OS_ENDPOINT: server.url.origin }, ...args);

/** Runs a command that must succeed; returns its stdout. */
async function ok(...args: string[]): Promise<string> {
  const run = await hanet(...args);
  assert.equal(run.code, 0, `hanet ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  assert.equal(run.stderr, '');
  return run.stdout;
}

/** A prettytable's header and rows (a multi-line cell gives more rows). */
function parseTable(text: string): { header: string[]; rows: string[][] } {
  const lines = text.trimEnd().split('\n');
  const cells = (line: string) => line.slice(2, -2).split(' | ').map((c) => c.trim());
  const borders = lines.flatMap((line, i) => (/^\+[-+]+\+$/.test(line) ? [i] : []));
  assert.equal(borders.length, 3, `a table has three borders:\n${text}`);
  assert.equal(borders[1], borders[0]! + 2, 'one header line between the first two borders');
  assert.equal(borders[2], lines.length - 1, 'the table ends with a border');
  return { header: cells(lines[borders[0]! + 1]!), rows: lines.slice(borders[1]! + 1, -1).map(cells) };
}

/** A Field/Value table as a map. */
function parseShow(text: string): Map<string, string> {
  const { header, rows } = parseTable(text);
  assert.deepEqual(header, ['Field', 'Value']);
  return new Map(rows.map(([field, value]) => [field!, value!]));
}

describe('seed 000: DHCP and L3 HA on three nodes', () => {
  let networkId: string;
  let subnetId: string;
  let routerId: string;

  it('net-create testdhcp', async () => {
    const out = await ok('net-create', 'testdhcp');
    assert.ok(out.startsWith('Created a new network:\n+'));
    const fields = parseShow(out.slice(out.indexOf('\n') + 1));
    assert.equal(fields.get('name'), 'testdhcp');
    assert.equal(fields.get('admin_state_up'), 'True');
    assert.equal(fields.get('subnets'), '');
    assert.deepEqual([...fields.keys()], [...fields.keys()].sort(), 'fields sorted by name');
    networkId = fields.get('id')!;
    assert.match(networkId, UUID);
  });

  it('subnet-create --name subnet-testdhcp testdhcp 192.168.200.0/24', async () => {
    const out = await ok('subnet-create', '--name', 'subnet-testdhcp', 'testdhcp', '192.168.200.0/24');
    assert.ok(out.startsWith('Created a new subnet:\n'));
    const fields = parseShow(out.slice(out.indexOf('\n') + 1));
    assert.equal(fields.get('cidr'), '192.168.200.0/24');
    assert.equal(fields.get('network_id'), networkId);
    assert.equal(fields.get('enable_dhcp'), 'True');
    assert.match(fields.get('allocation_pools')!, /^\{("start": "192\.168\.200\.2", "end": "192\.168\.200\.254"|"end": "192\.168\.200\.254", "start": "192\.168\.200\.2")\}$/);
    subnetId = fields.get('id')!;
  });

  it('port-list: the three DHCP ports', async () => {
    const { header, rows } = parseTable(await ok('port-list'));
    assert.deepEqual(header, ['id', 'name', 'mac_address', 'fixed_ips']);
    assert.equal(rows.length, 3);
    for (const [id, name, mac, fixedIps] of rows) {
      assert.match(id!, UUID);
      assert.equal(name, '');
      assert.match(mac!, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
      assert.match(fixedIps!, new RegExp(`^\\{"subnet_id": "${subnetId}", "ip_address": "192\\.168\\.200\\.[234]"\\}$`));
    }
  });

  it('router-create testrouter: HA by default, in the seed\'s fields', async () => {
    const out = await ok('router-create', 'testrouter');
    assert.ok(out.startsWith('Created a new router:\n'));
    const fields = parseShow(out.slice(out.indexOf('\n') + 1));
    for (const field of ['admin_state_up', 'distributed', 'external_gateway_info', 'ha', 'id', 'name', 'routes', 'status', 'tenant_id']) assert.ok(fields.has(field), field);
    assert.equal(fields.get('ha'), 'True');
    assert.equal(fields.get('distributed'), 'False');
    assert.equal(fields.get('external_gateway_info'), '');
    assert.equal(fields.get('routes'), '');
    assert.equal(fields.get('status'), 'ACTIVE');
    routerId = fields.get('id')!;
  });

  it('net-list: testdhcp and the HA network, with "<subnet id> <cidr>"', async () => {
    const { header, rows } = parseTable(await ok('net-list'));
    assert.deepEqual(header, ['id', 'name', 'subnets']);
    assert.deepEqual(rows.find((r) => r[1] === 'testdhcp'), [networkId, 'testdhcp', `${subnetId} 192.168.200.0/24`]);
    const ha = rows.find((r) => r[1]!.startsWith('HA network tenant '));
    assert.ok(ha, 'the HA network is listed');
    assert.match(ha[2]!, / 169\.254\.192\.0\/18$/);
  });

  it('router-port-list testrouter: three HA ports', async () => {
    const { header, rows } = parseTable(await ok('router-port-list', 'testrouter'));
    assert.deepEqual(header, ['id', 'name', 'mac_address', 'fixed_ips']);
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.match(row[1]!, /^HA port tenant [0-9a-f]{32}$/);
      assert.match(row[3]!, /"ip_address": "169\.254\.192\.[123]"\}$/);
    }
  });

  it('l3-agent-list-hosting-router testrouter: three agents with ha_state', async () => {
    const { header, rows } = parseTable(await ok('l3-agent-list-hosting-router', 'testrouter'));
    assert.deepEqual(header, ['id', 'host', 'admin_state_up', 'alive', 'ha_state']);
    assert.deepEqual(rows.map((r) => r.slice(1)).sort(), NODES.map((host) => [host, 'True', ':-)', 'standby']));
  });

  it('router-interface-add testrouter subnet-testdhcp', async () => {
    const out = await ok('router-interface-add', 'testrouter', 'subnet-testdhcp');
    const m = /^Added interface ([0-9a-f-]{36}) to router testrouter\.\n$/.exec(out);
    assert.ok(m, out);
    const port = parseShow(await ok('port-show', m[1]!));
    assert.equal(port.get('device_id'), routerId);
    assert.match(port.get('fixed_ips')!, /"ip_address": "192\.168\.200\.1"/);
  });

  it('agent-list: an L3 and a DHCP agent per node, alive', async () => {
    const { header, rows } = parseTable(await ok('agent-list'));
    assert.deepEqual(header, ['id', 'agent_type', 'host', 'alive', 'admin_state_up']);
    assert.deepEqual(rows.map((r) => `${r[2]} ${r[1]} ${r[3]} ${r[4]}`).sort(), NODES.flatMap((h) => [`${h} DHCP agent :-) True`, `${h} L3 agent :-) True`]));
  });

  it('dhcp-agent-list-hosting-net testdhcp: three agents', async () => {
    const { header, rows } = parseTable(await ok('dhcp-agent-list-hosting-net', 'testdhcp'));
    assert.deepEqual(header, ['id', 'host', 'admin_state_up', 'alive']);
    assert.deepEqual(rows.map((r) => r[1]).sort(), NODES);
    assert.ok(rows.every((r) => r[3] === ':-)'));
  });
});

describe('seed 001: an HA router with an external network and floating IPs', () => {
  let routerId: string;
  let privateSubnetId: string;
  let floatingIpId: string;

  it('a flat external network with the seed\'s allocation pool, and a private subnet', async () => {
    const net = parseShow((await ok('net-create', '--router:external', '--provider:network_type', 'flat', '--provider:physical_network', 'physnet1', 'ext_net')).replace(/^.*\n/, ''));
    assert.equal(net.get('router:external'), 'True');
    assert.equal(net.get('provider:network_type'), 'flat');
    assert.equal(net.get('provider:physical_network'), 'physnet1');
    await ok('subnet-create', '--name', 'ext_net_subnet', '--disable-dhcp', '--allocation-pool', 'start=10.5.150.0,end=10.5.200.254', 'ext_net', '10.5.0.0/16');
    await ok('net-create', 'private');
    const subnet = parseShow((await ok('subnet-create', '--name', 'private_subnet', 'private', '192.168.21.0/24')).replace(/^.*\n/, ''));
    privateSubnetId = subnet.get('id')!;
    const { header, rows } = parseTable(await ok('subnet-list'));
    assert.deepEqual(header, ['id', 'name', 'cidr', 'allocation_pools']);
    const ext = rows.find((r) => r[1] === 'ext_net_subnet')!;
    assert.equal(ext[2], '10.5.0.0/16');
    assert.match(ext[3]!, /"start": "10\.5\.150\.0"/);
    assert.match(ext[3]!, /"end": "10\.5\.200\.254"/);
  });

  it('router-create ha-router, router-gateway-set and router-interface-add by id', async () => {
    routerId = parseShow((await ok('router-create', 'ha-router')).replace(/^.*\n/, '')).get('id')!;
    assert.equal(await ok('router-gateway-set', routerId, 'ext_net'), `Set gateway for router ${routerId}\n`);
    assert.match(await ok('router-interface-add', routerId, privateSubnetId), new RegExp(`^Added interface [0-9a-f-]{36} to router ${routerId}\\.\\n$`));
  });

  it('router-show: the gateway on 10.5.150.0, as one JSON object', async () => {
    const router = parseShow(await ok('router-show', routerId));
    const gateway = JSON.parse(router.get('external_gateway_info')!);
    assert.equal(gateway.enable_snat, true);
    assert.deepEqual(gateway.external_fixed_ips.map((ip: { ip_address: string }) => ip.ip_address), ['10.5.150.0']);
    assert.match(router.get('external_gateway_info')!, /^\{"network_id": "[0-9a-f-]{36}", /);
    assert.equal(router.get('ha'), 'True');
  });

  it('router-list shows the gateway and HA', async () => {
    const { header, rows } = parseTable(await ok('router-list'));
    assert.deepEqual(header, ['id', 'name', 'external_gateway_info', 'distributed', 'ha']);
    const row = rows.find((r) => r[0] === routerId)!;
    assert.match(row[2]!, /"ip_address": "10\.5\.150\.0"/);
    assert.deepEqual(row.slice(3), ['False', 'True']);
  });

  it('router-update --ha=False fails with the server\'s message and exit 1', async () => {
    const run = await hanet('router-update', routerId, '--ha=False');
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /HA attribute|read-only attribute ha/);
    assert.equal(run.stderr.split('\n').length, 2, 'the message alone, on one line');
  });

  it('router-update --name and --admin-state-up', async () => {
    assert.equal(await ok('router-update', 'ha-router', '--name', 'ha-router2', '--admin-state-up', 'False'), 'Updated router: ha-router\n');
    const router = parseShow(await ok('router-show', 'ha-router2', '-c', 'name', '-c', 'admin_state_up'));
    assert.deepEqual([...router], [['admin_state_up', 'False'], ['name', 'ha-router2']]);
    await ok('router-update', 'ha-router2', '--name', 'ha-router', '--admin-state-up', 'True');
  });

  it('floatingip-create, floatingip-associate and floatingip-list', async () => {
    const port = parseShow((await ok('port-create', '--name', 'vm1', 'private')).replace(/^.*\n/, ''));
    const portIp = (JSON.parse(port.get('fixed_ips')!) as { ip_address: string }).ip_address;
    const created = (await ok('floatingip-create', 'ext_net')).split('\n');
    assert.equal(created[0], 'Created a new floatingip:');
    const fip = parseShow(created.slice(1).join('\n'));
    floatingIpId = fip.get('id')!;
    assert.equal(fip.get('floating_ip_address'), '10.5.150.1');
    assert.equal(fip.get('port_id'), '');
    assert.equal(await ok('floatingip-associate', floatingIpId, 'vm1'), `Associated floating IP ${floatingIpId}\n`);
    const { header, rows } = parseTable(await ok('floatingip-list'));
    assert.deepEqual(header, ['id', 'fixed_ip_address', 'floating_ip_address', 'port_id']);
    assert.deepEqual(rows, [[floatingIpId, portIp, '10.5.150.1', port.get('id')]]);
  });

  it('router-gateway-clear is refused while a floating IP needs the gateway', async () => {
    const run = await hanet('router-gateway-clear', 'ha-router');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /required by one or more floating IPs/);
  });

  it('floatingip-disassociate, floatingip-delete, router-interface-delete, router-gateway-clear, router-delete', async () => {
    assert.equal(await ok('floatingip-disassociate', floatingIpId), `Disassociated floating IP ${floatingIpId}\n`);
    assert.equal(await ok('floatingip-delete', floatingIpId), `Deleted floatingip: ${floatingIpId}\n`);
    assert.equal(await ok('floatingip-list'), '', 'an empty list prints nothing');
    assert.equal(await ok('router-interface-delete', 'ha-router', 'subnet=private_subnet'), 'Removed interface from router ha-router.\n');
    assert.equal(await ok('router-gateway-clear', 'ha-router'), 'Removed gateway from router ha-router\n');
    assert.equal(await ok('router-delete', 'ha-router'), 'Deleted router: ha-router\n');
    assert.equal(await ok('port-delete', 'vm1'), 'Deleted port: vm1\n');
  });
});

describe('-f json and -c', () => {
  it('net-list -f json: an array of rows, subnets as {id, cidr}', async () => {
    const nets = JSON.parse(await ok('net-list', '-f', 'json')) as { id: string; name: string; subnets: { id: string; cidr: string }[] }[];
    const testdhcp = nets.find((n) => n.name === 'testdhcp')!;
    assert.deepEqual(Object.keys(testdhcp), ['id', 'name', 'subnets']);
    assert.deepEqual(testdhcp.subnets.map((s) => s.cidr), ['192.168.200.0/24']);
  });

  it('router-show -f json -c: an object of the fields asked for, raw values', async () => {
    const router = JSON.parse(await ok('router-show', 'testrouter', '-f', 'json', '-c', 'name', '-c', 'ha', '-c', 'routes'));
    assert.deepEqual(router, { ha: true, name: 'testrouter', routes: [] });
  });

  it('router-create -f json prints no "Created" line', async () => {
    const router = JSON.parse(await ok('router-create', '--ha', 'False', 'legacy', '-f', 'json'));
    assert.equal(router.ha, false);
    assert.equal(router.external_gateway_info, null);
    const hosting = parseTable(await ok('l3-agent-list-hosting-router', 'legacy'));
    assert.deepEqual(hosting.header, ['id', 'host', 'admin_state_up', 'alive'], 'no ha_state for a legacy router');
    await ok('router-delete', 'legacy');
  });

  it('agent-list -f json -c: columns in the order given', async () => {
    const agents = JSON.parse(await ok('agent-list', '-f', 'json', '-c', 'host', '-c', 'alive')) as { host: string; alive: string }[];
    assert.equal(agents.length, 6);
    assert.deepEqual(Object.keys(agents[0]!), ['host', 'alive']);
    assert.ok(agents.every((a) => a.alive === ':-)'));
  });

  it('agent-show by id', async () => {
    const [agent] = JSON.parse(await ok('agent-list', '-f', 'json', '-c', 'id')) as { id: string }[];
    const fields = parseShow(await ok('agent-show', agent!.id));
    assert.equal(fields.get('id'), agent!.id);
    assert.match(fields.get('configurations')!, /^\{/);
  });
});

describe('credentials and errors', () => {
  it('reads a clouds.yaml cloud as `hanet lab env` points to one', async () => {
    const file = join(tmp, 'clouds.yaml');
    writeFileSync(file, `clouds:\n  hanet-test:\n    auth_type: none\n    auth:\n      endpoint: ${server.url.origin}\n`);
    const run = await hanetWith({ OS_CLIENT_CONFIG_FILE: file, OS_CLOUD: 'hanet-test' }, 'net-list', '-c', 'name');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(parseTable(run.stdout).rows.some((r) => r[0] === 'testdhcp'));
  });

  it('an unknown network: the message on stderr, exit 1', async () => {
    const run = await hanet('net-show', 'no-such-network');
    assert.deepEqual(run, { code: 1, stdout: '', stderr: "Unable to find network with name or id 'no-such-network'\n" });
  });

  it('a server error: Neutron\'s message, exit 1', async () => {
    const run = await hanet('subnet-create', 'testdhcp', '192.168.200.0/25');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /overlaps with another subnet/);
  });

  it('a usage error exits 2', async () => {
    assert.equal((await hanet('router-create', '--ha', 'maybe', 'r')).code, 2);
    assert.equal((await hanet('net-show')).code, 2);
    assert.equal((await hanet('subnet-create', '--allocation-pool', 'start=10.0.0.5', 'testdhcp', '10.9.0.0/24')).code, 2);
  });

  it('no server: the connection error, exit 1', async () => {
    const run = await hanetWith({ OS_URL: 'http://127.0.0.1:9' }, 'net-list');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Unable to establish connection to http:\/\/127\.0\.0\.1:9: /);
  });
});

describe('runNeutronCommand (in-process, for hanet lab demo)', () => {
  async function inProcess(argv: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const code = await runNeutronCommand(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { OS_ENDPOINT: server.url.origin } });
    return { code, stdout, stderr };
  }

  it('prints what the executable prints', async () => {
    const direct = await inProcess(['l3-agent-list-hosting-router', 'testrouter']);
    assert.equal(direct.code, 0);
    assert.equal(direct.stdout, await ok('l3-agent-list-hosting-router', 'testrouter'));
  });

  it('returns 1 with the message, and 2 for usage errors, without exiting', async () => {
    assert.deepEqual(await inProcess(['router-show', 'nope']), { code: 1, stdout: '', stderr: "Unable to find router with name or id 'nope'\n" });
    const usage = await inProcess(['router-show']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing required argument 'router'/);
    assert.equal((await inProcess(['no-such-command'])).code, 2);
    assert.equal((await inProcess(['net-list', '--help'])).code, 0);
  });

  it('keeps nothing from one call to the next', async () => {
    await inProcess(['net-list', '-c', 'id']);
    const { header } = parseTable((await inProcess(['net-list'])).stdout);
    assert.deepEqual(header, ['id', 'name', 'subnets']);
  });
});
