// pkgapp.releases in the apt repository: a NAME version and the payload package it depends on
// (NAME-release-ID (= VERSION)) are promoted and dropped by keep together.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseControlFields } from '../../src/deb/read-deb.js';
import { packageStanza, releasePayloads, stanzasBeyondKeep } from '../../src/publish/apt/packages-index.js';

function stanza(name: string, version: string, depends: string) {
  const control = `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: Acme Ops <ops@acme.example>\nDepends: ${depends}\nDescription: test\n`;
  const hex = (n: number) => 'a'.repeat(n);
  return packageStanza(
    parseControlFields(control, 'control'),
    {
      filename: `pool/main/a/${name}/${name}_${version}_all.deb`,
      size: 1,
      md5: hex(32),
      sha1: hex(40),
      sha256: hex(64),
      sha512: hex(128),
    },
    'test',
  );
}

const app = (v: string) => stanza('acme-hello', v, `acme-hello-release-${v} (= ${v}), adduser`);
const payload = (v: string) => stanza(`acme-hello-release-${v}`, v, 'nodejs (>= 18), acme-hello');
const all = ['1.0.0', '1.1.0', '1.2.0'].flatMap((v) => [app(v), payload(v)]);

test('releasePayloads: the payload of exactly that NAME version, nothing for other packages', () => {
  assert.deepEqual(
    releasePayloads([app('1.1.0')], all).map((s) => `${s.package}=${s.version}`),
    ['acme-hello-release-1.1.0=1.1.0'],
  );
  // A payload package itself, or a package without releases, brings nothing along.
  assert.deepEqual(
    releasePayloads([payload('1.1.0'), stanza('other', '1.0.0', 'acme-hello-release-1.0.0 (= 1.0.0)')], all),
    [],
  );
});

test('stanzasBeyondKeep: a dropped NAME version drops its payload package too', () => {
  const dropped = [...stanzasBeyondKeep(all, 2, new Set())].sort();
  assert.deepEqual(dropped, [
    'pool/main/a/acme-hello-release-1.0.0/acme-hello-release-1.0.0_1.0.0_all.deb',
    'pool/main/a/acme-hello/acme-hello_1.0.0_all.deb',
  ]);
});
