// Writes docs/configuration.md, schema/pkgapp.schema.json and the precompiled validator
// (src/app/config-validate.generated.ts) from the configuration schema, and docs/errors.md from
// the error catalogue. Run with `npm run docs`; test/unit/config-docs.test.ts
// fails when they are out of date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigurationReference, renderJsonSchema } from '../src/app/config-docs.js';
import { renderErrorReference } from '../src/error-catalogue.js';
import { GENERATED_VALIDATOR, renderConfigValidator } from './config-validator.js';

const root = fileURLToPath(new URL('../', import.meta.url));
mkdirSync(`${root}schema`, { recursive: true });
writeFileSync(`${root}docs/configuration.md`, renderConfigurationReference());
writeFileSync(`${root}schema/pkgapp.schema.json`, renderJsonSchema());
writeFileSync(`${root}docs/errors.md`, renderErrorReference());
writeFileSync(`${root}${GENERATED_VALIDATOR}`, await renderConfigValidator(root));
console.log(`wrote docs/configuration.md, schema/pkgapp.schema.json, docs/errors.md and ${GENERATED_VALIDATOR}`);
