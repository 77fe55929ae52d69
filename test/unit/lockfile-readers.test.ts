// The lockfile readers on the fixtures' real lockfiles and on hand-made edge cases: the
// production closure, mismatches with package.json, references and descriptors, detection of
// the package manager, and the layout of a deployed workspace.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { detectManager, parseLock, parsePackageManagerField } from '../../src/app/lockfiles/package-manager.js';
import { npmLockGraph, npmProductionPackages, parseNpmLockfile } from '../../src/app/lockfiles/npm.js';
import {
  parsePnpmLockfile,
  pnpmLockGraph,
  pnpmLockfileMismatches,
  pnpmRefToKey,
  type PnpmLockfile,
} from '../../src/app/lockfiles/pnpm.js';
import type { LockGraph, ManagerId } from '../../src/app/lockfiles/types.js';
import {
  walkLockGraph,
  workspacePackage,
  type WalkEdge,
  type WalkPackage,
} from '../../src/app/lockfiles/walk-graph.js';
import { normalizeRange, parseYarnBerryLockfile, yarnBerryGraph } from '../../src/app/lockfiles/yarn-berry.js';
import { parseYarnClassicLockfile, splitDescriptor, yarnClassicGraph } from '../../src/app/lockfiles/yarn-classic.js';
import type { PackageJson } from '../../src/app/package-json.js';
import { listWorkspaces } from '../../src/app/workspaces.js';
import { placePackages } from '../../src/contents/deploy-workspace.js';
import { isUserError } from '../../src/errors.js';
import { cleanupTestDirs, REPO_ROOT, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

const APPS = path.join(REPO_ROOT, 'test/fixtures/apps');

async function fixtureLock(dir: string, manager: ManagerId, lockfile: string) {
  const root = path.join(APPS, dir);
  const rootPkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as PackageJson;
  const importers = new Map<string, PackageJson>([
    ['', rootPkg],
    ...(await listWorkspaces(root, rootPkg)).map((w): [string, PackageJson] => [w.dir, w.packageJson]),
  ]);
  const file = path.join(root, lockfile);
  return { lock: await parseLock(manager, await readFile(file, 'utf8'), file, importers), importers };
}

/** name@version of every node but the root (once: npm's nodes are locations), and the root's direct dependencies. */
function summary(graph: LockGraph): { packages: string[]; direct: string[] } {
  return {
    packages: [
      ...new Set(
        [...graph.nodes.values()]
          .filter((n) => n !== graph.root)
          .map((n) => `${n.name}@${n.version}${n.workspace ? ` (${n.workspace})` : ''}`),
      ),
    ].sort(),
    direct: [...graph.root.dependencies.keys()].sort(),
  };
}

const SINGLE: [string, ManagerId, string][] = [
  ['pnpm', 'pnpm', 'pnpm-lock.yaml'],
  ['pnpm-hoisted', 'pnpm', 'pnpm-lock.yaml'],
  ['yarn-classic', 'yarn-classic', 'yarn.lock'],
  ['yarn-berry', 'yarn-berry', 'yarn.lock'],
];

for (const [dir, manager, lockfile] of SINGLE) {
  test(`${dir}: the production closure leaves the dev dependency out, and the lock agrees with package.json`, async () => {
    const { lock } = await fixtureLock(dir, manager, lockfile);
    assert.equal(lock.manager, manager);
    assert.deepEqual(lock.mismatches(''), []);
    assert.deepEqual(summary(lock.graph('')), { packages: ['debug@4.4.3', 'ms@2.1.3'], direct: ['debug'] });
  });

  test(`${dir}: mismatches name the missing, changed and extra dependencies`, async () => {
    const { importers } = await fixtureLock(dir, manager, lockfile);
    const pkg = {
      ...importers.get('')!,
      dependencies: { debug: '^4.4.0', 'escape-html': '^1.0.3' },
      devDependencies: {},
    };
    const file = path.join(APPS, dir, lockfile);
    const lock = await parseLock(manager, await readFile(file, 'utf8'), file, new Map([['', pkg]]));
    const problems = lock.mismatches('');
    assert.ok(
      problems.some((p) =>
        p.startsWith('dependencies.escape-html (^1.0.3) is in package.json but not in the lockfile'),
      ),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.includes('dependencies.debug')),
      problems.join('\n'),
    );
    // yarn classic's lock has no record of what package.json asked for, so extras cannot be seen
    if (manager !== 'yarn-classic')
      assert.ok(
        problems.some((p) => /is-number.* is in the lockfile but not in package\.json/.test(p)),
        problems.join('\n'),
      );
  });
}

