// `--repo` values (src/publish/storage/repo-url.ts): a directory, or s3://BUCKET/PREFIX with the
// bucket and prefix checked before any request, with errors naming the value and what is wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRepoLocation } from '../../src/publish/storage/repo-url.js';
import { assertUserError } from '../helpers/storage-conformance.js';

test('a value without a scheme is a directory, kept as given', () => {
  assert.deepEqual(parseRepoLocation('./repo'), { kind: 'directory', dir: './repo' });
  assert.deepEqual(parseRepoLocation('/srv/repo'), { kind: 'directory', dir: '/srv/repo' });
  assert.deepEqual(
    parseRepoLocation('s3-mirror/x'),
    { kind: 'directory', dir: 's3-mirror/x' },
    'no "://": a directory, even if it starts with s3',
  );
});

test('s3://BUCKET/PREFIX: the prefix loses leading and trailing "/", the URL is normalised', () => {
  assert.deepEqual(parseRepoLocation('s3://acme-packages'), {
    kind: 's3',
    bucket: 'acme-packages',
    prefix: '',
    url: 's3://acme-packages',
  });
  assert.deepEqual(parseRepoLocation('s3://acme-packages/'), {
    kind: 's3',
    bucket: 'acme-packages',
    prefix: '',
    url: 's3://acme-packages',
  });
  assert.deepEqual(parseRepoLocation('s3://acme.packages.example/repos/apt/'), {
    kind: 's3',
    bucket: 'acme.packages.example',
    prefix: 'repos/apt',
    url: 's3://acme.packages.example/repos/apt',
  });
  assert.deepEqual(
    parseRepoLocation('S3://abc/x'),
    { kind: 's3', bucket: 'abc', prefix: 'x', url: 's3://abc/x' },
    'the scheme is case-insensitive',
  );
});

test('bad values are PKGAPP_REPO_URL_INVALID naming the option, the value and what is wrong', () => {
  const cases: [string, string][] = [
    ['', 'is empty'],
    ['https://repo.example.com/apt', 'uses https://'],
    ['gs://bucket/x', 'uses gs://'],
    ['s3://', 'has no bucket name'],
    ['s3:///prefix', 'has no bucket name'],
    ['s3://ab', 'is 2 characters long'],
    [`s3://${'a'.repeat(64)}`, 'is 64 characters long'],
    ['s3://Acme/x', 'characters S3 does not allow'],
    ['s3://acme_pkgs/x', 'characters S3 does not allow'],
    ['s3://-acme/x', 'characters S3 does not allow'],
    ['s3://acme..pkgs/x', 'has ".."'],
    ['s3://192.168.1.10/x', 'looks like an IP address'],
    ['s3://acme/a//b', 'empty path segment'],
    ['s3://acme/a/../b', 'starting with "."'],
    ['s3://acme/.hidden', 'starting with "."'],
    ['s3://acme/a?versionId=1', 'query or fragment'],
    ['s3://acme/a\\b', 'backslash'],
  ];
  for (const [value, what] of cases) {
    let error: unknown;
    try {
      parseRepoLocation(value, '--repo');
    } catch (e) {
      error = e;
    }
    assertUserError(error, 'PKGAPP_REPO_URL_INVALID', ['--repo', JSON.stringify(value), what]);
  }
});

test("the option name in messages is the caller's (promote --to, a config key)", () => {
  assert.throws(() => parseRepoLocation('ftp://x', '--to'), /^UserError: --to "ftp:\/\/x" uses ftp:\/\//);
});
