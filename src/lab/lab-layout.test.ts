import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentIni, checkVmName, labNames, labNodes } from './lab-layout.js';

describe('lab layout', () => {
  it('names nodes net-N and compute-N with their roles and underlay addresses', () => {
    const nodes = labNodes({ networkNodes: 2, computeNodes: 1 });
    assert.deepEqual(
      nodes.map((n) => [n.name, n.roles.join(','), n.mgmtIp, n.external]),
      [
        ['net-0', 'l2,l3,dhcp', '192.0.2.10', true],
        ['net-1', 'l2,l3,dhcp', '192.0.2.11', true],
        ['compute-0', 'l2', '192.0.2.100', false],
      ],
    );
    assert.throws(() => labNodes({ networkNodes: -1, computeNodes: 0 }), /--network-nodes/);
    assert.throws(() => labNodes({ networkNodes: 1, computeNodes: 101 }), /--compute-nodes/);
  });

  it('keeps every fabric link name within the 15 characters Linux allows', () => {
    const names = labNames('lab');
    assert.ok(names.mgmtLink('compute-99').length <= 15);
    assert.ok(names.extLink('net-79').length <= 15);
  });

  it("writes each node's agent configuration, with the external interface only on network nodes", () => {
    const [net, compute] = labNodes({ networkNodes: 1, computeNodes: 1 });
    const options = { server: 'unix:/tmp/l/server/agent.sock', token: 't0k', statePath: '/tmp/l/nodes/x/state', dnsmasqLogDir: '/tmp/l/nodes/x/dnsmasq' };
    assert.equal(
      agentIni(net!, options),
      'roles = l2,l3,dhcp\nserver = unix:/tmp/l/server/agent.sock\nagent_token = t0k\nstate_path = /tmp/l/nodes/x/state\ndnsmasq_base_log_dir = /tmp/l/nodes/x/dnsmasq\n\n[vxlan]\nlocal_ip = 192.0.2.10\n\n[linux_bridge]\nphysical_interface_mappings = physnet1:eth1\n',
    );
    assert.doesNotMatch(agentIni(compute!, options), /physical_interface_mappings/);
  });

  it('accepts short lower-case VM names only', () => {
    assert.doesNotThrow(() => checkVmName('vm-1'));
    assert.throws(() => checkVmName('VM 1'), /lower-case/);
  });
});
