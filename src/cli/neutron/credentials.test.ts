import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Lab } from '../../lab/lab.js';
import type { LabState } from '../../lab/lab-state.js';
import { cloudCredentials, CredentialsError, DEFAULT_ENDPOINT, resolveCredentials } from './credentials.js';

let root: string;
/** A working directory and a home without clouds.yaml unless a test writes one. */
let cwd: string;
let home: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'hanet-credentials-'));
  cwd = join(root, 'cwd');
  home = join(root, 'home');
  mkdirSync(cwd);
  mkdirSync(home);
});
after(() => rmSync(root, { recursive: true, force: true }));

function cloudsYaml(dir: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'clouds.yaml');
  writeFileSync(file, text);
  return file;
}

const NOAUTH_CLOUD = (endpoint: string, extra = '') => `clouds:\n  mine:\n    auth_type: none\n    auth:\n      endpoint: ${endpoint}\n${extra}`;

describe('resolveCredentials', () => {
  it('falls back to hanet\'s default address', () => {
    assert.deepEqual(resolveCredentials({ flags: {}, env: {}, cwd, home }), { endpoint: DEFAULT_ENDPOINT });
  });

  it('takes flags before the environment, OS_ENDPOINT before OS_URL', () => {
    const env = { OS_ENDPOINT: 'http://env-endpoint:9696', OS_URL: 'http://env-url:9696', OS_TOKEN: 'env-token' };
    assert.deepEqual(resolveCredentials({ flags: { endpoint: 'http://flag:9696', token: 'flag-token' }, env, cwd, home }), { endpoint: 'http://flag:9696', token: 'flag-token' });
    assert.deepEqual(resolveCredentials({ flags: {}, env, cwd, home }), { endpoint: 'http://env-endpoint:9696', token: 'env-token' });
    assert.deepEqual(resolveCredentials({ flags: {}, env: { OS_URL: 'http://env-url:9696' }, cwd, home }), { endpoint: 'http://env-url:9696' });
  });

  it('reads no cloud when an endpoint is given, so a password cloud does not get in the way', () => {
    const file = cloudsYaml(join(root, 'password'), 'clouds:\n  mine:\n    auth_type: password\n    auth:\n      password: secret\n');
    const env = { OS_CLIENT_CONFIG_FILE: file, OS_CLOUD: 'mine', OS_ENDPOINT: 'http://env:9696' };
    assert.deepEqual(resolveCredentials({ flags: {}, env, cwd, home }), { endpoint: 'http://env:9696' });
  });

  it('uses the clouds.yaml that `hanet lab up` writes, as `eval "$(hanet lab env)"` points to it', () => {
    const lab = new Lab({ name: 'credtest', dir: join(root, 'lab') });
    mkdirSync(lab.paths.dir, { recursive: true });
    lab.writeCloudsYaml({ port: 19123, identityPort: 19124, adminPassword: 'pw' } as LabState);
    const env = { OS_CLIENT_CONFIG_FILE: lab.paths.cloudsYaml, OS_CLOUD: 'hanet-credtest' };
    assert.deepEqual(resolveCredentials({ flags: {}, env, cwd, home }), {
      login: { authUrl: 'http://127.0.0.1:19124/v3', username: 'admin', password: 'pw', projectName: 'admin', userDomainName: 'Default', projectDomainName: 'Default', regionName: 'RegionOne' },
    });
  });

  it('takes the cloud\'s token unless a flag or OS_TOKEN gives one', () => {
    const file = cloudsYaml(join(root, 'token'), NOAUTH_CLOUD('http://cloud:9696', '      token: cloud-token\n'));
    const env = { OS_CLIENT_CONFIG_FILE: file };
    assert.deepEqual(resolveCredentials({ flags: { cloud: 'mine' }, env, cwd, home }), { endpoint: 'http://cloud:9696', token: 'cloud-token' });
    assert.deepEqual(resolveCredentials({ flags: { cloud: 'mine' }, env: { ...env, OS_TOKEN: 'env-token' }, cwd, home }), { endpoint: 'http://cloud:9696', token: 'env-token' });
  });

  it('looks for clouds.yaml in the working directory before ~/.config/openstack', () => {
    const inHome = join(root, 'home-only');
    cloudsYaml(join(inHome, '.config', 'openstack'), NOAUTH_CLOUD('http://home:9696'));
    assert.deepEqual(resolveCredentials({ flags: { cloud: 'mine' }, env: {}, cwd, home: inHome }), { endpoint: 'http://home:9696' });
    const here = join(root, 'here');
    cloudsYaml(here, NOAUTH_CLOUD('http://cwd:9696'));
    assert.deepEqual(resolveCredentials({ flags: { cloud: 'mine' }, env: {}, cwd: here, home: inHome }), { endpoint: 'http://cwd:9696' });
  });

  it('refuses an endpoint that is not an http(s) URL', () => {
    assert.throws(() => resolveCredentials({ flags: { endpoint: 'localhost:9696' }, env: {}, cwd, home }), /--os-endpoint: 'localhost:9696' is not an http:\/\/ or https:\/\/ URL/);
  });
});

