// Files Debian expects of every package besides the app: the changelog and lintian overrides.
import { gzipSync } from 'node:zlib';
import type { ContentEntry } from '../contents/content-entry.js';
import type { Manifest } from '../manifest/manifest.js';
import { debLayout } from './deb-layout.js';
import { debVersion } from './deb-version.js';

/**
 * /usr/share/doc/NAME/changelog.gz (native version) or changelog.Debian.gz (with a revision),
 * compressed like `gzip -9n`, and the lintian override for /opt, which the contract chose.
 */
export function debianDocFiles(manifest: Manifest): ContentEntry[] {
  const version = debVersion(manifest.version, manifest.release);
  const date = new Date(manifest.buildTime * 1000).toUTCString().replace('GMT', '+0000');
  const changelog = [
    `${manifest.name} (${version}) unstable; urgency=medium`,
    '',
    `  * Packaged ${manifest.npmName} ${manifest.version.npm} with pkgapp.`,
    '',
    ` -- ${manifest.maintainer}  ${date}`,
    '',
  ].join('\n');
  const changelogName = manifest.release === undefined ? 'changelog.gz' : 'changelog.Debian.gz';
  const overrides = [
    '# pkgapp installs the application and its pinned node_modules under /opt on purpose:',
    '# it is third-party software that the system package manager should not mix with /usr.',
    `${manifest.name}: dir-or-file-in-opt`,
    '# npm packages keep their license and documentation beside their code; the licenses must',
    "# stay with the code they cover, and /usr/share/doc is for this package's own documents.",
    `${manifest.name}: extra-license-file [${manifest.paths.appDir.slice(1)}/node_modules/*]`,
    `${manifest.name}: package-contains-documentation-outside-usr-share-doc [${manifest.paths.appDir.slice(1)}/node_modules/*]`,
    '# npm nests conflicting versions of a dependency under node_modules/NAME/node_modules.',
    `${manifest.name}: repeated-path-segment node_modules [${manifest.paths.appDir.slice(1)}/node_modules/*]`,
    '',
  ].join('\n');
  return [
    file(
      `${debLayout(manifest.name).docDir.slice(1)}/${changelogName}`,
      gzipSync(Buffer.from(changelog), { level: 9 }),
    ),
    file(`usr/share/lintian/overrides/${manifest.name}`, Buffer.from(overrides)),
  ];
}

function file(path: string, body: Buffer): ContentEntry {
  return { kind: 'file', path, mode: 0o644, size: body.length, source: { body } };
}
