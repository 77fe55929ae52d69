// npm package names → Debian package names, refused with the rule they break.
import { UserError } from '../errors.js';

/** Debian Policy 5.6.1: lowercase letters, digits, + - . ; at least two; starts alphanumeric. */
const DEBIAN_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/** Maps `@acme/api` → `acme-api` and `my_app` → `my-app`; anything else must already be valid. */
export function debianNameFromNpm(npmName: string): string {
  return npmName.replace(/^@/, '').replace(/\//g, '-').replace(/_/g, '-');
}

/** Validates a package name; `source` says where it came from, for the error. */
export function checkPackageName(name: string, source: string): string {
  if (!DEBIAN_NAME.test(name)) {
    throw new UserError(
      `${source}: "${name}" is not a valid package name: it must be at least two characters of lowercase letters, digits, "+", "-" and ".", starting with a letter or digit`,
      {
        code: 'PKGAPP_NAME_INVALID',
        hint: 'Set "pkgapp": { "name": "my-app" } in package.json to choose the package name',
      },
    );
  }
  return name;
}