describe('cloudCredentials', () => {
  it("turns a password cloud (also without auth_type: openstacksdk's default) or OS_AUTH_URL and friends into a Keystone login", () => {
    const body = '    auth:\n      auth_url: http://keystone:5000/v3\n      username: alice\n      password: pw\n      project_name: demo\n';
    const explicit = cloudsYaml(join(root, 'pw1'), `clouds:\n  mine:\n    auth_type: password\n${body}`);
    const implicit = cloudsYaml(join(root, 'pw2'), `clouds:\n  mine:\n${body}`);
    const login = { authUrl: 'http://keystone:5000/v3', username: 'alice', password: 'pw', projectName: 'demo', userDomainName: 'Default', projectDomainName: 'Default' };
    for (const file of [explicit, implicit]) assert.deepEqual(cloudCredentials('mine', [file]), { login });
    const env = { OS_AUTH_URL: 'http://keystone:5000/v3', OS_USERNAME: 'alice', OS_PASSWORD: 'pw', OS_PROJECT_NAME: 'demo' };
    assert.deepEqual(resolveCredentials({ flags: {}, env, cwd, home }), { login });
    const partial = cloudsYaml(join(root, 'pw3'), 'clouds:\n  mine:\n    auth:\n      auth_url: http://keystone:5000/v3\n');
    assert.throws(() => cloudCredentials('mine', [partial]), (err: Error) => err instanceof CredentialsError && /needs auth.auth_url, username, password and project_name/.test(err.message));
  });

  it('names what is missing: the file, the cloud, the endpoint', () => {
    const missing = join(root, 'nowhere', 'clouds.yaml');
    assert.throws(() => cloudCredentials('mine', [missing]), new RegExp(`cloud 'mine' requested but no clouds.yaml found \\(looked at ${missing}\\)`));
    const other = cloudsYaml(join(root, 'other'), NOAUTH_CLOUD('http://x:9696'));
    assert.throws(() => cloudCredentials('theirs', [other]), /cloud 'theirs' not found in/);
    const noEndpoint = cloudsYaml(join(root, 'no-endpoint'), 'clouds:\n  mine:\n    auth_type: none\n');
    assert.throws(() => cloudCredentials('mine', [noEndpoint]), /auth_type none needs auth.endpoint/);
  });

  it('reports a clouds.yaml that is not YAML', () => {
    const broken = cloudsYaml(join(root, 'broken'), 'clouds: [unclosed\n');
    assert.throws(() => cloudCredentials('mine', [broken]), /cannot read .*clouds.yaml/);
  });

  it('takes the first clouds.yaml that exists', () => {
    const second = cloudsYaml(join(root, 'second'), NOAUTH_CLOUD('http://second:9696'));
    assert.deepEqual(cloudCredentials('mine', [join(root, 'absent', 'clouds.yaml'), second]), { endpoint: 'http://second:9696' });
  });
});