for (const [dir, manager, lockfile] of [
  ['monorepo', 'npm', 'package-lock.json'],
  ['monorepo-pnpm', 'pnpm', 'pnpm-lock.yaml'],
  ['monorepo-yarn', 'yarn-berry', 'yarn.lock'],
] as [string, ManagerId, string][]) {
  test(`${dir}: a workspace's closure includes its sibling workspace and nothing of the others`, async () => {
    const { lock } = await fixtureLock(dir, manager, lockfile);
    assert.deepEqual(lock.mismatches('packages/api'), []);
    assert.deepEqual(summary(lock.graph('packages/api')), {
      packages: ['@mono/lib@1.0.0 (packages/lib)', 'debug@4.4.3', 'ms@2.0.0', 'ms@2.1.3'],
      direct: ['@mono/lib', 'debug', 'ms'],
    });
    assert.deepEqual(summary(lock.graph('packages/web')).packages, ['escape-html@1.0.3']);
  });
}

test('npm: v1 lockfiles are refused with a hint; links need the graph reader', async () => {
  assert.throws(
    () => parseNpmLockfile(JSON.stringify({ lockfileVersion: 1, dependencies: {} }), 'package-lock.json'),
    (e) => isUserError(e) && e.code === 'PKGAPP_LOCKFILE_VERSION' && /npm 7/.test(e.hint ?? ''),
  );
  const file = path.join(APPS, 'monorepo/package-lock.json');
  const lock = parseNpmLockfile(await readFile(file, 'utf8'), file);
  assert.throws(() => npmProductionPackages(lock), /npmLockGraph/);
  assert.equal(npmLockGraph(lock, 'packages/api').nodes.get('packages/lib')?.workspace, 'packages/lib');
});

test('pnpm: dependency references map to snapshot keys, links to workspaces', () => {
  assert.equal(pnpmRefToKey('ms', '2.1.3'), 'ms@2.1.3');
  assert.equal(pnpmRefToKey('react-dom', '18.2.0(react@18.2.0)'), 'react-dom@18.2.0(react@18.2.0)');
  assert.equal(pnpmRefToKey('alias', 'real@1.0.0'), 'real@1.0.0');
  assert.equal(pnpmRefToKey('alias', '@scope/real@1.0.0'), '@scope/real@1.0.0');
  assert.equal(pnpmRefToKey('ms', '/ms@2.1.3'), 'ms@2.1.3');
  assert.equal(pnpmRefToKey('@mono/lib', 'link:../lib'), undefined);
  assert.throws(
    () => parsePnpmLockfile('lockfileVersion: 5.4\n', 'pnpm-lock.yaml'),
    (e) => isUserError(e) && e.code === 'PKGAPP_LOCKFILE_VERSION',
  );
  assert.throws(
    () => parsePnpmLockfile('lockfileVersion: [\n', 'pnpm-lock.yaml'),
    (e) => isUserError(e) && e.code === 'PKGAPP_LOCKFILE_MALFORMED',
  );
});

test('pnpm: peers, aliases and optional packages in a 9.0 lockfile', () => {
  const lock = parsePnpmLockfile(
    [
      "lockfileVersion: '9.0'",
      'importers:',
      '  .:',
      '    dependencies:',
      '      react-dom: {specifier: ^18.2.0, version: 18.2.0(react@18.2.0)}',
      '      react: {specifier: ^18.2.0, version: 18.2.0}',
      '      old: {specifier: npm:legacy@^1.0.0, version: legacy@1.0.0}',
      '    optionalDependencies:',
      '      fsevents: {specifier: ^2.3.3, version: 2.3.3}',
      'packages:',
      '  react@18.2.0: {resolution: {integrity: x}}',
      '  react-dom@18.2.0: {resolution: {integrity: x}}',
      '  legacy@1.0.0: {resolution: {integrity: x}}',
      '  fsevents@2.3.3: {resolution: {integrity: x}}',
      'snapshots:',
      '  react@18.2.0: {}',
      '  react-dom@18.2.0(react@18.2.0): {dependencies: {react: 18.2.0}}',
      '  legacy@1.0.0: {}',
      '  fsevents@2.3.3: {optional: true}',
      '',
    ].join('\n'),
    'pnpm-lock.yaml',
  );
  const pkg = {
    dependencies: { 'react-dom': '^18.2.0', react: '^18.2.0', old: 'npm:legacy@^1.0.0' },
    optionalDependencies: { fsevents: '^2.3.3' },
  };
  const full = pnpmSummary(lock, pkg);
  assert.deepEqual(full.mismatches, []);
  assert.deepEqual(full.packages, ['fsevents@2.3.3 optional', 'legacy@1.0.0', 'react-dom@18.2.0', 'react@18.2.0']);
  assert.equal(full.aliases.get('old'), 'legacy@1.0.0');
});

