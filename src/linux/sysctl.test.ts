import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Exec, ExecError } from './exec.js';
import { NamespaceNotFound } from './iproute2.js';
import { Sysctl, SysctlKeyNotFound, sysctlPath } from './sysctl.js';

function recording(reply: (argv: readonly string[]) => string | ExecError = () => ''): { exec: Exec; calls: (readonly string[])[] } {
  const calls: (readonly string[])[] = [];
  const exec: Exec = async (argv) => {
    calls.push(argv);
    const out = reply(argv);
    if (out instanceof ExecError) throw out;
    return { stdout: out, stderr: '' };
  };
  return { exec, calls };
}

describe('Sysctl', () => {
  it('reads a key on the host or in a namespace, keeping tabs but not the newline', async () => {
    const { exec, calls } = recording(() => '32768\t60999\n');
    const sysctl = new Sysctl(exec);
    assert.equal(await sysctl.get(undefined, 'net.ipv4.ip_local_port_range'), '32768\t60999');
    assert.equal(await sysctl.get('qrouter-1', 'net.ipv4.ip_local_port_range'), '32768\t60999');
    assert.deepEqual(calls, [
      ['sysctl', '-n', 'net.ipv4.ip_local_port_range'],
      ['nsenter', '--net=/run/netns/qrouter-1', '--', 'sysctl', '-n', 'net.ipv4.ip_local_port_range'],
    ]);
  });

  it('writes many values with one command, and none with none', async () => {
    const { exec, calls } = recording();
    const sysctl = new Sysctl(exec);
    await sysctl.set('ns', { 'net.ipv4.ip_forward': 1, 'net.ipv4.ip_local_port_range': '1024 65000' });
    await sysctl.set('ns', {});
    assert.deepEqual(calls, [['nsenter', '--net=/run/netns/ns', '--', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv4.ip_local_port_range=1024 65000']]);
  });

  it('turns a missing namespace and a missing key into typed errors', async () => {
    const nsGone = new Sysctl(recording((argv) => new ExecError(argv, 1, 'nsenter: cannot open /run/netns/x: No such file or directory\n')).exec);
    await assert.rejects(nsGone.get('x', 'net.ipv4.ip_forward'), (err) => err instanceof NamespaceNotFound && err.namespace === 'x');
    const keyGone = new Sysctl(
      recording((argv) => new ExecError(argv, 1, 'sysctl: cannot stat /proc/sys/net/ipv4/conf/eth0.100/forwarding: No such file or directory\n')).exec,
    );
    await assert.rejects(
      keyGone.set('x', { 'net.ipv4.ip_forward': 1, 'net/ipv4/conf/eth0.100/forwarding': 1 }),
      (err) => err instanceof SysctlKeyNotFound && err.key === 'net/ipv4/conf/eth0.100/forwarding' && err.namespace === 'x',
    );
    const denied = new Sysctl(recording((argv) => new ExecError(argv, 1, 'sysctl: permission denied on key "kernel.x"\n')).exec);
    await assert.rejects(denied.set(undefined, { 'kernel.x': 1 }), ExecError);
  });

  it('refuses keys and values that would turn into other arguments', async () => {
    const { exec, calls } = recording();
    const sysctl = new Sysctl(exec);
    await assert.rejects(sysctl.get(undefined, '-a'), TypeError);
    await assert.rejects(sysctl.set(undefined, { 'a=b': 1 }), TypeError);
    await assert.rejects(sysctl.set(undefined, { 'net.x': 'a\nb' }), TypeError);
    await assert.rejects(sysctl.set(undefined, { 'net.x': Number.NaN }), TypeError);
    assert.equal(calls.length, 0);
  });

  it('maps keys to /proc/sys paths as procps does', () => {
    assert.equal(sysctlPath('net.ipv4.ip_forward'), '/proc/sys/net/ipv4/ip_forward');
    assert.equal(sysctlPath('net/ipv4/conf/eth0.100/forwarding'), '/proc/sys/net/ipv4/conf/eth0.100/forwarding');
  });
});
