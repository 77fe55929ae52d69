// What never goes into a package: secrets, node_modules noise, node-gyp intermediates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appFileFilter, isNodeGypIntermediate, isNodeModulesNoise } from '../../src/contents/exclude.js';

test('secrets are left out of the app files unless "include" names them', () => {
  const keep = appFileFilter({ include: ['config/public.pem'], exclude: ['fixtures/**'] });
  for (const secret of [
    '.env',
    '.env.production',
    'config/.npmrc',
    '.git/config',
    'certs/server.key',
    'config/id_ed25519',
  ])
    assert.equal(keep(secret), false, secret);
  for (const file of ['server.js', 'config/public.pem', 'lib/env.js']) assert.equal(keep(file), true, file);
  assert.equal(keep('fixtures/a.json'), false, 'exclude globs');
});

test('node_modules noise is recognised by name', () => {
  for (const name of ['.npmignore', '.eslintrc', '.eslintrc.json', '.gitattributes'])
    assert.ok(isNodeModulesNoise(name), name);
  for (const name of ['index.js', '.bin', 'eslintrc.js']) assert.ok(!isNodeModulesNoise(name), name);
});

test('node-gyp intermediates are dropped, the linked addons kept (better-sqlite3 12 layout)', () => {
  const dropped = [
    'build/Makefile',
    'build/config.gypi',
    'build/binding.Makefile',
    'build/better_sqlite3.target.mk',
    'build/deps',
    'build/deps/sqlite3.Makefile',
    'build/node_gyp_bins',
    'build/Release/obj.target',
    'build/Release/obj.target/better_sqlite3.node',
    'build/Release/obj',
    'build/Release/.deps',
    'build/Release/sqlite3.a',
    'build/Debug/foo.o',
    // node-pre-gyp's build tree per N-API version (bcrypt 5); the addon is kept in lib/binding
    'build-tmp-napi-v3',
    'build-tmp-napi-v3/Makefile',
    'build-tmp-napi-v3/Release/bcrypt_lib.node',
  ];
  const kept = [
    'build/Release',
    'build/Release/better_sqlite3.node',
    'build/Release/test_extension.node',
    'build',
    'lib/index.js',
    'src/build/Makefile',
    'deps/sqlite3/sqlite3.c',
    'lib/binding/napi-v3/bcrypt_lib.node',
  ];
  for (const p of dropped) assert.equal(isNodeGypIntermediate(p), true, p);
  for (const p of kept) assert.equal(isNodeGypIntermediate(p), false, p);
});
