// A bundled npm package as the package's copyright file (src/contents/generated-files.ts) and
// its SBOM (src/sbom/cyclonedx.ts) both list it. A leaf module: the generated files render the
// SBOM, so the type cannot live in either of them without an import cycle.

/** A bundled package and its declared license. */
export interface BundledLicense {
  /** Where it lives under the app directory, e.g. "node_modules/express". */
  location: string;
  name: string;
  version: string;
  license: string | undefined;
}
