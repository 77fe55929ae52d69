// Other platforms' prebuilt binaries: prebuilds/<platform>-<arch> directories, musl-tagged
// files and optional packages whose os/cpu/libc exclude linux + the target CPU + glibc.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitsTarget, isForeignPrebuildDir, isMuslPrebuild } from '../../src/contents/platform-filter.js';

test('prebuilds directories of other platforms or CPUs are foreign; unknown names are kept', () => {
  const x64 = { cpu: 'x64' };
  for (const name of [
    'darwin-x64',
    'darwin-x64+arm64',
    'win32-x64',
    'win32-ia32',
    'linux-arm64',
    'linux-arm',
    'android-arm64',
    'linuxmusl-x64',
    'freebsd-x64',
  ])
    assert.equal(isForeignPrebuildDir(name, x64), true, name);
  for (const name of ['linux-x64', 'linux-x64+arm64', 'napi-v3', 'binding', 'Release'])
    assert.equal(isForeignPrebuildDir(name, x64), false, name);
  assert.equal(isForeignPrebuildDir('linux-arm64', { cpu: 'arm64' }), false);
  assert.equal(isForeignPrebuildDir('linux-x64', { cpu: 'arm64' }), true);
});

test('musl-tagged prebuilds are dropped for glibc targets', () => {
  assert.equal(isMuslPrebuild('node.napi.musl.node'), true);
  assert.equal(isMuslPrebuild('classic-level.musl.node'), true);
  for (const name of ['node.napi.glibc.node', 'node.napi.node', 'musl.js', 'node.napi.armv7.node'])
    assert.equal(isMuslPrebuild(name), false, name);
});

test("optional packages: npm's os/cpu/libc rules against linux, the CPU and glibc", () => {
  const x64 = { cpu: 'x64' };
  assert.equal(fitsTarget({ os: ['darwin'], cpu: ['arm64'] }, x64), false, '@img/sharp-darwin-arm64');
  assert.equal(fitsTarget({ os: ['linux'], cpu: ['x64'], libc: ['glibc'] }, x64), true, '@img/sharp-linux-x64');
  assert.equal(fitsTarget({ os: ['linux'], cpu: ['x64'], libc: ['musl'] }, x64), false, '@next/swc-linux-x64-musl');
  assert.equal(fitsTarget({ os: ['linux'], cpu: ['arm64'] }, x64), false);
  assert.equal(fitsTarget({ os: ['!win32'] }, x64), true);
  assert.equal(fitsTarget({ os: ['!linux'] }, x64), false);
  assert.equal(fitsTarget({ cpu: ['!arm', '!ia32'] }, x64), true);
  assert.equal(fitsTarget({}, x64), true);
});
