// Content-Type and Cache-Control of what publish writes (src/publish/object-headers.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headersFor, IMMUTABLE, PRIVATE, REVALIDATE } from '../../src/publish/object-headers.js';

const HEX = 'a'.repeat(64);

test('pool files, by-hash copies and checksum-named repodata are immutable; entry points revalidate', () => {
  const cases: [string, string | undefined, string, string][] = [
    ['apt/pool/main/a/acme/acme_1.0.0_all.deb', undefined, 'application/vnd.debian.binary-package', IMMUTABLE],
    ['yum/pool/acme/acme-1.0.0-1.noarch.rpm', undefined, 'application/x-rpm', IMMUTABLE],
    [
      `apt/dists/stable/main/binary-amd64/by-hash/SHA256/${HEX}`,
      'main/binary-amd64/Packages.xz',
      'application/x-xz',
      IMMUTABLE,
    ],
    [
      `apt/dists/stable/main/binary-all/by-hash/SHA256/${HEX}`,
      'main/binary-all/Packages',
      'text/plain; charset=utf-8',
      IMMUTABLE,
    ],
    [`yum/stable/repodata/${HEX}-primary.xml.gz`, undefined, 'application/gzip', IMMUTABLE],
    ['apt/dists/stable/InRelease', undefined, 'text/plain; charset=utf-8', REVALIDATE],
    ['apt/dists/stable/Release', undefined, 'text/plain; charset=utf-8', REVALIDATE],
    ['apt/dists/stable/Release.gpg', undefined, 'application/pgp-signature', REVALIDATE],
    ['apt/dists/stable/main/binary-amd64/Packages.gz', undefined, 'application/gzip', REVALIDATE],
    ['yum/stable/repodata/repomd.xml', undefined, 'application/xml', REVALIDATE],
    ['yum/stable/repodata/repomd.xml.asc', undefined, 'application/pgp-signature', REVALIDATE],
    ['apt/pkgapp-archive-keyring.gpg', undefined, 'application/pgp-keys', REVALIDATE],
    ['yum/RPM-GPG-KEY-pkgapp', undefined, 'application/pgp-keys', REVALIDATE],
    ['apt/pkgapp-state.json', undefined, 'application/json', PRIVATE],
    ['pkgapp-publish.lock', undefined, 'application/octet-stream', PRIVATE],
  ];
  for (const [key, like, contentType, cacheControl] of cases)
    assert.deepEqual(headersFor(key, like), { contentType, cacheControl }, key);
});
