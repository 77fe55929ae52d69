// Manifests for unit tests, resolved from in-memory app sources (no disk, no npm).
import type { AppSource, PackageJson } from '../../src/app/read-app.js';
import { validateConfig } from '../../src/app/config-schema.js';
import type { Manifest } from '../../src/manifest/manifest.js';
import { resolveManifest } from '../../src/manifest/resolve-manifest.js';

/** 2026-11-26T00:00:00Z, a fixed SOURCE_DATE_EPOCH. */
export const BUILD_TIME = 1795651200;

export function appSource(pkg: PackageJson, hooks: AppSource['hooks'] = {}): AppSource {
  return {
    dir: '/src/app',
    packageJson: pkg,
    config: validateConfig(pkg.pkgapp ?? {}, 'package.json "pkgapp"'),
    configSource: '/src/app/package.json "pkgapp"',
    lockfilePath: '/src/app/package-lock.json',
    hooks,
    releaseInfo: { lockfileSha256: '0'.repeat(64) },
  };
}

/** The example app's metadata, as a manifest. */
export function exampleManifest(extra: Partial<PackageJson> = {}, hooks: AppSource['hooks'] = {}): Manifest {
  return resolveManifest(
    appSource(
      {
        name: '@acme/hello',
        version: '1.0.0',
        description: 'Tiny HTTP greeting service, packaged by pkgapp',
        author: 'Acme Ops <ops@acme.example>',
        license: 'MIT',
        homepage: 'https://github.com/acme/hello',
        main: 'server.js',
        bin: { 'hello-greet': 'bin/greet.js' },
        engines: { node: '>=18' },
        dependencies: { express: '^4.21.2' },
        pkgapp: {
          env: {
            GREETING: { required: true, description: 'Text the service greets visitors with' },
            PORT: { default: '3000', description: 'TCP port to listen on' },
          },
        },
        ...extra,
      },
      hooks,
    ),
    { buildTime: BUILD_TIME },
  );
}
