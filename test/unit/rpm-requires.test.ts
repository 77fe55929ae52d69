// rpm Requires for the Node.js runtime: from engines.node, and pinned to the ABI of native addons.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requires } from '../../src/rpm/header-sections.js';
import { exampleManifest } from '../helpers/manifests.js';

const nodeDeps = (manifest: ReturnType<typeof exampleManifest>) =>
  requires({ manifest, scripts: {}, compression: 'gzip' }, '1.0.0-1', false).filter((d) => d.name.startsWith('nodejs')).map((d) => `${d.name}${d.version ? ` ${d.flags & 0x0c ? '>=' : '?'} ${d.version}` : ''}`);

test('rpm: nodejs from engines.node; native addons also require nodejs(abiN), never an epoch-less upper bound', () => {
  const manifest = exampleManifest({ engines: { node: '>=18' } });
  assert.deepEqual(nodeDeps(manifest), ['nodejs >= 18']);
  assert.deepEqual(nodeDeps({ ...manifest, nodeAbiMajor: 20 }), ['nodejs >= 20', 'nodejs(abi20)']);
  assert.deepEqual(nodeDeps({ ...manifest, runtime: { ...manifest.runtime, bundled: true }, nodeAbiMajor: 20 }), [], 'a bundled node needs no nodejs');
});
