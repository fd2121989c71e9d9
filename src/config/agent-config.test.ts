import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadAgentConfig } from './agent-config.js';
import { ConfigError } from './options.js';

describe('loadAgentConfig', () => {
  it('reads Neutron sections from an INI file, and the environment overrides it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hanet-agent-config-'));
    const file = join(dir, 'agent.ini');
    writeFileSync(file, 'host = net-0\nroles = l2, dhcp\nserver = unix:/run/hanet/agent.sock\n[vxlan]\nlocal_ip = 192.0.2.10\n[linux_bridge]\nphysical_interface_mappings = physnet1:eth1, extnet:eth2\n');
    const c = loadAgentConfig({ file, env: { HANET_AGENT_HOST: 'net-9', HANET_HOST: 'ignored' } });
    assert.equal(c.host, 'net-9');
    assert.deepEqual(c.roles, ['l2', 'dhcp']);
    assert.equal(c.local_ip, '192.0.2.10');
    assert.deepEqual(c.physical_interface_mappings, { physnet1: 'eth1', extnet: 'eth2' });
    assert.equal(c.resync_interval, 60);
    rmSync(dir, { recursive: true });
  });

  it('reports every problem at once, including the tunnel address the l2 role needs', () => {
    assert.throws(
      () => loadAgentConfig({ overrides: { roles: 'l2,l7', server: 'ftp://x', physical_interface_mappings: 'eth1' } }),
      (err: ConfigError) => {
        assert.equal(err.problems.length, 3);
        assert.match(err.message, /'l7' is not a role/);
        assert.match(err.message, /unix:\/path/);
        assert.match(err.message, /'eth1' is not PHYSNET:INTERFACE/);
        return true;
      },
    );
    assert.throws(() => loadAgentConfig({ overrides: { roles: 'l2' } }), /local_ip \(\[vxlan\]\) is required/);
    assert.doesNotThrow(() => loadAgentConfig({ overrides: { roles: 'l3' } }));
  });
});
