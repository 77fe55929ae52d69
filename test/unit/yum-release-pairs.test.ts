// pkgapp.releases in a yum channel (src/publish/yum/release-pairs.ts): which entries are NAME
// packages with a release, which are release packages, and what keep drops, read from the
// requires in each entry's primary.xml fragment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  releaseOf,
  releasePackages,
  releasesBeyondKeep,
  requiredRelease,
  withoutRelease,
} from '../../src/publish/yum/release-pairs.js';
import type { ChannelEntry } from '../../src/publish/yum/yum-state.js';

function entry(name: string, version: string, requires: string[]): ChannelEntry {
  const primary = `<package type="rpm">\n  <name>${name}</name>\n  <format>\n    <rpm:requires>\n${requires.map((r) => `      ${r}\n`).join('')}    </rpm:requires>\n  </format>\n</package>\n`;
  return {
    file: `${name}-${version}-1.noarch.rpm`,
    name,
    arch: 'noarch',
    epoch: 0,
    version,
    release: '1',
    sha256: 'a'.repeat(64),
    size: 1,
    primary,
    filelists: '',
    other: '',
  };
}

const app = (v: string) =>
  entry('acme-hello', v, [
    `<rpm:entry name="acme-hello-release-${v}" flags="EQ" epoch="0" ver="${v}" rel="1"/>`,
    '<rpm:entry name="/bin/sh" pre="1"/>',
  ]);
const release = (v: string) =>
  entry(`acme-hello-release-${v}`, v, [
    '<rpm:entry name="acme-hello"/>',
    '<rpm:entry name="nodejs" flags="GE" epoch="0" ver="18"/>',
  ]);
const all = ['1.0.0', '1.1.0', '1.2.0'].flatMap((v) => [app(v), release(v)]);

test('requiredRelease and releaseOf: only the exact NAME-release-ID = own EVR, and a release requiring NAME', () => {
  assert.equal(requiredRelease(app('1.1.0')), 'acme-hello-release-1.1.0');
  assert.equal(requiredRelease(release('1.1.0')), undefined);
  // Another version's release, or another package's, is not a pair.
  assert.equal(requiredRelease({ ...app('1.1.0'), version: '1.2.0' }), undefined);
  assert.equal(requiredRelease({ ...app('1.1.0'), name: 'other' }), undefined);
  assert.equal(releaseOf(release('1.1.0')), 'acme-hello');
  assert.equal(releaseOf(app('1.1.0')), undefined);
  assert.deepEqual(
    releasePackages([app('1.1.0')], all).map((e) => e.name),
    ['acme-hello-release-1.1.0'],
  );
});

test('withoutRelease: NAME needs its release in the same run or listed', () => {
  assert.deepEqual(
    withoutRelease([app('1.2.0')], all.slice(0, 4)).map((m) => m.release),
    ['acme-hello-release-1.2.0'],
  );
  assert.deepEqual(withoutRelease([app('1.2.0'), release('1.2.0')], []), []);
  assert.deepEqual(withoutRelease([app('1.2.0')], all), []);
});

test('releasesBeyondKeep: a release goes when no remaining NAME requires it, unless this run brings it', () => {
  const dropped = new Set([app('1.0.0').file]);
  assert.deepEqual(
    releasesBeyondKeep(all, dropped, new Set()).map((e) => e.name),
    ['acme-hello-release-1.0.0'],
  );
  assert.deepEqual(releasesBeyondKeep(all, dropped, new Set([release('1.0.0').file])), []);
  // A release listed without its NAME (published alone earlier) goes too.
  const orphan = release('0.9.0');
  assert.deepEqual(
    releasesBeyondKeep([...all, orphan], new Set(), new Set()).map((e) => e.name),
    ['acme-hello-release-0.9.0'],
  );
});