function pnpmSummary(lock: PnpmLockfile, pkg: PackageJson) {
  const graph = pnpmLockGraph(lock, '', new Map([['', pkg]]));
  return {
    mismatches: pnpmLockfileMismatches(lock, pkg, ''),
    packages: [...graph.nodes.values()]
      .filter((n) => n !== graph.root)
      .map((n) => `${n.name}@${n.version}${n.optional ? ' optional' : ''}`)
      .sort(),
    aliases: graph.root.dependencies,
  };
}

test('yarn classic: descriptors, aliases, merge conflicts', async () => {
  assert.deepEqual(splitDescriptor('@scope/name@^1.0.0'), ['@scope/name', '^1.0.0']);
  assert.deepEqual(splitDescriptor('alias@npm:real@^1'), ['alias', 'npm:real@^1']);
  const text =
    '# yarn lockfile v1\n\n\n"old@npm:legacy@^1.0.0":\n  version "1.0.0"\n  resolved "https://registry.npmjs.org/legacy/-/legacy-1.0.0.tgz"\n';
  const lock = await parseLock(
    'yarn-classic',
    text,
    'yarn.lock',
    new Map([['', { dependencies: { old: 'npm:legacy@^1.0.0' } }]]),
  );
  assert.deepEqual(lock.mismatches(''), []);
  assert.deepEqual(summary(lock.graph('')), { packages: ['legacy@1.0.0'], direct: ['old'] });
  assert.throws(
    () =>
      parseYarnClassicLockfile(
        '# yarn lockfile v1\n<<<<<<< HEAD\na@^1:\n  version "1.0.0"\n=======\na@^1:\n  version "1.0.1"\n>>>>>>> b\n',
        'yarn.lock',
      ),
    (e) => isUserError(e) && e.code === 'PKGAPP_LOCKFILE_MALFORMED',
  );
});

test('yarn berry: ranges are normalized as Yarn writes them; old lockfiles are refused', () => {
  assert.equal(normalizeRange('^2.1.3'), 'npm:^2.1.3');
  assert.equal(normalizeRange('latest'), 'npm:latest');
  assert.equal(normalizeRange('workspace:^'), 'workspace:^');
  assert.equal(normalizeRange('npm:legacy@^1'), 'npm:legacy@^1');
  assert.throws(
    () => parseYarnBerryLockfile('__metadata:\n  version: 3\n', 'yarn.lock'),
    (e) => isUserError(e) && e.code === 'PKGAPP_LOCKFILE_VERSION',
  );
});

test('packageManager field: name and version', () => {
  assert.deepEqual(parsePackageManagerField('pnpm@10.3.0+sha512.abc'), { name: 'pnpm', version: '10.3.0' });
  assert.deepEqual(parsePackageManagerField('yarn@4.9.4'), { name: 'yarn', version: '4.9.4' });
  assert.equal(parsePackageManagerField(42), undefined);
});

