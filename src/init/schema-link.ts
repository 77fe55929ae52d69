// The "$schema" init writes, so editors complete and check pkgapp.config.json. A relative path
// only works when pkgapp is installed in the project (it rarely is: `npx pkgapp` runs without
// it); otherwise the schema of the running pkgapp version, as published on npm, by URL.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { pkgappVersion } from '../util/pkgapp-version.js';

const SCHEMA_IN_PACKAGE = 'schema/pkgapp.schema.json';

/** The published schema of pkgapp `version` (the npm package ships schema/). */
export function publishedSchemaUrl(version = pkgappVersion()): string {
  return `https://cdn.jsdelivr.net/npm/pkgapp@${version}/${SCHEMA_IN_PACKAGE}`;
}

/**
 * `./node_modules/pkgapp/schema/pkgapp.schema.json` (or `../../node_modules/…` from a workspace)
 * when pkgapp is installed where Node would resolve it from `appDir`, else the published URL.
 */
export async function schemaLink(appDir: string): Promise<string> {
  for (let dir = path.resolve(appDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'pkgapp', SCHEMA_IN_PACKAGE);
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    ) {
      const rel = path.relative(appDir, candidate).split(path.sep).join('/');
      return rel.startsWith('.') ? rel : `./${rel}`;
    }
    if (path.dirname(dir) === dir) return publishedSchemaUrl();
  }
}
