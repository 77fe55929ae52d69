import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderConfigurationReference, renderJsonSchema } from '../../src/app/config-docs.js';
import { ERROR_CATALOGUE, renderErrorReference } from '../../src/error-catalogue.js';
import { REPO_ROOT } from '../helpers/testdir.js';

test('docs/configuration.md and schema/pkgapp.schema.json match the schema in the code (npm run docs)', () => {
  assert.equal(readFileSync(`${REPO_ROOT}docs/configuration.md`, 'utf8'), renderConfigurationReference());
  assert.equal(readFileSync(`${REPO_ROOT}schema/pkgapp.schema.json`, 'utf8'), renderJsonSchema());
});

test('the reference names every key, nested ones by path', () => {
  const text = renderConfigurationReference();
  for (const key of [
    'name',
    'service.entry',
    'service.unit',
    'env.NAME.required',
    'env.NAME.default',
    'hooks.postinst',
    'depends.rpm',
    'node',
    'buildScript',
  ]) {
    assert.match(text, new RegExp(`^\\| \`${key.replace(/\./g, '\\.')}\` \\|`, 'm'), key);
  }
});

test('docs/errors.md matches the error catalogue in the code (npm run docs)', () => {
  assert.equal(readFileSync(`${REPO_ROOT}docs/errors.md`, 'utf8'), renderErrorReference());
  for (const e of ERROR_CATALOGUE)
    assert.match(renderErrorReference(), new RegExp(`^\\| \`${e.code}\` \\| ${e.exitCode} \\|`, 'm'), e.code);
});
