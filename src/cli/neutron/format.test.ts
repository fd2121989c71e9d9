import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cellText, displayWidth, OutputError, pythonJson, renderList, renderResource, renderTable } from './format.js';
import { AGENT_LIST, l3AgentsHostingRouter, NET_LIST, PORT_LIST, ROUTER_LIST, SUBNET_LIST, withAliveFaces } from './list-shapes.js';

const TABLE = { format: 'table', columns: [] } as const;
const JSON_OUT = { format: 'json', columns: [] } as const;

/** A transcript's table, as lines (the seeds' blog copies carry trailing spaces on some lines). */
const golden = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('golden tables of seed 000', () => {
  it('router-create testrouter', () => {
    const router = {
      status: 'ACTIVE',
      external_gateway_info: null,
      name: 'testrouter',
      admin_state_up: true,
      tenant_id: 'c5cb88bd612949a5afaed8acf79350ef',
      distributed: false,
      routes: [],
      ha: true,
      id: '2be95cbd-efee-4908-90cf-622fcef8cae8',
    };
    assert.equal(
      renderResource(router, TABLE),
      golden(
        '+-----------------------+--------------------------------------+',
        '| Field                 | Value                                |',
        '+-----------------------+--------------------------------------+',
        '| admin_state_up        | True                                 |',
        '| distributed           | False                                |',
        '| external_gateway_info |                                      |',
        '| ha                    | True                                 |',
        '| id                    | 2be95cbd-efee-4908-90cf-622fcef8cae8 |',
        '| name                  | testrouter                           |',
        '| routes                |                                      |',
        '| status                | ACTIVE                               |',
        '| tenant_id             | c5cb88bd612949a5afaed8acf79350ef     |',
        '+-----------------------+--------------------------------------+',
      ),
    );
  });

  it('l3-agent-list-hosting-router testrouter, with ha_state and a dead agent', () => {
    const agents = withAliveFaces([
      { id: 'a7b76ad9-83a7-4c2c-a9ef-59e60e175a81', host: 'overcloud-controller-1.localdomain', admin_state_up: true, alive: true, ha_state: 'active', agent_type: 'L3 agent' },
      { id: '85836d82-a187-424a-9816-a3db79e0bb8b', host: 'overcloud-controller-2.localdomain', admin_state_up: true, alive: true, ha_state: 'standby', agent_type: 'L3 agent' },
      { id: '51e840f0-5d52-4b9c-a1a5-52b976abff7d', host: 'overcloud-controller-0.localdomain', admin_state_up: true, alive: false, ha_state: 'active', agent_type: 'L3 agent' },
    ]);
    assert.equal(
      renderList(agents, l3AgentsHostingRouter(agents), TABLE),
      golden(
        '+--------------------------------------+------------------------------------+----------------+-------+----------+',
        '| id                                   | host                               | admin_state_up | alive | ha_state |',
        '+--------------------------------------+------------------------------------+----------------+-------+----------+',
        '| a7b76ad9-83a7-4c2c-a9ef-59e60e175a81 | overcloud-controller-1.localdomain | True           | :-)   | active   |',
        '| 85836d82-a187-424a-9816-a3db79e0bb8b | overcloud-controller-2.localdomain | True           | :-)   | standby  |',
        '| 51e840f0-5d52-4b9c-a1a5-52b976abff7d | overcloud-controller-0.localdomain | True           | xxx   | active   |',
        '+--------------------------------------+------------------------------------+----------------+-------+----------+',
      ),
    );
  });

  it('port-list: fixed_ips one JSON object per line, keys in the server\'s order', () => {
    const subnet = '183a7323-a015-4eb5-8108-9e1295dfbe42';
    const port = (id: string, mac: string, ip: string) => ({ id, name: '', mac_address: mac, fixed_ips: [{ subnet_id: subnet, ip_address: ip }], device_owner: 'network:dhcp' });
    const ports = [
      port('05b08c68-4963-4003-ba83-46175bb72d24', 'fa:16:3e:98:b5:e4', '192.168.200.2'),
      port('97155ac6-9bc6-42ce-98a1-cb2c868868eb', 'fa:16:3e:f8:8c:4e', '192.168.200.4'),
      port('f1509d9f-5704-4114-a81b-e328d1076419', 'fa:16:3e:d7:e4:22', '192.168.200.3'),
    ];
    assert.equal(
      renderList(ports, PORT_LIST, TABLE),
      golden(
        '+--------------------------------------+------+-------------------+--------------------------------------------------------------------------------------+',
        '| id                                   | name | mac_address       | fixed_ips                                                                            |',
        '+--------------------------------------+------+-------------------+--------------------------------------------------------------------------------------+',
        '| 05b08c68-4963-4003-ba83-46175bb72d24 |      | fa:16:3e:98:b5:e4 | {"subnet_id": "183a7323-a015-4eb5-8108-9e1295dfbe42", "ip_address": "192.168.200.2"} |',
        '| 97155ac6-9bc6-42ce-98a1-cb2c868868eb |      | fa:16:3e:f8:8c:4e | {"subnet_id": "183a7323-a015-4eb5-8108-9e1295dfbe42", "ip_address": "192.168.200.4"} |',
        '| f1509d9f-5704-4114-a81b-e328d1076419 |      | fa:16:3e:d7:e4:22 | {"subnet_id": "183a7323-a015-4eb5-8108-9e1295dfbe42", "ip_address": "192.168.200.3"} |',
        '+--------------------------------------+------+-------------------+--------------------------------------------------------------------------------------+',
      ),
    );
  });

  it('net-list: subnets as "<id> <cidr>"', () => {
    const networks = [
      { id: '3f3f6372-0c96-4521-9d60-2524c139ab72', name: 'testdhcp', subnets: [{ id: '183a7323-a015-4eb5-8108-9e1295dfbe42', cidr: '192.168.200.0/24' }] },
      { id: 'd160978b-fa7d-4d3e-bb45-a9ba1d98439f', name: 'HA network tenant c5cb88bd612949a5afaed8acf79350ef', subnets: [{ id: '6ecc49ee-2dd9-47eb-9593-fa6fc55469a3', cidr: '169.254.192.0/18' }] },
    ];
    assert.equal(
      renderList(networks, NET_LIST, TABLE),
      golden(
        '+--------------------------------------+----------------------------------------------------+-------------------------------------------------------+',
        '| id                                   | name                                               | subnets                                               |',
        '+--------------------------------------+----------------------------------------------------+-------------------------------------------------------+',
        '| 3f3f6372-0c96-4521-9d60-2524c139ab72 | testdhcp                                           | 183a7323-a015-4eb5-8108-9e1295dfbe42 192.168.200.0/24 |',
        '| d160978b-fa7d-4d3e-bb45-a9ba1d98439f | HA network tenant c5cb88bd612949a5afaed8acf79350ef | 6ecc49ee-2dd9-47eb-9593-fa6fc55469a3 169.254.192.0/18 |',
        '+--------------------------------------+----------------------------------------------------+-------------------------------------------------------+',
      ),
    );
  });
});

