import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseArch } from '../../src/manifest/choose-arch.js';

test('pure JavaScript is "all" unless --arch says otherwise', () => {
  assert.equal(chooseArch(undefined, [], false, 'x64'), 'all');
  assert.equal(chooseArch('arm64', [], false, 'x64'), 'arm64');
});

test("native addons make the package the host's architecture", () => {
  assert.equal(chooseArch(undefined, ['opt/app/node_modules/x/build/Release/x.node'], false, 'x64'), 'x64');
  assert.equal(chooseArch('x64', ['a.node'], false, 'x64'), 'x64');
});

test('a foreign architecture (or "all") with native addons is refused, unless forced', () => {
  assert.throws(
    () => chooseArch('arm64', ['opt/app/node_modules/x/x.node'], false, 'x64'),
    (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'PKGAPP_ARCH_NATIVE_MISMATCH');
      assert.match(
        error.message,
        /--arch arm64\/aarch64: the app ships native addons built for this machine \(amd64\/x86_64\): \/opt\/app\/node_modules\/x\/x\.node/,
      );
      assert.match(error.hint ?? '', /--force-arch/);
      return true;
    },
  );
  assert.throws(() => chooseArch('all', ['a.node', 'b.node', 'c.node', 'd.node'], false, 'x64'), /and 1 more/);
  assert.equal(chooseArch('arm64', ['a.node'], true, 'x64'), 'arm64');
});
