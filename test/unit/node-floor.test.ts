// The Node.js floor from many engines.node ranges, and the license forms package.json has had.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declaredLicense } from '../../src/manifest/declared-license.js';
import { lowestNodeVersion, relationVersion } from '../../src/runtime/node-floor.js';
import { UserError } from '../../src/errors.js';

const floor = (...ranges: [string, string][]) =>
  lowestNodeVersion(
    ranges.map(([who, range]) => ({ who, range })),
    'app 1.0.0',
  );

test('the floor is the lowest version every range allows, and says who set it', () => {
  assert.equal(floor(['the app', '>=18'], ['next@16.0.1', '>=20.9.0'], ['lodash@4', '>=4'])?.version, '20.9.0');
  assert.deepEqual(floor(['the app', '>=18'], ['next@16.0.1', '>=20.9.0'])?.setBy, ['next@16.0.1 (>=20.9.0)']);
  // A gap: sharp allows 18.17+ on the 18 line, 20.3+ on the 20 line; with a ">=20" elsewhere, 20.3.0.
  const gap = floor(['sharp@0.34.5', '^18.17.0 || ^20.3.0 || >=21.0.0'], ['cross-env@10.1.0', '>=20'], ['x@1', '>=16']);
  assert.equal(gap?.version, '20.3.0');
  assert.deepEqual(gap?.setBy, ['cross-env@10.1.0 (>=20)', 'sharp@0.34.5 (^18.17.0 || ^20.3.0 || >=21.0.0)']);
  assert.equal(floor(['sharp@0.34.5', '^18.17.0 || ^20.3.0 || >=21.0.0'], ['the app', '>=18'])?.version, '18.17.0');
  assert.equal(floor(['a', '>17.2.0'])?.version, '17.2.1', 'an exclusive bound: the next version');
  assert.equal(floor(['a', '^14 || ^16 || >=18'], ['b', '>=15'])?.version, '16.0.0');
  assert.equal(floor(['a', '12.x || 14.x || >= 16'], ['b', '>= 13.5'])?.version, '14.0.0');
  assert.equal(floor(['a', '~20.11'], ['b', '20.x'])?.version, '20.11.0');
  assert.deepEqual(
    floor(['a', '>=20'], ['b', '>=20'], ['c', '>=20'])?.setBy,
    ['a, b and 1 more (>=20)'],
    'one range, many packages',
  );
});

test('no floor without a lower bound; invalid dependency ranges are left out, not fatal', () => {
  assert.equal(floor(), undefined);
  assert.equal(floor(['a', '*'], ['b', '>=0.10.0 || *'], ['c', '']), undefined);
  const ignored: { who: string; range: string }[] = [];
  assert.equal(lowestNodeVersion([{ who: 'a', range: 'latest' }], 'app', ignored), undefined);
  assert.deepEqual(ignored, [{ who: 'a', range: 'latest' }], 'ignored ranges are reported without a floor too');
  assert.equal(floor(['a', '<22'])?.version, undefined, 'an upper bound alone sets no floor');
  const odd = floor(['a', 'latest'], ['b', '>=16']);
  assert.equal(odd?.version, '16.0.0');
  assert.deepEqual(odd?.ignored, [{ who: 'a', range: 'latest' }]);
});

test('ranges no version satisfies are an error naming the packages that exclude each other', () => {
  assert.throws(
    () => floor(['the app', '>=20'], ['old@1.0.0', '<18'], ['fine@1', '>=8']),
    (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(error.code, 'PKGAPP_NODE_ENGINES_CONFLICT');
      assert.match(error.message, /node ">=20" \(the app\) excludes node "<18" \(old@1\.0\.0\)/);
      assert.doesNotMatch(error.message, /fine@1/);
      assert.match(error.hint ?? '', /nodeVersion/);
      return true;
    },
  );
});

test('relation versions are short for whole majors only', () => {
  assert.equal(relationVersion('18.0.0'), '18');
  assert.equal(relationVersion('20.9.0'), '20.9.0');
  assert.equal(relationVersion('20.0.1'), '20.0.1');
});

test('licenses in every form npm has accepted', () => {
  assert.equal(declaredLicense({ license: 'MIT' }), 'MIT');
  assert.equal(declaredLicense({ license: ' (MIT OR Apache-2.0) ' }), '(MIT OR Apache-2.0)');
  assert.equal(declaredLicense({ license: { type: 'BSD-3-Clause', url: 'https://example.com' } }), 'BSD-3-Clause');
  assert.equal(declaredLicense({ licenses: [{ type: 'MIT', url: 'x' }] }), 'MIT');
  assert.equal(declaredLicense({ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] }), 'MIT OR Apache-2.0');
  assert.equal(
    declaredLicense({ licenses: ['MIT', 'GPL-2.0-or-later WITH Classpath-exception-2.0'] }),
    'MIT OR (GPL-2.0-or-later WITH Classpath-exception-2.0)',
  );
  assert.equal(declaredLicense({ licenses: { type: 'ISC' } }), 'ISC');
  assert.equal(
    declaredLicense({ license: '', licenses: [{ type: 'MIT' }, { type: 'MIT' }] }),
    'MIT',
    'duplicates once',
  );
  assert.equal(declaredLicense({}), undefined);
  assert.equal(declaredLicense({ licenses: [{ url: 'x' }] }), undefined);
});
