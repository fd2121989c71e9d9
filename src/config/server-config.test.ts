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

  it('reads [keystone_authtoken] with keystonemiddleware\'s key names', () => {
    const file = iniFile(
      [
        '[keystone_authtoken]',
        'www_authenticate_uri = http://keystone.example:5000',
        'auth_url = http://keystone.example:5000',
        'auth_type = password',
        'username = neutron-svc',
        'password = secret',
        'project_name = services',
        'user_domain_name = Users',
        'project_domain_name = Projects',
        'token_cache_time = 60',
        '',
      ].join('\n'),
    );
    const c = loadServerConfig({ file });
    assert.equal(c.keystone_auth_url, 'http://keystone.example:5000');
    assert.equal(c.keystone_www_authenticate_uri, 'http://keystone.example:5000');
    assert.equal(c.keystone_username, 'neutron-svc');
    assert.equal(c.keystone_password, 'secret');
    assert.equal(c.keystone_project_name, 'services');
    assert.equal(c.keystone_user_domain_name, 'Users');
    assert.equal(c.keystone_project_domain_name, 'Projects');
    assert.equal(c.keystone_token_cache_time, 60);
    // The flat names are the environment's and the flags'.
    const layered = loadServerConfig({ file, env: { HANET_KEYSTONE_PASSWORD: 'from-env' }, overrides: { keystone_token_cache_time: '-1' } });
    assert.equal(layered.keystone_password, 'from-env');
    assert.equal(layered.keystone_token_cache_time, -1);
  });

  it("defaults [keystone_authtoken] to the built-in identity and Neutron's install guide", () => {
    const c = loadServerConfig();
    assert.equal(c.keystone_auth_url, '');
    assert.equal(c.keystone_username, 'neutron');
    assert.equal(c.keystone_project_name, 'service');
    assert.equal(c.keystone_user_domain_name, 'Default');
    assert.equal(c.keystone_project_domain_name, 'Default');
    assert.equal(c.keystone_token_cache_time, 300);
  });

  it('names [keystone_authtoken] options as the operator wrote them', () => {
    const problems = (load: () => unknown): string => {
      try {
        load();
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems.join('\n');
      }
      assert.fail('expected ConfigError');
    };
    const file = iniFile('[keystone_authtoken]\nauth_url = keystone:5000\ntoken_cache_time = soon\n');
    const fromFile = problems(() => loadServerConfig({ file }));
    assert.match(fromFile, /\[keystone_authtoken\] auth_url = 'keystone:5000': must be empty \(the built-in identity service\) or an http:\/\/ or https:\/\/ URL/);
    assert.match(fromFile, /\[keystone_authtoken\] token_cache_time = 'soon'/);
    assert.match(problems(() => loadServerConfig({ env: { HANET_KEYSTONE_AUTH_URL: 'ftp://x' } })), /HANET_KEYSTONE_AUTH_URL = 'ftp:\/\/x'/);
    assert.match(problems(() => loadServerConfig({ overrides: { keystone_auth_url: 'x' } })), /keystone_auth_url = 'x'/);
    // In the wrong section, under its flat name in a file, or under its INI name as a flag.
    assert.match(problems(() => loadServerConfig({ file: iniFile('[DEFAULT]\nauth_url = http://k:5000\n') })), /auth_url belongs in \[keystone_authtoken\], not \[DEFAULT\]/);
    assert.match(problems(() => loadServerConfig({ file: iniFile('[keystone_authtoken]\nkeystone_auth_url = http://k:5000\n') })), /keystone_auth_url: unknown option; in a file it is \[keystone_authtoken\] auth_url/);
    assert.match(problems(() => loadServerConfig({ overrides: { auth_url: 'http://k:5000' } })), /auth_url: unknown option; as a flag or environment variable it is keystone_auth_url \(HANET_KEYSTONE_AUTH_URL\)/);
    assert.match(problems(() => loadServerConfig({ file: iniFile('[keystone_authtoken]\nauth_type = v3token\n') })), /\[keystone_authtoken\] auth_type = 'v3token': must be 'password'/);
  });

  it('checks [keystone_authtoken] against the rest', () => {
    const withUrl = iniFile('[keystone_authtoken]\nauth_url = https://keystone.example/identity\n');
    assert.throws(() => loadServerConfig({ file: withUrl }), /\[keystone_authtoken\] password is empty: the service user neutron needs its password/);
    assert.throws(() => loadServerConfig({ file: withUrl, env: { HANET_KEYSTONE_PASSWORD: 'pw', HANET_AUTH_STRATEGY: 'noauth' } }), /\[keystone_authtoken\] auth_url is set but auth_strategy is noauth/);
    assert.equal(loadServerConfig({ file: withUrl, env: { HANET_KEYSTONE_PASSWORD: 'pw' } }).keystone_auth_url, 'https://keystone.example/identity');
    assert.equal(loadServerConfig({ overrides: { auth_strategy: 'noauth', keystone_password: 'ignored' } }).auth_strategy, 'noauth', 'a password alone changes nothing');
  });
});
