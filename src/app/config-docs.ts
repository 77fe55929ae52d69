// The configuration reference, generated from the schema so the two cannot drift apart.
import { configSchema } from './config-schema.js';

interface SchemaNode {
  type?: string;
  description?: string;
  enum?: readonly unknown[];
  const?: unknown;
  oneOf?: readonly SchemaNode[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  pattern?: string;
}

/** docs/configuration.md: every key with its type and description, nested keys as paths. */
export function renderConfigurationReference(): string {
  const rows: string[] = [];
  const walk = (node: SchemaNode, keyPath: string) => {
    if (keyPath) rows.push(`| \`${keyPath}\` | ${typeOf(node)} | ${(node.description ?? '').replace(/\|/g, '\\|')} |`);
    const object = node.oneOf?.find((n) => n.properties) ?? node;
    for (const [key, child] of Object.entries(object.properties ?? {})) {
      if (key === '$schema') continue;
      walk(child, keyPath ? `${keyPath}.${key}` : key);
    }
    if (typeof object.additionalProperties === 'object' && object.additionalProperties.properties) {
      walk(object.additionalProperties, `${keyPath}.NAME`);
    }
  };
  walk(configSchema, '');
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from src/app/config-schema.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'pkgapp reads the `pkgapp` key of package.json, or `pkgapp.config.json` beside it (not both).',
    'Every key is optional: defaults come from package.json. Unknown keys and wrong types are',
    'errors that name the key path. Editors complete and check the file with the JSON Schema',
    'shipped in the npm package; `pkgapp init` links the published one,',
    '`"$schema": "https://cdn.jsdelivr.net/npm/pkgapp@VERSION/schema/pkgapp.schema.json"` (VERSION: the',
    'pkgapp that ran init), or `"./node_modules/pkgapp/schema/pkgapp.schema.json"` when pkgapp is',
    'installed in the project (a path that does not exist would leave the editor without a schema).',
    '',
    '| key | type | meaning |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** schema/pkgapp.schema.json: the schema itself, for editors. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(configSchema, null, 2)}\n`;
}

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (node.oneOf) return node.oneOf.map(typeOf).join(' \\| ');
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.type === 'array') return `${node.items?.type ?? 'value'}[]`;
  if (node.type === 'object' && typeof node.additionalProperties === 'object' && !node.properties) {
    return node.additionalProperties.properties
      ? 'object of NAME → object'
      : `object of ${node.additionalProperties.type ?? 'value'}`;
  }
  return node.type ?? 'value';
}