test('detectManager: lockfile and packageManager decide; conflicts and unknown tools are refused', async () => {
  const dir = async (files: Record<string, string>) => {
    const d = await tempDir('pkgapp-detect-');
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(d, name)), { recursive: true });
      await writeFile(path.join(d, name), text);
    }
    return d;
  };
  const classic = '# yarn lockfile v1\n';
  const berry = '__metadata:\n  version: 8\n';
  const code = (c: string) => (e: unknown) => isUserError(e) && e.code === c;
  assert.equal((await detectManager(await dir({ 'package-lock.json': '{}' }), {})).manager, 'npm');
  assert.equal(
    path.basename(
      (await detectManager(await dir({ 'package-lock.json': '{}', 'npm-shrinkwrap.json': '{}' }), {})).lockfilePath,
    ),
    'npm-shrinkwrap.json',
  );
  assert.equal((await detectManager(await dir({ 'yarn.lock': classic }), {})).manager, 'yarn-classic');
  assert.equal((await detectManager(await dir({ 'yarn.lock': berry }), {})).manager, 'yarn-berry');
  assert.equal((await detectManager(await dir({ 'pnpm-lock.yaml': '' }), {})).manager, 'pnpm');
  assert.equal(
    (await detectManager(await dir({ 'pnpm-lock.yaml': '', 'yarn.lock': classic }), { packageManager: 'pnpm@10.0.0' }))
      .manager,
    'pnpm',
    'packageManager chooses',
  );
  await assert.rejects(
    detectManager(await dir({ 'pnpm-lock.yaml': '', 'yarn.lock': classic }), {}),
    code('PKGAPP_PACKAGE_MANAGER_AMBIGUOUS'),
  );
  await assert.rejects(
    detectManager(await dir({ 'package-lock.json': '{}' }), { packageManager: 'bun@1.1.0' }),
    code('PKGAPP_PACKAGE_MANAGER_UNSUPPORTED'),
  );
  await assert.rejects(detectManager(await dir({ 'bun.lockb': '' }), {}), code('PKGAPP_PACKAGE_MANAGER_UNSUPPORTED'));
  await assert.rejects(
    detectManager(await dir({ 'package-lock.json': '{}' }), { packageManager: 'pnpm@10.0.0' }),
    code('PKGAPP_PACKAGE_MANAGER_CONFLICT'),
  );
  await assert.rejects(
    detectManager(await dir({ 'yarn.lock': classic }), { packageManager: 'yarn@4.9.4' }),
    code('PKGAPP_PACKAGE_MANAGER_CONFLICT'),
  );
  await assert.rejects(
    detectManager(await dir({ 'yarn.lock': berry }), { packageManager: 'yarn@1.22.22' }),
    code('PKGAPP_PACKAGE_MANAGER_CONFLICT'),
  );
  await assert.rejects(
    detectManager(await dir({}), {}),
    (e) =>
      code('PKGAPP_LOCKFILE_MISSING')(e) && /no package-lock\.json or npm-shrinkwrap\.json/.test((e as Error).message),
  );
});

test('placePackages: hoists where nothing is in the way, nests where another version is, never shadows', () => {
  // app → a, b@1; a → b@2, c; c → b@1 (found at the top); d/e cycle
  const edges = new Map<string, Map<string, string>>([
    [
      '',
      new Map([
        ['a', 'A'],
        ['b', 'B1'],
        ['d', 'D'],
      ]),
    ],
    [
      'A',
      new Map([
        ['b', 'B2'],
        ['c', 'C'],
      ]),
    ],
    ['C', new Map([['b', 'B1']])],
    ['D', new Map([['e', 'E']])],
    ['E', new Map([['d', 'D']])],
  ]);
  const placed = placePackages('', edges, (s) => s);
  assert.deepEqual(
    placed.map((p) => `${p.location}=${p.source}`),
    [
      'node_modules/a=A',
      'node_modules/a/node_modules/b=B2',
      'node_modules/b=B1',
      'node_modules/c=C',
      'node_modules/d=D',
      'node_modules/e=E',
    ],
  );
  // c, hoisted to the top, finds b@1 there, while a finds its own b@2: the same as in the source tree.
  // A package that would shadow an earlier lookup through its level goes deeper instead:
  const shadow = new Map<string, Map<string, string>>([
    [
      '',
      new Map([
        ['x', 'X'],
        ['y', 'Y'],
      ]),
    ],
    [
      'X',
      new Map([
        ['q', 'Q'],
        ['z', 'Z1'],
      ]),
    ],
    ['Q', new Map([['z', 'Z2']])],
    ['Y', new Map([['z', 'Z2']])],
  ]);
  const layout = placePackages('', shadow, (s) => s).map((p) => `${p.location}=${p.source}`);
  assert.ok(
    layout.includes('node_modules/z=Z1') || layout.includes('node_modules/x/node_modules/z=Z1'),
    layout.join(' '),
  );
  // Whatever the order, every dependent must find the version it needs by walking up:
  const at = new Map(placePackages('', shadow, (s) => s).map((p) => [p.location, p.source]));
  const find = (from: string, name: string) => {
    const parts = from ? from.split('/node_modules/').map((p) => p.replace(/^node_modules\//, '')) : [];
    for (let n = parts.length; n >= 0; n--) {
      const loc = [...parts.slice(0, n), name].map((a) => `node_modules/${a}`).join('/');
      if (at.has(loc)) return at.get(loc);
    }
    return undefined;
  };
  for (const [location, source] of at)
    for (const [name, wanted] of shadow.get(source) ?? [])
      assert.equal(find(location, name), wanted, `${location} → ${name}`);
});

test('npm: "extraneous" entries (optional peers npm 11 recorded but npm ci never installs) are not part of the tree', () => {
  const lock = parseNpmLockfile(
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { kit: '^1.0.0' } },
        'node_modules/kit': {
          version: '1.0.0',
          peerDependencies: { schema: '*' },
          peerDependenciesMeta: { schema: { optional: true } },
        },
        'node_modules/schema': { version: '4.0.0', extraneous: true },
      },
    }),
    'package-lock.json',
  );
  assert.deepEqual(
    npmProductionPackages(lock).map((p) => p.location),
    ['node_modules/kit'],
  );
  assert.deepEqual([...npmLockGraph(lock, '').nodes.keys()].sort(), ['', 'node_modules/kit']);
});

