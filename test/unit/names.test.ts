import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPackageName, debianNameFromNpm } from '../../src/manifest/names.js';

test('maps npm names to Debian names', () => {
  assert.equal(debianNameFromNpm('@acme/api'), 'acme-api');
  assert.equal(debianNameFromNpm('my_app'), 'my-app');
  assert.equal(debianNameFromNpm('express'), 'express');
  assert.equal(debianNameFromNpm('node.js-thing'), 'node.js-thing');
});

test('refuses names Debian does not allow, saying the rule and the fix', () => {
  for (const bad of ['A', 'MyApp', 'x', '-app', 'app~1', 'app name']) {
    assert.throws(
      () => checkPackageName(bad, 'package.json "name"'),
      (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, 'PKGAPP_NAME_INVALID');
        assert.match(error.message, /at least two characters of lowercase letters, digits/);
        assert.match(error.hint ?? '', /"pkgapp": \{ "name"/);
        return true;
      },
    );
  }
  assert.equal(checkPackageName('ab', 'x'), 'ab');
  assert.equal(checkPackageName('g++-9', 'x'), 'g++-9');
});
