// Comments and docs point at files a contributor who clones the repository has: the format notes
// in docs/internals/ and the other docs/ files, never notes kept outside the repository. These
// tests fail on a reference to such a note and on a docs/ path or link that leads nowhere.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SELF = path.relative(ROOT, fileURLToPath(import.meta.url));
const SCANNED = ['src', 'test', 'scripts', 'templates', 'docs', 'README.md'];
/** Trees whose text may name docs/…md paths (comments, error hints, test expectations). */
const CODE = ['src', 'test', 'scripts', 'templates'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);

/**
 * Notes that live outside the repository: the old formats.md and design.md, and anything under
 * a sibling shared/ directory. (A bare "../shared" stays allowed: lockfile fixtures link a
 * workspace package from a sibling directory of that name.)
 */
const OUTSIDE = /\bformats\.md\b|\bdesign\.md\b|\.\.\/shared\/|\bshared\/docs\b/;
/** A docs/ markdown path as comments write it, with an optional #anchor. */
const DOCS_PATH = /\bdocs\/[A-Za-z0-9_./-]+?\.md(?:#[A-Za-z0-9_-]+)?/g;
/** A relative markdown link target: [text](target), not a URL. */
const MD_LINK = /\]\((?!https?:|mailto:)([^)\s]+)\)/g;

test('no file names a note outside the repository (formats.md, design.md, ../shared/)', () => {
  const offenders: string[] = [];
  for (const file of files(SCANNED)) {
    if (file === SELF) continue;
    readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (OUTSIDE.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(
    offenders,
    [],
    `point these at docs/internals/*.md (or another docs/ file) instead:\n${offenders.join('\n')}`,
  );
});

test('every docs/…md path named in src/, test/, scripts/ and templates/ exists, with its #anchor', () => {
  const broken: string[] = [];
  for (const file of files(CODE)) {
    if (file === SELF) continue;
    readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const [reference] of line.matchAll(DOCS_PATH)) {
          const problem = checkTarget(ROOT, reference);
          if (problem) broken.push(`${file}:${i + 1}: ${reference}: ${problem}`);
        }
      });
  }
  assert.deepEqual(broken, [], broken.join('\n'));
});

test('relative links in docs/ and README.md lead to existing files and headings', () => {
  const broken: string[] = [];
  for (const file of files(['docs', 'README.md'])) {
    if (!file.endsWith('.md')) continue;
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    text.split('\n').forEach((line, i) => {
      for (const [, target] of line.matchAll(MD_LINK)) {
        const problem = checkTarget(path.dirname(path.join(ROOT, file)), target!, file);
        if (problem) broken.push(`${file}:${i + 1}: ${target}: ${problem}`);
      }
    });
  }
  assert.deepEqual(broken, [], broken.join('\n'));
});

test('the checks see what they check: the notes exist, and the matchers catch what they should', () => {
  const internals = readdirSync(path.join(ROOT, 'docs', 'internals')).filter((f) => f.endsWith('.md'));
  assert.ok(internals.length >= 5, 'docs/internals holds the format notes');
  assert.ok(OUTSIDE.test('see formats.md §1.2') && OUTSIDE.test('(design.md)') && OUTSIDE.test('../shared/docs/x'));
  assert.ok(!OUTSIDE.test("dependencies: { shared: 'file:../shared' }"));
  assert.equal(checkTarget(ROOT, 'docs/internals/deb-archive.md#no-such-heading'), 'no heading "no-such-heading"');
  assert.equal(checkTarget(ROOT, 'docs/no-such-file.md'), 'no such file');
  assert.equal(checkTarget(ROOT, 'docs/internals/rpm-package.md#signature-header'), undefined);
});

/** Why `target` (a path relative to `base`, optionally #anchor) leads nowhere, or undefined. */
function checkTarget(base: string, target: string, from?: string): string | undefined {
  const [file, anchor] = target.split('#', 2) as [string, string | undefined];
  const resolved = file === '' && from ? path.join(ROOT, from) : path.resolve(base, file);
  if (!existsSync(resolved)) return 'no such file';
  if (anchor === undefined || !resolved.endsWith('.md')) return undefined;
  return headingSlugs(readFileSync(resolved, 'utf8')).has(anchor) ? undefined : `no heading "${anchor}"`;
}

/** GitHub's heading anchors: lowercased, punctuation dropped, spaces as hyphens, repeats numbered. */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    slugs.add(n === 0 ? base : `${base}-${n}`);
  }
  return slugs;
}

/** Files under the given repository paths, relative to the root, skipping installed and built trees. */
function files(roots: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(ROOT, rel);
    if (!existsSync(abs)) return;
    if (!statSync(abs).isDirectory()) {
      out.push(rel);
      return;
    }
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.isDirectory() && SKIPPED_DIRS.has(entry.name)) continue;
      if (entry.isDirectory() || entry.isFile()) walk(path.join(rel, entry.name));
    }
  };
  for (const root of roots) walk(root);
  return out.sort();
}