// The graph walk all four readers share (src/app/lockfiles/walk-graph.ts): first on a plain
// description, then through each reader on a hand-made lock with a dependency cycle, optional
// and dev edges, an alias and workspace links.

/** Every node in the order the walk first reached it: key, package, flags, and its edges ("?" optional). */
function walkLines(graph: LockGraph): string[] {
  return [...graph.nodes.values()].map((n) => {
    const flags = `${n.optional ? ' optional' : ''}${n.workspace !== undefined ? ` workspace=${n.workspace}` : ''}`;
    const edges = [...n.dependencies].map(([alias, key]) => `${alias}${n.optionalNames.has(alias) ? '?' : ''}=${key}`);
    return `${n.key}: ${n.name}@${n.version}${flags} -> ${edges.join(' ') || '(none)'}`;
  });
}

/** A lock described as plain data: key → its dependencies ("name", "name?" optional, "!text" a hole). */
function plainGraph(deps: Record<string, string[]>, manager: ManagerId = 'npm'): LockGraph {
  const describe = (key: string, reachedOptionally: boolean): WalkPackage => ({
    name: key,
    version: '1.0.0',
    optional: reachedOptionally,
    *dependencies(): Generator<WalkEdge> {
      for (const dep of deps[key] ?? []) {
        if (dep.startsWith('!')) yield { missing: dep.slice(1) };
        else
          yield {
            alias: dep.replace('?', ''),
            key: dep.replace('?', ''),
            optional: dep.endsWith('?'),
            describe: (reached) => describe(dep.replace('?', ''), reached),
          };
      }
    },
  });
  return walkLockGraph({ path: '/app/lock', manager }, 'root', describe('root', false));
}

test('walk: a dependency cycle (and a package requiring itself) ends, each package once, in the order first reached', () => {
  assert.deepEqual(walkLines(plainGraph({ root: ['a', 'c'], a: ['b'], b: ['a', 'b'], c: ['a'] })), [
    'root: root@1.0.0 -> a=a c=c',
    'a: a@1.0.0 -> b=b',
    'c: c@1.0.0 -> a=a',
    'b: b@1.0.0 -> a=a b=b',
  ]);
});

test('walk: optional reach is carried down; the first (shortest) path to a package decides', () => {
  const graph = plainGraph({ root: ['req', 'opt?'], req: ['shared'], opt: ['shared', 'below'], below: ['deep'] });
  assert.deepEqual(walkLines(graph), [
    'root: root@1.0.0 -> req=req opt?=opt',
    'req: req@1.0.0 -> shared=shared',
    'opt: opt@1.0.0 optional -> shared=shared below=below',
    'shared: shared@1.0.0 -> (none)',
    'below: below@1.0.0 optional -> deep=deep',
    'deep: deep@1.0.0 optional -> (none)',
  ]);
});

test("walk: every hole in the lock is listed in one error, with the command that refreshes that manager's lock", () => {
  for (const [manager, command] of [
    ['npm', 'npm install'],
    ['pnpm', 'pnpm install'],
    ['yarn-classic', 'yarn install'],
    ['yarn-berry', 'yarn install'],
  ] as [ManagerId, string][]) {
    assert.throws(
      () => plainGraph({ root: ['a', '!x is gone'], a: ['!y is gone'] }, manager),
      (e) =>
        isUserError(e) &&
        e.code === 'PKGAPP_LOCKFILE_STALE' &&
        e.message === '/app/lock is incomplete:\n  x is gone\n  y is gone' &&
        e.hint === `Run \`${command}\` to update the lockfile, then commit it`,
    );
  }
});