describe('golden tables of seed 001', () => {
  it('router-show with the gateway as JSON', () => {
    const router = {
      status: 'ACTIVE',
      external_gateway_info: {
        network_id: 'c9a3bc24-6390-4220-b136-bc0edf1fe2f2',
        enable_snat: true,
        external_fixed_ips: [{ subnet_id: '76098d4d-bfa4-4f96-89e0-78c851d80dac', ip_address: '10.5.150.0' }],
      },
      name: 'ha-router',
      admin_state_up: true,
      tenant_id: '8e8b1426508f42aeaff783180d7b2ef4',
      distributed: false,
      routes: [],
      ha: true,
      id: '192ba483-c060-4ee2-86ad-fe38ea280c93',
    };
    const border = `+-----------------------+${'-'.repeat(184)}+`;
    const row = (field: string, value: string) => `| ${field.padEnd(21)} | ${value.padEnd(182)} |`;
    assert.equal(
      renderResource(router, TABLE),
      golden(
        border,
        row('Field', 'Value'),
        border,
        row('admin_state_up', 'True'),
        row('distributed', 'False'),
        '| external_gateway_info | {"network_id": "c9a3bc24-6390-4220-b136-bc0edf1fe2f2", "enable_snat": true, "external_fixed_ips": [{"subnet_id": "76098d4d-bfa4-4f96-89e0-78c851d80dac", "ip_address": "10.5.150.0"}]} |',
        row('ha', 'True'),
        row('id', '192ba483-c060-4ee2-86ad-fe38ea280c93'),
        row('name', 'ha-router'),
        row('routes', ''),
        row('status', 'ACTIVE'),
        row('tenant_id', '8e8b1426508f42aeaff783180d7b2ef4'),
        border,
      ),
    );
  });

  it('subnet-list: allocation pools as JSON', () => {
    const subnets = [
      { id: '76098d4d-bfa4-4f96-89e0-78c851d80dac', name: 'ext_net_subnet', cidr: '10.5.0.0/16', allocation_pools: [{ start: '10.5.150.0', end: '10.5.200.254' }] },
      { id: 'a3ed1cc4-3451-418f-a412-80ad8cca2ec4', name: 'private_subnet', cidr: '192.168.21.0/24', allocation_pools: [{ start: '192.168.21.2', end: '192.168.21.254' }] },
    ];
    assert.equal(
      renderList(subnets, SUBNET_LIST, TABLE),
      golden(
        '+--------------------------------------+----------------+-----------------+----------------------------------------------------+',
        '| id                                   | name           | cidr            | allocation_pools                                   |',
        '+--------------------------------------+----------------+-----------------+----------------------------------------------------+',
        '| 76098d4d-bfa4-4f96-89e0-78c851d80dac | ext_net_subnet | 10.5.0.0/16     | {"start": "10.5.150.0", "end": "10.5.200.254"}     |',
        '| a3ed1cc4-3451-418f-a412-80ad8cca2ec4 | private_subnet | 192.168.21.0/24 | {"start": "192.168.21.2", "end": "192.168.21.254"} |',
        '+--------------------------------------+----------------+-----------------+----------------------------------------------------+',
      ),
    );
  });

  it('l3-agent-list-hosting-router without ha_state when the server reports none', () => {
    const agents = withAliveFaces([
      { id: '28f227d8-e620-4478-ba36-856fb0409393', host: 'juju-lytrusty-machine-7', admin_state_up: true, alive: true },
      { id: 'bdc00c2a-77c0-45c3-ab8a-ceca3319832d', host: 'juju-lytrusty-machine-8', admin_state_up: true, alive: true, ha_state: null },
    ]);
    assert.equal(
      renderList(agents, l3AgentsHostingRouter(agents), TABLE),
      golden(
        '+--------------------------------------+-------------------------+----------------+-------+',
        '| id                                   | host                    | admin_state_up | alive |',
        '+--------------------------------------+-------------------------+----------------+-------+',
        '| 28f227d8-e620-4478-ba36-856fb0409393 | juju-lytrusty-machine-7 | True           | :-)   |',
        '| bdc00c2a-77c0-45c3-ab8a-ceca3319832d | juju-lytrusty-machine-8 | True           | :-)   |',
        '+--------------------------------------+-------------------------+----------------+-------+',
      ),
    );
  });

  it('agent-list in the seed\'s column order', () => {
    const agents = withAliveFaces([{ id: '28f227d8-e620-4478-ba36-856fb0409393', agent_type: 'L3 agent', host: 'juju-lytrusty-machine-7', admin_state_up: true, alive: true, binary: 'hanet-l3-agent' }]);
    const [, header, , row] = renderList(agents, AGENT_LIST, TABLE).split('\n');
    assert.equal(header, '| id                                   | agent_type | host                    | alive | admin_state_up |');
    assert.equal(row, '| 28f227d8-e620-4478-ba36-856fb0409393 | L3 agent   | juju-lytrusty-machine-7 | :-)   | True           |');
  });

  it('router-list dumps a missing gateway as null, as neutronclient does', () => {
    const routers = [{ id: 'r1', name: 'legacy', external_gateway_info: null, distributed: false, ha: false, routes: [] }];
    assert.equal(renderList(routers, ROUTER_LIST, TABLE).split('\n')[3], '| r1 | legacy | null                  | False       | False |');
  });
});

