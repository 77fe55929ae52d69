// scripts/check-cycles.ts: the cycle finder on small synthetic graphs, the import scanner on
// every way a module names another, and the script itself on a tiny tree of real files.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import {
  buildImportGraph,
  describeCycles,
  findCycles,
  moduleSpecifiers,
  shortestCycle,
  type ImportGraph,
} from '../../scripts/check-cycles.js';
import { cleanupTestDirs, makeApp, REPO_ROOT } from '../helpers/testdir.js';

after(cleanupTestDirs);

/** "a>b,c" lines → a graph of runtime imports. */
function graphOf(spec: Record<string, string>): ImportGraph {
  return new Map(
    Object.entries(spec).map(([from, to]) => [from, to ? to.split(',').map((t) => ({ to: t, typeOnly: false })) : []]),
  );
}

test('findCycles: an acyclic graph (a diamond) has none', () => {
  assert.deepEqual(findCycles(graphOf({ a: 'b,c', b: 'd', c: 'd', d: '' })), []);
});

test('findCycles: each strongly connected component once, sorted; chains into it and out of it are left out', () => {
  const graph = graphOf({ entry: 'a', a: 'b', b: 'c', c: 'a,leaf', leaf: '', x: 'y', y: 'x,a', self: 'self' });
  assert.deepEqual(findCycles(graph), [['a', 'b', 'c'], ['self'], ['x', 'y']]);
});

test('findCycles: two circles sharing a module are one component', () => {
  assert.deepEqual(findCycles(graphOf({ hub: 'p,q', p: 'hub', q: 'hub' })), [['hub', 'p', 'q']]);
});

test('findCycles: a long chain closing on itself does not overflow the stack', () => {
  const spec: Record<string, string> = {};
  for (let i = 0; i < 20000; i++) spec[`m${i}`] = `m${(i + 1) % 20000}`;
  const [component] = findCycles(graphOf(spec));
  assert.equal(component?.length, 20000);
});

test('shortestCycle: the shortest way back to the start within the component', () => {
  const graph = graphOf({ a: 'b,c', b: 'd', c: 'a', d: 'a' });
  assert.deepEqual(shortestCycle(graph, ['a', 'b', 'c', 'd'], 'a'), ['a', 'c', 'a']);
  assert.deepEqual(shortestCycle(graphOf({ s: 's' }), ['s'], 's'), ['s', 's']);
});

test('describeCycles: the files in order, type-only links marked, the rest of the component listed', () => {
  const graph: ImportGraph = new Map([
    ['a.ts', [{ to: 'b.ts', typeOnly: false }]],
    [
      'b.ts',
      [
        { to: 'a.ts', typeOnly: true },
        { to: 'c.ts', typeOnly: false },
      ],
    ],
    ['c.ts', [{ to: 'b.ts', typeOnly: true }]],
  ]);
  assert.deepEqual(describeCycles(graph, findCycles(graph)), [
    'cycle 1 (3 modules):',
    '  a.ts',
    '    → b.ts',
    '    → a.ts (import type)',
    '  also in the same circle: c.ts',
  ]);
});

test('moduleSpecifiers: imports, re-exports, import types and dynamic imports, with which are type-only', () => {
  const text = [
    "import a from './a.js';",
    "import type { B } from './b.js';",
    "import { type C1, type C2 } from './c.js';",
    "import { type D, d } from './d.js';",
    "import './e.js';",
    "import * as f from './f.js';",
    "export { g } from './g.js';",
    "export type { H } from './h.js';",
    "export * from './i.js';",
    "let j: import('./j.js').J;",
    "const k = await import('./k.js');",
    "import l = require('./l.js');",
    "import { m } from 'node:path';",
  ].join('\n');
  assert.deepEqual(
    moduleSpecifiers('x.ts', text).map(({ specifier, typeOnly }) => `${specifier}${typeOnly ? ' type' : ''}`),
    [
      './a.js',
      './b.js type',
      './c.js type',
      './d.js',
      './e.js',
      './f.js',
      './g.js',
      './h.js type',
      './i.js',
      './j.js type',
      './k.js',
      './l.js',
      'node:path',
    ],
  );
});

