// The install commands for another architecture (src/app/target-platform.ts): every npm command
// that installs production packages, the seeded install's reconcile included, names the target.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findTool } from '../../src/app/lockfiles/package-manager.js';
import { installTarget, toolForTarget } from '../../src/app/target-platform.js';

test('npm for a foreign target: npm ci and the seeded install reconcile with the same --os/--cpu/--libc and no scripts', async () => {
  const npm = await findTool('npm', '/srv/app', { name: 'app', version: '1.0.0' });
  const other = process.arch === 'arm64' ? 'x64' : 'arm64';
  const tool = toolForTarget(npm, installTarget(other)!, '/srv/app');
  const flags = ['--os=linux', `--cpu=${other}`, '--libc=glibc', '--ignore-scripts'];
  assert.deepEqual(tool.installProduction.slice(-4), flags);
  assert.deepEqual(tool.reconcileProduction?.slice(0, 2), ['install', '--omit=dev']);
  assert.deepEqual(tool.reconcileProduction?.slice(-4), flags);
  // This machine's own architecture named: the same target flags, install scripts run.
  const own = toolForTarget(npm, installTarget(process.arch)!, '/srv/app');
  assert.deepEqual(own.reconcileProduction?.slice(-3), ['--os=linux', `--cpu=${process.arch}`, '--libc=glibc']);
  assert.ok(!own.reconcileProduction?.includes('--ignore-scripts'));
});
