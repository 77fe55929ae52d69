import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/app/config-schema.js';

function errorOf(value: unknown): string {
  try {
    validateConfig(value, 'package.json "pkgapp"');
  } catch (error) {
    assert.equal((error as { code?: string }).code, 'PKGAPP_CONFIG_INVALID');
    assert.equal((error as { exitCode?: number }).exitCode, 2);
    return (error as Error).message;
  }
  assert.fail('expected the configuration to be refused');
}

test('accepts a full configuration', () => {
  const config = {
    name: 'my-app',
    maintainer: 'A <a@b.c>',
    description: 'Long text',
    section: 'web',
    homepage: 'https://x',
    depends: { deb: ['libfoo1'], rpm: ['foo'] },
    service: {
      entry: 'server.js',
      args: ['--port', '3000'],
      user: 'svc',
      restart: 'always',
      unit: { LimitNOFILE: '65536' },
    },
    env: { PORT: { default: '3000', description: 'port' }, DB_URL: { required: true } },
    include: ['certs/public.pem'],
    exclude: ['docs/**'],
    hooks: { postinst: 'hooks/postinst.sh' },
    node: 'system',
  };
  assert.deepEqual(validateConfig(config, 'x'), config);
  assert.deepEqual(validateConfig({ service: false }, 'x'), { service: false });
});

test('an unknown key is named by its full path', () => {
  assert.match(errorOf({ servce: {} }), /unknown key "pkgapp\.servce"/);
  assert.match(errorOf({ service: { usr: 'x' } }), /unknown key "pkgapp\.service\.usr"/);
  assert.match(errorOf({ env: { PORT: { requred: true } } }), /unknown key "pkgapp\.env\.PORT\.requred"/);
});

test('a wrong type is named by its path', () => {
  assert.match(errorOf({ name: 5 }), /"pkgapp\.name" must be string/);
  assert.match(errorOf({ depends: { deb: 'libfoo' } }), /"pkgapp\.depends\.deb" must be array/);
  assert.match(errorOf({ env: { PORT: { required: 'yes' } } }), /"pkgapp\.env\.PORT\.required" must be boolean/);
  assert.match(
    errorOf({ service: { restart: 'sometimes' } }),
    /"pkgapp\.service\.restart" must be one of "no", "on-success"/,
  );
  assert.match(errorOf({ service: true }), /"pkgapp\.service"/);
});

test('names the file the configuration came from', () => {
  assert.match(errorOf({ bogus: 1 }), /^package\.json "pkgapp": invalid configuration/);
});

test('refuses variable names a shell or systemd could not use', () => {
  assert.match(errorOf({ env: { 'MY-VAR': {} } }), /key "MY-VAR" is not allowed/);
  assert.match(errorOf({ env: { 'X;rm': {} } }), /is not allowed/);
});