test('walk: a workspace package is named by its package.json, never optional, and marked with its directory (the root project is not)', () => {
  const none = () => [];
  assert.deepEqual(workspacePackage('packages/lib', { name: '@mono/lib', version: '0.1.0' }, 'lib', none), {
    name: '@mono/lib',
    version: '0.1.0',
    optional: false,
    workspace: 'packages/lib',
    dependencies: none,
  });
  assert.deepEqual(workspacePackage('', undefined, 'fallback', none), {
    name: 'fallback',
    version: '',
    optional: false,
    workspace: undefined,
    dependencies: none,
  });
  const graph = walkLockGraph(
    { path: 'lock', manager: 'pnpm' },
    'link:',
    workspacePackage('', { name: 'app' }, '', none),
  );
  assert.equal('workspace' in graph.root, false);
});

test('npm reader: cycle, alias, optional and peer edges, dev entries left out, links to workspaces', () => {
  const packages: Record<string, object> = {
    '': {
      name: 'app',
      dependencies: { a: '^1.0.0', old: 'npm:legacy@^1.2.0' },
      optionalDependencies: { fsevents: '^2.3.3' },
      devDependencies: { tool: '^1.0.0' },
    },
    'node_modules/a': { version: '1.0.0', dependencies: { b: '^1.0.0' } },
    'node_modules/b': {
      version: '1.0.0',
      dependencies: { a: '^1.0.0' },
      peerDependencies: { a: '^1.0.0', host: '*', extra: '*' },
      peerDependenciesMeta: { extra: { optional: true } },
    },
    'node_modules/old': { name: 'legacy', version: '1.2.0' },
    'node_modules/tool': { version: '1.0.0', dev: true, dependencies: { gone: '^1.0.0' } },
    'node_modules/lib': { resolved: 'packages/lib', link: true },
    'node_modules/api': { resolved: 'packages/api', link: true },
    'packages/api': { name: 'api', version: '0.1.0', dependencies: { lib: '^0.1.0' } },
    'packages/lib': { name: 'lib', version: '0.1.0', dependencies: { a: '^1.0.0' } },
  };
  const lock = parseNpmLockfile(JSON.stringify({ lockfileVersion: 3, packages }), 'package-lock.json');
  assert.deepEqual(walkLines(npmLockGraph(lock, '')), [
    ': app@ -> a=node_modules/a old=node_modules/old',
    'node_modules/a: a@1.0.0 -> b=node_modules/b',
    'node_modules/old: legacy@1.2.0 -> (none)',
    'node_modules/b: b@1.0.0 -> a=node_modules/a',
  ]);
  assert.deepEqual(walkLines(npmLockGraph(lock, 'packages/api')), [
    'packages/api: api@0.1.0 workspace=packages/api -> lib=packages/lib',
    'packages/lib: lib@0.1.0 workspace=packages/lib -> a=node_modules/a',
    'node_modules/a: a@1.0.0 -> b=node_modules/b',
    'node_modules/b: b@1.0.0 -> a=node_modules/a',
  ]);
  const { 'node_modules/b': _b, ...withoutB } = packages;
  const holed = parseNpmLockfile(
    JSON.stringify({
      lockfileVersion: 3,
      packages: { ...withoutB, '': { dependencies: { a: '^1.0.0', gone: '^1.0.0' } } },
    }),
    'package-lock.json',
  );
  assert.throws(
    () => npmLockGraph(holed, ''),
    (e) =>
      isUserError(e) &&
      e.message ===
        'package-lock.json is incomplete:\n  gone, a dependency of the root project, is not in the lockfile\n  b, a dependency of node_modules/a, is not in the lockfile',
  );
});

const PNPM_WALK = [
  "lockfileVersion: '9.0'",
  'importers:',
  '  .:',
  '    dependencies:',
  '      a: {specifier: ^1.0.0, version: 1.0.0}',
  '      old: {specifier: npm:legacy@^1.0.0, version: legacy@1.0.0}',
  '    optionalDependencies:',
  '      opt: {specifier: ^1.0.0, version: 1.0.0}',
  '    devDependencies:',
  '      tool: {specifier: ^1.0.0, version: 1.0.0}',
  '  packages/api:',
  '    dependencies:',
  '      lib: {specifier: workspace:*, version: link:../lib}',
  '  packages/lib:',
  '    dependencies:',
  '      a: {specifier: ^1.0.0, version: 1.0.0}',
  'packages:',
  '  a@1.0.0: {resolution: {integrity: x}}',
  '  b@1.0.0: {resolution: {integrity: x}}',
  '  legacy@1.0.0: {resolution: {integrity: x}}',
  '  opt@1.0.0: {resolution: {integrity: x}}',
  '  c@1.0.0: {resolution: {integrity: x}}',
  'snapshots:',
  '  a@1.0.0: {dependencies: {b: 1.0.0}}',
  '  b@1.0.0: {dependencies: {a: 1.0.0}}',
  '  legacy@1.0.0: {}',
  '  opt@1.0.0: {dependencies: {c: 1.0.0}}',
  '  c@1.0.0: {}',
  '',
].join('\n');
const WALK_IMPORTERS = new Map<string, PackageJson>([
  ['', { name: 'app', version: '1.0.0' }],
  ['packages/api', { name: 'api', version: '0.1.0' }],
  ['packages/lib', { name: 'lib', version: '0.1.0' }],
]);

