import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadServerConfig } from './server-config.js';

const dir = mkdtempSync(join(tmpdir(), 'hanet-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function iniFile(text: string): string {
  const file = join(dir, `${Math.random()}.ini`);
  writeFileSync(file, text);
  return file;
}

describe('loadServerConfig', () => {
  it('has working defaults', () => {
    const c = loadServerConfig();
    assert.equal(c.bind_host, '127.0.0.1');
    assert.equal(c.bind_port, 9696);
    assert.equal(c.base_mac, 'fa:16:3e:00:00:00');
    assert.deepEqual(c.vni_ranges, [[1, 65535]]);
    assert.equal(c.connection, '');
  });
  it('layers file < environment < flags', () => {
    const file = iniFile('[DEFAULT]\nbind_port = 9000\nstate_path = /tmp/x\n[database]\nconnection = postgresql://u@h/db\n[ml2_type_vxlan]\nvni_ranges = 5:10,20:30\n');
    const c = loadServerConfig({ file, env: { HANET_BIND_PORT: '9100' }, overrides: { state_path: '/tmp/y' } });
    assert.equal(c.bind_port, 9100);
    assert.equal(c.state_path, '/tmp/y');
    assert.equal(c.connection, 'postgresql://u@h/db');
    assert.deepEqual(c.vni_ranges, [[5, 10], [20, 30]]);
  });
  it('checks rules between options', () => {
    assert.throws(() => loadServerConfig({ overrides: { report_interval: '20', agent_down_time: '15' } }), /report_interval \(20\) must be shorter/);
    assert.throws(() => loadServerConfig({ overrides: { min_l3_agents_per_router: '4' } }), /exceeds max_l3_agents_per_router/);
    assert.throws(() => loadServerConfig({ overrides: { dhcp_renewal_time: '20', dhcp_rebinding_time: '10' } }), /dhcp_renewal_time \(20\) must be shorter than dhcp_rebinding_time/);
    assert.throws(() => loadServerConfig({ overrides: { dhcp_lease_duration: '600', dhcp_rebinding_time: '600' } }), /shorter than dhcp_lease_duration \(600\)/);
    assert.throws(() => loadServerConfig({ overrides: { dhcp_lease_duration: '60' } }), /at least 120 seconds/);
    assert.equal(loadServerConfig({ overrides: { dhcp_lease_duration: '-1', dhcp_rebinding_time: '600' } }).dhcp_lease_duration, -1);
  });

  it('reports every problem at once', () => {
    const file = iniFile('[DEFAULT]\nbind_port = seventy\nbind_prot = 1\nconnection = x\nbase_mac = 01:00:00:00:00:00\n');
    try {
      loadServerConfig({ file, overrides: { auth_strategy: 'magic' } });
      assert.fail('expected ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      for (const needle of ['bind_prot: unknown option', 'connection belongs in [database]', 'bind_port', 'base_mac', 'auth_strategy']) {
        assert.ok(text.includes(needle), `missing "${needle}" in:\n${text}`);
      }
    }
  });
});
