// npm semver → the format-neutral app version, with the refusals that keep Debian's and rpm's
// orderings in step.
import * as semver from '../util/semver.js';
import { UserError } from '../errors.js';

/** A parsed app version, still format-neutral. */
export interface AppVersion {
  /** The npm version exactly as written in package.json (or --version). */
  npm: string;
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
  build: string[];
}

/** Parses and checks an npm version; `source` names where it came from for the error. */
export function parseAppVersion(raw: string, source: string): AppVersion {
  const parsed = semver.parse(raw, { loose: false });
  if (!parsed) {
    throw new UserError(`${source}: "${raw}" is not a valid semver version`, {
      code: 'PKGAPP_VERSION_INVALID',
      hint: 'Use MAJOR.MINOR.PATCH with optional -prerelease and +build, e.g. 1.2.3 or 1.2.0-beta.1',
    });
  }
  const prerelease = parsed.prerelease.map(String);
  const build = [...parsed.build];
  // Debian reads the last '-' of a version as the start of the revision, so a hyphen inside
  // a prerelease or build identifier would silently change what the version means and how it
  // sorts (1.0.0~alpha-10 is upstream "1.0.0~alpha", revision "10"). rpm forbids '-' outright.
  for (const [part, ids] of [
    ['prerelease', prerelease],
    ['build metadata', build],
  ] as const) {
    const bad = ids.find((id) => id.includes('-'));
    if (bad !== undefined) {
      throw new UserError(
        `${source}: ${part} identifier "${bad}" of version "${raw}" contains '-', which Debian and rpm versions reserve for the release`,
        {
          code: 'PKGAPP_VERSION_HYPHEN',
          hint: `Separate identifiers with dots instead, e.g. "${bad.replace(/-/g, '.')}"`,
        },
      );
    }
  }
  return {
    npm: parsed.version + (build.length ? `+${build.join('.')}` : ''),
    major: parsed.major,
    minor: parsed.minor,
    patch: parsed.patch,
    prerelease,
    build,
  };
}

/** Checks a packaging revision given with --release (the Debian revision / rpm Release). */
export function checkRelease(raw: string): string {
  if (!/^[0-9][0-9A-Za-z.+~]*$/.test(raw)) {
    throw new UserError(`--release "${raw}" is not a valid release`, {
      code: 'PKGAPP_RELEASE_INVALID',
      hint: 'Use a number such as 1 or 2 (digits, then letters, digits, ".", "+" or "~")',
    });
  }
  return raw;
}

/**
 * The upstream part of the package version, which Debian and rpm spell alike: prerelease after
 * '~' so 1.2.0~beta.1 sorts before 1.2.0 (both sort '~' first), build metadata after '+' (it
 * sorts after the plain version, which semver calls equal). Each format adds its release
 * (src/deb/deb-version.ts, src/rpm/rpm-version.ts). docs/internals/versions.md.
 */
export function upstreamVersion(version: AppVersion): string {
  let text = `${version.major}.${version.minor}.${version.patch}`;
  if (version.prerelease.length) text += `~${version.prerelease.join('.')}`;
  if (version.build.length) text += `+${version.build.join('.')}`;
  return text;
}
