// rpm Requires for the Node.js runtime: a floor that holds whatever epoch the nodejs package
// carries, and the ABI of addons compiled against V8. (test/oracle/rpm-node-requires.test.ts
// checks the same expressions with rpm itself.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeFloorRequirement, requires } from '../../src/rpm/header-sections.js';
import { exampleManifest } from '../helpers/manifests.js';

const deps = (manifest: ReturnType<typeof exampleManifest>) =>
  requires({ manifest, scripts: {}, compression: 'gzip' }, '1.0.0-1', false);
const nodeDeps = (manifest: ReturnType<typeof exampleManifest>) =>
  deps(manifest)
    .filter((d) => d.name.startsWith('nodejs') || d.name.startsWith('(nodejs'))
    .map((d) => `${d.name}${d.version ? ` ${d.flags & 0x0c ? '>=' : '?'} ${d.version}` : ''}`);

test('rpm: the Node.js floor is a rich dependency over nodejs(engine) and each epoch, never an epoch-less "nodejs >= N"', () => {
  const manifest = exampleManifest({ engines: { node: '>=18' } });
  assert.deepEqual(nodeDeps(manifest), [
    '(nodejs(engine) >= 18 or (nodejs >= 18 with nodejs < 1:0) or (nodejs >= 1:18 with nodejs < 2:0) or nodejs >= 2:18)',
  ]);
  assert.deepEqual(nodeDeps({ ...manifest, nodeFloor: '20.9.0' }), [nodeFloorRequirement('20.9.0')]);
  assert.ok(
    deps(manifest).some((d) => d.name === 'rpmlib(RichDependencies)' && d.version === '4.12.0-1'),
    'rpm must know rich dependencies',
  );
  assert.deepEqual(nodeDeps({ ...manifest, nodeFloor: undefined }), ['nodejs']);
  assert.ok(!deps({ ...manifest, nodeFloor: undefined }).some((d) => d.name === 'rpmlib(RichDependencies)'));
});

test('rpm: addons compiled against V8 also require nodejs(abiN), never an epoch-less upper bound', () => {
  const manifest = exampleManifest({ engines: { node: '>=18' } });
  assert.deepEqual(nodeDeps({ ...manifest, nodeAbiMajor: 20 }), [nodeFloorRequirement('20'), 'nodejs(abi20)']);
  assert.deepEqual(
    nodeDeps({ ...manifest, runtime: { ...manifest.runtime, bundled: true }, nodeAbiMajor: 20 }),
    [],
    'a bundled node needs no nodejs',
  );
});
