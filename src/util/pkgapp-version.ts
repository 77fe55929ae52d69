// pkgapp's own version, from its package.json (one read, at first use).
import { readFileSync } from 'node:fs';

let version: string | undefined;

/** The version of the running pkgapp. */
export function pkgappVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  return version;
}
