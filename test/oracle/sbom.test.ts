// The CycloneDX SBOM: valid against the schema, the lockfile's production set exactly, beside
// the package in dist/ and installed under /usr/share/doc/NAME/.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { execa } from 'execa';
import { parseLockfile, productionPackages } from '../../src/app/lockfile.js';
import { SBOM_SPEC_VERSION } from '../../src/sbom/cyclonedx.js';
import { cleanupTestDirs, EXAMPLE_APP, runCli, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

test('the SBOM validates against CycloneDX 1.5 and lists exactly the production packages the lockfile pins', async () => {
  const out = await tempDir();
  const r = await runCli(['build', '-C', EXAMPLE_APP, '-o', out, '-t', 'deb', '--json'], {
    env: { SOURCE_DATE_EPOCH: '1795651200' },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const [pkg] = JSON.parse(r.stdout).packages as { path: string; sbom: string }[];
  assert.equal(path.basename(pkg!.sbom), 'acme-hello-1.0.0.cdx.json');
  const text = await readFile(pkg!.sbom, 'utf8');
  const errors = await new CDX.Validation.JsonStrictValidator(SBOM_SPEC_VERSION).validate(text);
  assert.equal(errors, null, JSON.stringify(errors));

  const sbom = JSON.parse(text) as {
    metadata: { component: { purl: string } };
    components: { name: string; group?: string; version: string; purl: string }[];
  };
  assert.equal(sbom.metadata.component.purl, 'pkg:npm/%40acme/hello@1.0.0');
  const lockPath = path.join(EXAMPLE_APP, 'package-lock.json');
  const pinned = new Set(
    productionPackages(parseLockfile(await readFile(lockPath, 'utf8'), lockPath)).map((p) => `${p.name}@${p.version}`),
  );
  const listed = new Set(sbom.components.map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`));
  assert.deepEqual([...listed].sort(), [...pinned].sort());

  const installed = (
    await execa('dpkg-deb', ['--fsys-tarfile', pkg!.path]).pipe('tar', [
      '-xOf',
      '-',
      './usr/share/doc/acme-hello/sbom.cdx.json',
    ])
  ).stdout;
  assert.equal(`${installed}\n`, text, 'the same SBOM is installed on the server');
});