test('pnpm reader: cycle, alias, optional reach carried to dependencies, dev importers left out, link: workspaces', () => {
  const lock = parsePnpmLockfile(PNPM_WALK, 'pnpm-lock.yaml');
  assert.deepEqual(walkLines(pnpmLockGraph(lock, '', WALK_IMPORTERS)), [
    'link:: app@1.0.0 -> a=a@1.0.0 old=legacy@1.0.0 opt?=opt@1.0.0',
    'a@1.0.0: a@1.0.0 -> b=b@1.0.0',
    'legacy@1.0.0: legacy@1.0.0 -> (none)',
    'opt@1.0.0: opt@1.0.0 optional -> c=c@1.0.0',
    'b@1.0.0: b@1.0.0 -> a=a@1.0.0',
    'c@1.0.0: c@1.0.0 optional -> (none)',
  ]);
  assert.deepEqual(walkLines(pnpmLockGraph(lock, 'packages/api', WALK_IMPORTERS)), [
    'link:packages/api: api@0.1.0 workspace=packages/api -> lib=link:packages/lib',
    'link:packages/lib: lib@0.1.0 workspace=packages/lib -> a=a@1.0.0',
    'a@1.0.0: a@1.0.0 -> b=b@1.0.0',
    'b@1.0.0: b@1.0.0 -> a=a@1.0.0',
  ]);
  const holed = parsePnpmLockfile(
    PNPM_WALK.replace('  b@1.0.0: {dependencies: {a: 1.0.0}}\n', '').replace(
      '  b@1.0.0: {resolution: {integrity: x}}\n',
      '',
    ),
    'pnpm-lock.yaml',
  );
  assert.throws(
    () => pnpmLockGraph(holed, '', WALK_IMPORTERS),
    (e) =>
      isUserError(e) &&
      e.message === 'pnpm-lock.yaml is incomplete:\n  b@1.0.0 is referenced but not described' &&
      /pnpm install/.test(e.hint ?? ''),
  );
});

const CLASSIC_WALK = [
  '# yarn lockfile v1',
  '',
  'a@^1.0.0:',
  '  version "1.0.0"',
  '  dependencies:',
  '    b "^1.0.0"',
  '  optionalDependencies:',
  '    fsevents "^2.3.3"',
  '',
  'b@^1.0.0:',
  '  version "1.0.0"',
  '  dependencies:',
  '    a "^1.0.0"',
  '',
  '"old@npm:legacy@^1.0.0":',
  '  version "1.0.0"',
  '',
].join('\n');

test('yarn classic reader: cycle, alias, a missing optional dependency, dev dependencies left out, workspaces by name and range', () => {
  const importers = new Map<string, PackageJson>([
    [
      '',
      {
        name: 'app',
        version: '1.0.0',
        dependencies: { a: '^1.0.0' },
        optionalDependencies: { absent: '^1.0.0' },
        devDependencies: { tool: '^1.0.0' },
      },
    ],
    ['packages/api', { name: 'api', version: '0.1.0', dependencies: { lib: '^0.1.0' } }],
    ['packages/lib', { name: 'lib', version: '0.1.0', dependencies: { old: 'npm:legacy@^1.0.0' } }],
  ]);
  const lock = parseYarnClassicLockfile(CLASSIC_WALK, 'yarn.lock');
  assert.deepEqual(walkLines(yarnClassicGraph(lock, importers, '')), [
    'workspace:: app@1.0.0 -> a=a@1.0.0',
    'a@1.0.0: a@1.0.0 -> b=b@1.0.0',
    'b@1.0.0: b@1.0.0 -> a=a@1.0.0',
  ]);
  assert.deepEqual(walkLines(yarnClassicGraph(lock, importers, 'packages/api')), [
    'workspace:packages/api: api@0.1.0 workspace=packages/api -> lib=workspace:packages/lib',
    'workspace:packages/lib: lib@0.1.0 workspace=packages/lib -> old=legacy@1.0.0',
    'legacy@1.0.0: legacy@1.0.0 -> (none)',
  ]);
  const holed = parseYarnClassicLockfile(CLASSIC_WALK.replace(/b@\^1\.0\.0:\n( {2}.*\n)+/, ''), 'yarn.lock');
  assert.throws(
    () => yarnClassicGraph(holed, importers, ''),
    (e) =>
      isUserError(e) &&
      e.message === 'yarn.lock is incomplete:\n  b@^1.0.0, a dependency of a@1.0.0, is not in the lockfile' &&
      /yarn install/.test(e.hint ?? ''),
  );
});

