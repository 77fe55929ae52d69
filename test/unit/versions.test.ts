import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import semver from 'semver';
import { debVersion } from '../../src/deb/deb-version.js';
import { checkRelease, parseAppVersion } from '../../src/manifest/versions.js';

const deb = (v: string, release?: string) => debVersion(parseAppVersion(v, 'test'), release);

test('maps npm versions to Debian versions', () => {
  assert.equal(deb('1.2.3'), '1.2.3');
  assert.equal(deb('1.2.3', '1'), '1.2.3-1');
  assert.equal(deb('1.2.0-beta.1'), '1.2.0~beta.1');
  assert.equal(deb('1.0.0+build.5'), '1.0.0+build.5');
  assert.equal(deb('1.0.0-beta.1+exp.sha.5114f85', '2'), '1.0.0~beta.1+exp.sha.5114f85-2');
  assert.equal(deb('1.0.0-RC.1'), '1.0.0~RC.1');
});

test('refuses versions that are not semver, naming the source', () => {
  assert.throws(() => parseAppVersion('1.2', 'package.json "version"'), {
    code: 'PKGAPP_VERSION_INVALID',
    message: /package\.json "version": "1\.2" is not a valid semver/,
  });
  assert.throws(() => parseAppVersion('latest', '--version'), {
    code: 'PKGAPP_VERSION_INVALID',
    message: /^--version/,
  });
});

test('refuses hyphens inside prerelease and build identifiers (Debian reads them as a revision)', () => {
  assert.throws(() => parseAppVersion('1.0.0-alpha-10', 'v'), { code: 'PKGAPP_VERSION_HYPHEN', message: /"alpha-10"/ });
  assert.throws(() => parseAppVersion('1.0.0+build-5', 'v'), { code: 'PKGAPP_VERSION_HYPHEN' });
});

test('checks --release', () => {
  assert.equal(checkRelease('3'), '3');
  assert.equal(checkRelease('1ubuntu1'), '1ubuntu1');
  for (const bad of ['', 'a1', '1-2', '1_2', '1 2'])
    assert.throws(() => checkRelease(bad), { code: 'PKGAPP_RELEASE_INVALID' });
});

async function dpkgCompare(a: string, op: 'lt' | 'eq' | 'gt', b: string): Promise<boolean> {
  const r = await execa('dpkg', ['--compare-versions', a, op, b], { reject: false });
  return r.exitCode === 0;
}

test('mapped versions sort in dpkg as they sort in npm semver', async () => {
  const ordered = [
    '1.0.0-0',
    '1.0.0-1',
    '1.0.0-RC.1',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.9.0',
    '1.10.0',
    '2.0.0-rc.1',
    '2.0.0',
    '10.0.0',
  ];
  assert.deepEqual([...ordered].sort(semver.compare), ordered, 'the fixture is in semver order');
  for (let i = 1; i < ordered.length; i++) {
    const [a, b] = [ordered[i - 1]!, ordered[i]!];
    assert.ok(await dpkgCompare(deb(a), 'lt', deb(b)), `dpkg: ${deb(a)} < ${deb(b)}`);
    assert.ok(await dpkgCompare(deb(a, '1'), 'lt', deb(b, '1')), `dpkg: ${deb(a, '1')} < ${deb(b, '1')}`);
  }
});

test('build metadata sorts after the plain version and before the next one (semver calls it equal)', async () => {
  assert.ok(await dpkgCompare(deb('1.0.0'), 'lt', deb('1.0.0+build.5')));
  assert.ok(await dpkgCompare(deb('1.0.0+build.5'), 'lt', deb('1.0.1')));
  assert.ok(await dpkgCompare(deb('1.0.0', '1'), 'lt', deb('1.0.0', '2')));
  assert.ok(await dpkgCompare(deb('1.0.0-rc.1', '9'), 'lt', deb('1.0.0', '1')));
});
