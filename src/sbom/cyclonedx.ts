// The software bill of materials: a CycloneDX 1.5 JSON document listing the app and every
// bundled npm package with its version, purl and declared license. Deterministic: fixed
// timestamp (SOURCE_DATE_EPOCH), sorted lists, no serial number.
//
// The document is the one @cyclonedx/cyclonedx-library serializes for these inputs (its JSON
// normalizer with sortLists, the purls packageurl-js writes, the same license choice), written
// directly: loading the library and its dependencies took ~60 ms and ~15 MiB on every build.
// test/unit/sbom-render.test.ts compares the two byte for byte. The library's list of SPDX
// license ids is still the reference, read from its data file.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as CDX from '@cyclonedx/cyclonedx-library';
import type { BundledLicense } from './bundled-license.js';
import type { Manifest } from '../manifest/manifest.js';
import { pkgappVersion } from '../util/pkgapp-version.js';

const SPEC_VERSION = '1.5';
const require = createRequire(import.meta.url);

/** The CycloneDX spec version written, for validators (the library's enum value, '1.5'). */
export const SBOM_SPEC_VERSION = SPEC_VERSION as unknown as CDX.Spec.Version;

type License = { license: { id: string } } | { license: { name: string } } | { expression: string };

interface Component {
  type: 'application' | 'library';
  name: string;
  group?: string;
  version?: string;
  'bom-ref': string;
  licenses?: License[];
  purl: string;
}

let lastInput: { manifest: Manifest; bundled: readonly BundledLicense[]; text: string } | undefined;

/** The SBOM text for the app and its bundled packages (one component per name@version). */
export function renderSbom(manifest: Manifest, bundled: readonly BundledLicense[]): string {
  // A build renders it for the file beside the packages and inside each package: once.
  if (lastInput?.manifest === manifest && lastInput.bundled === bundled) return lastInput.text;
  const seen = new Set<string>();
  const components: Component[] = [];
  const refs = new Set<string>();
  const app = component('application', manifest.npmName, manifest.version.npm, manifest.license);
  refs.add(app['bom-ref']);
  for (const pkg of bundled) {
    const key = `${pkg.name}@${pkg.version}`;
    if (seen.has(key)) continue; // npm may install one version at several places
    seen.add(key);
    const c = component('library', pkg.name, pkg.version, pkg.license);
    // Two packages with one purl (names differing in case only): the library would give the
    // second a random bom-ref; here the second keeps a deterministic one.
    for (let n = 2; refs.has(c['bom-ref']); n++) c['bom-ref'] = `${c.purl}#${n}`;
    refs.add(c['bom-ref']);
    components.push(c);
  }
  components.sort((a, b) => a['bom-ref'].localeCompare(b['bom-ref']) || a.purl.localeCompare(b.purl));
  const bom = {
    $schema: `http://cyclonedx.org/schema/bom-${SPEC_VERSION}.schema.json`,
    bomFormat: 'CycloneDX',
    specVersion: SPEC_VERSION,
    version: 1,
    metadata: {
      timestamp: new Date(manifest.buildTime * 1000).toISOString(),
      tools: { components: [{ type: 'application', name: 'pkgapp', version: pkgappVersion() }] },
      component: app,
    },
    components,
    dependencies: [...refs].sort((a, b) => a.localeCompare(b)).map((ref) => ({ ref })),
  };
  const text = `${JSON.stringify(bom, null, 2)}\n`;
  lastInput = { manifest, bundled, text };
  return text;
}

function component(type: Component['type'], npmName: string, version: string, license: string | undefined): Component {
  const scoped = /^(@[^/]+)\/(.+)$/.exec(npmName);
  const [group, name] = scoped ? [scoped[1]!, scoped[2]!] : [undefined, npmName];
  const purl = npmPurl(group, name, version);
  const licenses = license && license !== 'UNLICENSED' ? [licenseChoice(license)] : undefined;
  return {
    type,
    name,
    ...(group ? { group } : {}),
    ...(version ? { version } : {}),
    'bom-ref': purl,
    ...(licenses ? { licenses } : {}),
    purl,
  };
}

/** packageurl-js's canonical form of an npm purl: namespace and name lowercased, then encoded. */
function npmPurl(namespace: string | undefined, name: string, version: string): string {
  const ns =
    namespace === undefined
      ? ''
      : namespace
          .replace(/^\/+|\/+$/g, '')
          .replace(/\/{2,}/g, '/')
          .toLowerCase();
  const v = version.trim();
  return `pkg:npm/${ns ? `${encodeURIComponent(ns).replace(/%3A/g, ':').replace(/%2F/g, '/')}/` : ''}${encodeURIComponent(name.trim().toLowerCase())}${v ? `@${encodeURIComponent(v).replace(/%3A/g, ':').replace(/%2B/g, '+')}` : ''}`;
}

/**
 * The library's LicenseFactory.makeFromString: a known SPDX id (any case) as its id, else a
 * valid SPDX expression, else a named license.
 */
function licenseChoice(value: string): License {
  const id = spdxIds().get(value.toLowerCase());
  if (id !== undefined && value.length > 0) return { license: { id } };
  try {
    (require('spdx-expression-parse') as (expression: string) => unknown)(value);
    return { expression: value };
  } catch {
    return { license: { name: value } };
  }
}

let ids: Map<string, string> | undefined;

/** SPDX license ids by lowercase id, from the CycloneDX library's schema. */
function spdxIds(): Map<string, string> {
  if (!ids) {
    const dir = path.dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json'));
    const schema = JSON.parse(readFileSync(path.join(dir, 'res', 'schema', 'spdx.SNAPSHOT.schema.json'), 'utf8')) as {
      enum: string[];
    };
    ids = new Map(schema.enum.map((id) => [id.toLowerCase(), id]));
  }
  return ids;
}
