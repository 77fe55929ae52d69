// Golden files: expected text kept in test/golden/; UPDATE_GOLDEN=1 rewrites them.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const GOLDEN_DIR = fileURLToPath(new URL('../golden/', import.meta.url));

/** Compares `actual` with test/golden/<name>; review the diff when UPDATE_GOLDEN=1 rewrote it. */
export function assertGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    assert.fail(`missing golden file test/golden/${name}: run with UPDATE_GOLDEN=1 and review it`);
  }
  assert.equal(actual, expected, `differs from test/golden/${name} (UPDATE_GOLDEN=1 rewrites it)`);
}