describe('pythonJson', () => {
  it('writes compact JSON with Python\'s separators, keys in order', () => {
    assert.equal(pythonJson({ b: 1, a: [true, null, 'x'], c: {} }), '{"b": 1, "a": [true, null, "x"], "c": {}}');
    assert.equal(pythonJson([]), '[]');
  });

  it('escapes non-ASCII as json.dumps does, surrogate pairs included', () => {
    assert.equal(pythonJson('é\u007f😀"\\\n'), '"\\u00e9\\u007f\\ud83d\\ude00\\"\\\\\\n"');
  });

  it('indents one item per line (agent-show\'s json_indent 5)', () => {
    assert.equal(pythonJson({ a: [{ b: 1 }], c: {}, d: [] }, 5), '{\n     "a": [\n          {\n               "b": 1\n          }\n     ],\n     "c": {},\n     "d": []\n}');
  });
});

describe('cellText', () => {
  it('shows values as neutronclient\'s format_output_data does', () => {
    assert.equal(cellText(null), '');
    assert.equal(cellText(true), 'True');
    assert.equal(cellText(false), 'False');
    assert.equal(cellText(1450), '1450');
    assert.equal(cellText([]), '');
    assert.equal(cellText(['a', 'b']), 'a\nb');
    assert.equal(cellText([{ start: 'x', end: 'y' }, { start: 'z', end: 'w' }]), '{"start": "x", "end": "y"}\n{"start": "z", "end": "w"}');
    assert.equal(cellText({ agent_mode: 'legacy' }), '{"agent_mode": "legacy"}');
  });
});

