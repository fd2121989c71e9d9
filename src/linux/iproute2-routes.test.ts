// The route and neighbour wrappers' argv and error handling, against a fake
// Exec that answers as iproute2 6.1 does (the real kernel is in
// test/functional/sysctl-routes.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Exec, ExecError } from './exec.js';
import { IpRoute2, NamespaceNotFound } from './iproute2.js';

function fake(reply: (argv: readonly string[]) => string | ExecError): { ip: IpRoute2; calls: string[] } {
  const calls: string[] = [];
  const exec: Exec = async (argv) => {
    calls.push(argv.join(' '));
    const out = reply(argv);
    if (out instanceof ExecError) throw out;
    return { stdout: out, stderr: '' };
  };
  return { ip: new IpRoute2(exec), calls };
}

describe('IpRoute2 routes', () => {
  it('lists both families of the main table, filling in family and table', async () => {
    const { ip, calls } = fake((argv) =>
      argv.includes('-4')
        ? '[{"dst":"10.88.0.0/16","gateway":"10.77.0.2","dev":"v0","flags":[]}]'
        : '[{"dst":"default","gateway":"fd00::2","dev":"v0","metric":1024,"flags":[],"pref":"medium"}]',
    );
    const routes = await ip.listRoutes('ns');
    assert.deepEqual(calls, ['nsenter --net=/run/netns/ns -- ip -json -4 route show table main', 'nsenter --net=/run/netns/ns -- ip -json -6 route show table main']);
    assert.deepEqual(
      routes.map((r) => [r.family, r.table, r.dst, r.gateway, r.metric]),
      [
        [4, 'main', '10.88.0.0/16', '10.77.0.2', undefined],
        [6, 'main', 'default', 'fd00::2', 1024],
      ],
    );
  });

  it('lists a table that was never used as empty', async () => {
    const { ip } = fake((argv) => new ExecError(argv, 2, 'Error: ipv4: FIB table does not exist.\nDump terminated\n'));
    assert.deepEqual(await ip.listRoutes('ns', { family: 4, table: '100' }), []);
  });

  it('replaces routes, passing -6 when an address says so', async () => {
    const { ip, calls } = fake(() => '');
    await ip.ensureRoute('ns', { destination: '10.88.0.0/16', via: '10.77.0.2' });
    await ip.ensureRoute('ns', { destination: 'default', via: 'fd00::2', table: '100' });
    await ip.ensureRoute(undefined, { destination: 'default', dev: 'v0', family: 6 });
    await assert.rejects(ip.ensureRoute('ns', { destination: '10.0.0.0/8' }), TypeError);
    assert.deepEqual(calls, [
      'nsenter --net=/run/netns/ns -- ip route replace 10.88.0.0/16 via 10.77.0.2',
      'nsenter --net=/run/netns/ns -- ip -6 route replace default via fd00::2 table 100',
      'ip -6 route replace default dev v0',
    ]);
  });

  it('removes routes idempotently, and nothing else', async () => {
    for (const gone of ['RTNETLINK answers: No such process', 'RTNETLINK answers: No such file or directory', 'Error: FIB table does not exist.', 'Cannot find device "v9"']) {
      const { ip } = fake((argv) => new ExecError(argv, 2, gone));
      await ip.removeRoute('ns', '10.88.0.0/16', { dev: 'v9' });
    }
    const { ip: other } = fake((argv) => new ExecError(argv, 2, 'RTNETLINK answers: Operation not permitted'));
    await assert.rejects(other.removeRoute('ns', '10.88.0.0/16'), ExecError);
    const { ip: nsGone } = fake((argv) => new ExecError(argv, 255, 'Cannot open network namespace "ns": No such file or directory'));
    await assert.rejects(nsGone.removeRoute('ns', '10.88.0.0/16'), NamespaceNotFound);
  });
});

describe('IpRoute2 neighbours and link settings', () => {
  it('fills in the device that a dev filter leaves out', async () => {
    const { ip, calls } = fake(() => '[{"dst":"10.77.0.2","lladdr":"26:35:2f:00:7d:af","state":["REACHABLE"]},{"dst":"fd00::2","state":["INCOMPLETE"]}]');
    assert.deepEqual(await ip.listNeighbours('ns', 'v0'), [
      { dst: '10.77.0.2', lladdr: '26:35:2f:00:7d:af', dev: 'v0', state: ['REACHABLE'] },
      { dst: 'fd00::2', dev: 'v0', state: ['INCOMPLETE'] },
    ]);
    assert.deepEqual(calls, ['nsenter --net=/run/netns/ns -- ip -json neigh show dev v0']);
  });

  it('sets addrgenmode, MAC, MTU and down', async () => {
    const { ip, calls } = fake(() => '');
    await ip.setAddrGenMode('ns', 'v0', 'none');
    await ip.setMac('ns', 'v0', 'fa:16:3e:00:00:01');
    await ip.setMtu('ns', 'v0', 1450);
    await ip.setDown(undefined, 'v0');
    assert.deepEqual(calls, [
      'nsenter --net=/run/netns/ns -- ip link set dev v0 addrgenmode none',
      'nsenter --net=/run/netns/ns -- ip link set dev v0 address fa:16:3e:00:00:01',
      'nsenter --net=/run/netns/ns -- ip link set dev v0 mtu 1450',
      'ip link set dev v0 down',
    ]);
  });
});