test('buildImportGraph: ".js" specifiers resolve to the .ts modules, as tsc resolves them; an edge is type-only when every import along it is', async () => {
  const dir = await makeApp({
    'src/a.ts':
      "import type { B } from './b.js';\nimport { c } from './sub/index.js';\nexport type A = B | typeof c;\n",
    'src/b.ts': "import type { A } from './a.js';\nexport type B = { a?: A };\n",
    'src/sub/index.ts':
      "import { type B } from '../b.js';\nimport '../b.js';\nexport const c = 1;\nexport type S = B;\n",
    'src/types.d.ts': "import type { A } from './a.js';\nexport type D = A;\n",
  });
  const { graph, unresolved } = buildImportGraph(path.join(dir, 'src'), path.join(REPO_ROOT, 'tsconfig.json'));
  const rel = (f: string) => path.relative(dir, f);
  assert.deepEqual(unresolved, []);
  assert.deepEqual(
    [...graph].map(([from, edges]) => [rel(from), edges.map((e) => `${rel(e.to)}${e.typeOnly ? ' type' : ''}`)]),
    [
      ['src/a.ts', ['src/b.ts type', 'src/sub/index.ts']],
      ['src/b.ts', ['src/a.ts type']],
      ['src/sub/index.ts', ['src/b.ts']],
    ],
  );
});

test('the script: exit 1 naming the files of a type-only cycle; exit 0 with a summary once the type moves to a leaf', async () => {
  const cyclic = await makeApp({
    'src/report.ts': "import type { Row } from './table.js';\nexport interface Report { rows: Row[] }\n",
    'src/table.ts':
      "import type { Report } from './report.js';\nexport interface Row { cells: string[] }\nexport function render(r: Report): string { return String(r.rows.length); }\n",
  });
  const failing = await execa(
    process.execPath,
    ['--import', 'tsx', 'scripts/check-cycles.ts', path.join(cyclic, 'src')],
    { cwd: REPO_ROOT, reject: false },
  );
  assert.equal(failing.exitCode, 1);
  assert.match(failing.stdout, /cycle 1 \(2 modules, type-only\):/);
  assert.match(
    failing.stdout,
    /src\/report\.ts\n\s+→ .*src\/table\.ts \(import type\)\n\s+→ .*src\/report\.ts \(import type\)/,
  );

  const fixed = await makeApp({
    'src/row.ts': 'export interface Row { cells: string[] }\n',
    'src/report.ts': "import type { Row } from './row.js';\nexport interface Report { rows: Row[] }\n",
    'src/table.ts':
      "import type { Report } from './report.js';\nexport function render(r: Report): string { return String(r.rows.length); }\n",
  });
  const passing = await execa(
    process.execPath,
    ['--import', 'tsx', 'scripts/check-cycles.ts', path.join(fixed, 'src')],
    { cwd: REPO_ROOT, reject: false },
  );
  assert.equal(passing.exitCode, 0, passing.stdout + passing.stderr);
  assert.match(passing.stdout, /^no import cycles: 3 modules, 2 relative imports under .*src\/$/);
});

test('the script: a relative import that resolves to nothing fails the check, naming the file', async () => {
  const dir = await makeApp({ 'src/a.ts': "import { gone } from './gone.js';\nexport const a = gone;\n" });
  const result = await execa(process.execPath, ['--import', 'tsx', 'scripts/check-cycles.ts', path.join(dir, 'src')], {
    cwd: REPO_ROOT,
    reject: false,
  });
  assert.equal(result.exitCode, 1);
  assert.match(result.stderr, /src\/a\.ts: "\.\/gone\.js" does not resolve to a module under/);
});