const BERRY_WALK = [
  '__metadata:',
  '  version: 8',
  '  cacheKey: 10',
  '',
  '"a@npm:^1.0.0":',
  '  version: 1.0.0',
  '  resolution: "a@npm:1.0.0"',
  '  dependencies:',
  '    b: "npm:^1.0.0"',
  '    fsevents: "npm:^2.3.3"',
  '  dependenciesMeta:',
  '    fsevents:',
  '      optional: true',
  '',
  '"b@npm:^1.0.0":',
  '  version: 1.0.0',
  '  resolution: "b@npm:1.0.0"',
  '  dependencies:',
  '    a: "npm:^1.0.0"',
  '',
  '"app@workspace:.":',
  '  version: 0.0.0-use.local',
  '  resolution: "app@workspace:."',
  '  dependencies:',
  '    a: "npm:^1.0.0"',
  '    lib: "workspace:packages/lib"',
  '    tool: "npm:^1.0.0"',
  '',
  '"lib@workspace:packages/lib":',
  '  version: 0.0.0-use.local',
  '  resolution: "lib@workspace:packages/lib"',
  '',
].join('\n');

test("yarn berry reader: cycle, optional dependenciesMeta, a workspace entry's dev dependencies left out by its package.json, workspace links", () => {
  const importers = new Map<string, PackageJson>([
    [
      '',
      {
        name: 'app',
        version: '1.0.0',
        dependencies: { a: '^1.0.0', lib: 'workspace:packages/lib' },
        devDependencies: { tool: '^1.0.0' },
      },
    ],
    ['packages/lib', { name: 'lib', version: '0.1.0' }],
  ]);
  const lock = parseYarnBerryLockfile(BERRY_WALK, 'yarn.lock');
  assert.deepEqual(walkLines(yarnBerryGraph(lock, importers, '')), [
    'app@workspace:.: app@1.0.0 -> a=a@npm:1.0.0 lib=lib@workspace:packages/lib',
    'a@npm:1.0.0: a@1.0.0 -> b=b@npm:1.0.0',
    'lib@workspace:packages/lib: lib@0.1.0 workspace=packages/lib -> (none)',
    'b@npm:1.0.0: b@1.0.0 -> a=a@npm:1.0.0',
  ]);
  // Yarn records another platform's optional binary too: it is an optional edge, to an optional package
  const withBinary = parseYarnBerryLockfile(
    `${BERRY_WALK}\n"fsevents@npm:^2.3.3":\n  version: 2.3.3\n  resolution: "fsevents@npm:2.3.3"\n  conditions: os=darwin\n`,
    'yarn.lock',
  );
  assert.deepEqual(walkLines(yarnBerryGraph(withBinary, importers, '')).slice(1, 2), [
    'a@npm:1.0.0: a@1.0.0 -> b=b@npm:1.0.0 fsevents?=fsevents@npm:2.3.3',
  ]);
  assert.ok(
    walkLines(yarnBerryGraph(withBinary, importers, '')).includes(
      'fsevents@npm:2.3.3: fsevents@2.3.3 optional -> (none)',
    ),
  );
  const holed = parseYarnBerryLockfile(BERRY_WALK.replace(/"b@npm:\^1\.0\.0":\n( {2}.*\n)+/, ''), 'yarn.lock');
  assert.throws(
    () => yarnBerryGraph(holed, importers, ''),
    (e) =>
      isUserError(e) &&
      e.message === 'yarn.lock is incomplete:\n  b@npm:^1.0.0, a dependency of a@npm:1.0.0, is not in the lockfile' &&
      /yarn install/.test(e.hint ?? ''),
  );
});
