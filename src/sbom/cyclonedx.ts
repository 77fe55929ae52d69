// The software bill of materials: a CycloneDX 1.5 JSON document listing the app and every
// bundled npm package with its version, purl and declared license, built with the CycloneDX
// library. Deterministic: fixed timestamp (SOURCE_DATE_EPOCH), sorted lists, no serial number.
import * as CDX from '@cyclonedx/cyclonedx-library';
import { PackageURL } from 'packageurl-js';
import parseSpdx from 'spdx-expression-parse';
import type { BundledLicense } from '../contents/generated-files.js';
import type { Manifest } from '../manifest/manifest.js';
import { pkgappVersion } from '../util/pkgapp-version.js';

const SPEC = CDX.Spec.Spec1dot5;

/** The SBOM text for the app and its bundled packages (one component per name@version). */
export function renderSbom(manifest: Manifest, bundled: readonly BundledLicense[]): string {
  // Valid SPDX expressions become license ids/expressions; anything else a named license.
  const licenses = new CDX.Contrib.License.Factories.LicenseFactory((expression) => void parseSpdx(expression));
  const bom = new CDX.Models.Bom();
  bom.metadata.timestamp = new Date(manifest.buildTime * 1000);
  bom.metadata.tools.components.add(new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'pkgapp', { version: pkgappVersion() }));
  bom.metadata.component = component(CDX.Enums.ComponentType.Application, manifest.npmName, manifest.version.npm, manifest.license, licenses);
  const seen = new Set<string>();
  for (const pkg of bundled) {
    const key = `${pkg.name}@${pkg.version}`;
    if (seen.has(key)) continue; // npm may install one version at several places
    seen.add(key);
    bom.components.add(component(CDX.Enums.ComponentType.Library, pkg.name, pkg.version, pkg.license, licenses));
  }
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(SPEC));
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}

/** The CycloneDX spec version written, for validators. */
export const SBOM_SPEC_VERSION = SPEC.version;

function component(type: CDX.Enums.ComponentType, npmName: string, version: string, license: string | undefined, licenses: CDX.Contrib.License.Factories.LicenseFactory): CDX.Models.Component {
  const scoped = /^(@[^/]+)\/(.+)$/.exec(npmName);
  const [group, name] = scoped ? [scoped[1]!, scoped[2]!] : [undefined, npmName];
  const purl = new PackageURL('npm', group, name, version, undefined, undefined);
  const result = new CDX.Models.Component(type, name, { version, ...(group ? { group } : {}), purl: purl as unknown as string, bomRef: purl.toString() });
  if (license && license !== 'UNLICENSED') result.licenses.add(licenses.makeFromString(license));
  return result;
}
