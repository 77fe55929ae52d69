// renderSbom writes the CycloneDX document itself; this checks it byte for byte against what
// @cyclonedx/cyclonedx-library serializes for the same inputs (the way pkgapp used to build it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { PackageURL } from 'packageurl-js';
import parseSpdx from 'spdx-expression-parse';
import type { BundledLicense } from '../../src/contents/generated-files.js';
import type { Manifest } from '../../src/manifest/manifest.js';
import { renderSbom } from '../../src/sbom/cyclonedx.js';
import { pkgappVersion } from '../../src/util/pkgapp-version.js';

function withLibrary(manifest: Manifest, bundled: readonly BundledLicense[]): string {
  const spec = CDX.Spec.Spec1dot5;
  const licenses = new CDX.Contrib.License.Factories.LicenseFactory((expression) => void parseSpdx(expression));
  const component = (type: CDX.Enums.ComponentType, npmName: string, version: string, license: string | undefined) => {
    const scoped = /^(@[^/]+)\/(.+)$/.exec(npmName);
    const [group, name] = scoped ? [scoped[1]!, scoped[2]!] : [undefined, npmName];
    const purl = new PackageURL('npm', group, name, version, undefined, undefined);
    const result = new CDX.Models.Component(type, name, {
      version,
      ...(group ? { group } : {}),
      purl: purl as unknown as string,
      bomRef: purl.toString(),
    });
    if (license && license !== 'UNLICENSED') result.licenses.add(licenses.makeFromString(license));
    return result;
  };
  const bom = new CDX.Models.Bom();
  bom.metadata.timestamp = new Date(manifest.buildTime * 1000);
  bom.metadata.tools.components.add(
    new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'pkgapp', { version: pkgappVersion() }),
  );
  bom.metadata.component = component(
    CDX.Enums.ComponentType.Application,
    manifest.npmName,
    manifest.version.npm,
    manifest.license,
  );
  const seen = new Set<string>();
  for (const pkg of bundled) {
    const key = `${pkg.name}@${pkg.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    bom.components.add(component(CDX.Enums.ComponentType.Library, pkg.name, pkg.version, pkg.license));
  }
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(spec));
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}

const manifest = (npmName: string, version: string, license: string, buildTime = 1767225600) =>
  ({ npmName, version: { npm: version }, license, buildTime }) as unknown as Manifest;

const LICENSES = [
  'MIT',
  'mit',
  'Apache-2.0',
  'apache-2.0',
  '(MIT OR Apache-2.0)',
  'MIT AND ISC',
  'BSD-3-Clause OR GPL-2.0+',
  'SEE LICENSE IN LICENSE.md',
  'Custom: https://example.com/license',
  'UNLICENSED',
  'Public Domain',
  'WTFPL',
  'GPL-2.0-only WITH Classpath-exception-2.0',
  'LicenseRef-acme',
  '',
  undefined,
];
const NAMES = [
  'express',
  '@types/node',
  '@Scope/Mixed-Case',
  'JSONStream',
  'lodash.merge',
  'a-b_c~d',
  '@babel/core',
  'zod',
  'über',
  '@x/y%z',
  'abbrev',
  'Abbrev2',
  '_underscore',
  '9digits',
];
const VERSIONS = ['1.0.0', '2.0.0-beta.1', '1.2.3+build.5', '0.0.1-rc.1+sha.abc', '10.3.0'];

test('the SBOM is the document the CycloneDX library writes, byte for byte', () => {
  const bundled: BundledLicense[] = [];
  let i = 0;
  for (const name of NAMES) {
    for (const version of VERSIONS) {
      bundled.push({ location: `node_modules/${name}`, name, version, license: LICENSES[i++ % LICENSES.length] });
    }
  }
  bundled.push({ ...bundled[3]! }); // the same name@version installed twice
  for (const [m, list] of [
    [manifest('@acme/hello', '1.0.0', 'MIT'), bundled],
    [manifest('tiny', '0.1.0-beta.2', 'UNLICENSED'), []],
    [manifest('app', '3.0.0', '(MIT OR ISC)'), bundled.slice(0, 7)],
  ] as const) {
    assert.equal(renderSbom(m, list), withLibrary(m, list));
  }
});
