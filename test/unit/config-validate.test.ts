// The precompiled configuration validator (src/app/config-validate.generated.ts, written by
// `npm run docs` through scripts/config-validator.ts) is the one ajv compiles from the schema in
// src/app/config-schema.ts now: the same text, and the same verdicts and errors on valid and
// invalid configurations.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import AjvModule from 'ajv';
import { configSchema } from '../../src/app/config-schema.js';
import { validate } from '../../src/app/config-validate.generated.js';
import { GENERATED_VALIDATOR, renderConfigValidator, VALIDATOR_OPTIONS } from '../../scripts/config-validator.js';
import { REPO_ROOT } from '../helpers/testdir.js';

test('src/app/config-validate.generated.ts is up to date with the schema (npm run docs regenerates it)', async () => {
  assert.equal(
    readFileSync(`${REPO_ROOT}${GENERATED_VALIDATOR}`, 'utf8'),
    await renderConfigValidator(REPO_ROOT),
    `${GENERATED_VALIDATOR} is stale: run npm run docs`,
  );
});

test('the precompiled validator gives the verdicts and errors of ajv compiling the schema now', () => {
  const fresh = new AjvModule.default(VALIDATOR_OPTIONS).compile(configSchema);
  const precompiled = validate as unknown as { (data: unknown): boolean; errors?: unknown };
  const samples: unknown[] = [
    {},
    { name: 'hello', service: { entry: 'server.js' }, env: { PORT: { default: '3000' } } },
    { '// comment': 'x', include: ['dist/'], exclude: [] },
    { name: 5, bogus: true },
    { service: false },
    { service: { entry: '' } },
    { env: { 'bad name': {} } },
    { hooks: { postinst: 1, nope: 'x' } },
    { include: [''] },
    'not an object',
  ];
  let invalid = 0;
  for (const sample of samples) {
    const verdict = fresh(sample);
    assert.equal(precompiled(sample), verdict, JSON.stringify(sample));
    assert.deepEqual(precompiled.errors ?? null, fresh.errors ?? null, JSON.stringify(sample));
    if (!verdict) invalid++;
  }
  assert.ok(invalid >= 5 && invalid < samples.length, `invalid samples: ${invalid}`);
});