describe('renderTable', () => {
  it('makes a row as tall as its tallest cell', () => {
    assert.equal(
      renderTable(['Field', 'Value'], [['dns_nameservers', '8.8.8.8\n8.8.4.4'], ['name', 'n']]),
      golden(
        '+-----------------+---------+',
        '| Field           | Value   |',
        '+-----------------+---------+',
        '| dns_nameservers | 8.8.8.8 |',
        '|                 | 8.8.4.4 |',
        '| name            | n       |',
        '+-----------------+---------+',
      ),
    );
  });

  it('measures wide characters as two columns, as prettytable does', () => {
    assert.equal(displayWidth('网络'), 4);
    assert.equal(displayWidth('e\u0301'), 1);
    assert.equal(renderTable(['name'], [['网络'], ['net']]).split('\n')[3], '| 网络 |');
  });
});

describe('renderList', () => {
  const rows = [
    { id: 'b', name: 'two', mtu: 1450, subnets: [] as string[], description: null },
    { id: 'a', name: 'one', mtu: 9000, subnets: ['s1'], description: 'x' },
  ];

  it('prints nothing for an empty list, [] in JSON', () => {
    assert.equal(renderList([], NET_LIST, TABLE), '');
    assert.equal(renderList([], NET_LIST, JSON_OUT), '[]\n');
  });

  it('takes -c columns in the order given, from every field, and right-aligns numbers', () => {
    const table = renderList(rows, NET_LIST, { format: 'table', columns: ['mtu', 'name', 'nope'] });
    assert.deepEqual(table.split('\n').slice(1, 4), ['|  mtu | name |', '+------+------+', '| 1450 | two  |']);
  });

  it('refuses -c that names no column', () => {
    assert.throws(() => renderList(rows, NET_LIST, { format: 'table', columns: ['nope'] }), OutputError);
  });

  it('writes JSON rows with raw values, null as "" (neutronclient\'s get_item_properties)', () => {
    assert.deepEqual(JSON.parse(renderList(rows, NET_LIST, { format: 'json', columns: ['id', 'subnets', 'description'] })), [
      { id: 'b', subnets: [], description: '' },
      { id: 'a', subnets: ['s1'], description: 'x' },
    ]);
  });
});

describe('renderResource', () => {
  const network = { name: 'n', id: 'i', subnets: ['s'], 'router:external': false, mtu: 1450, description: null };

  it('keeps the sorted order under -c', () => {
    assert.deepEqual(
      renderResource(network, { format: 'table', columns: ['name', 'id'] }).split('\n').slice(3, 5),
      ['| id    | i     |', '| name  | n     |'],
    );
  });

  it('writes JSON with raw values, indented by 2 as cliff does', () => {
    assert.equal(
      renderResource(network, JSON_OUT),
      '{\n  "description": null,\n  "id": "i",\n  "mtu": 1450,\n  "name": "n",\n  "router:external": false,\n  "subnets": [\n    "s"\n  ]\n}\n',
    );
  });
});
