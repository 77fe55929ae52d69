// Shebang normalisation (src/contents/shebang.ts): env lines point at the package's node,
// sh/bash at /bin, other interpreters at /usr/bin and are reported; everything else is left as is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rewriteShebang, type ShebangRewrite } from '../../src/contents/shebang.js';

const SYSTEM = '/usr/bin/node';
const BUNDLED = '/opt/app/node/bin/node';

function check(input: string, nodePath: string, expected: Partial<ShebangRewrite>) {
  const got = rewriteShebang(input, nodePath);
  for (const [key, value] of Object.entries(expected))
    assert.deepEqual(
      got[key as keyof ShebangRewrite],
      value,
      `${JSON.stringify(input)}: ${key} (got ${JSON.stringify(got)})`,
    );
  return got;
}

test('node through env, with or without blanks after #!, points at the runtime', () => {
  for (const input of [
    '#!/usr/bin/env node',
    '#! /usr/bin/env node',
    '#!\t/usr/bin/env\tnode',
    '#!  /usr/bin/env   node  ',
    '#!/bin/env node',
    '#!/usr/bin/env nodejs',
  ]) {
    check(`${input}\n`, BUNDLED, { line: `#!${BUNDLED}\n`, changed: true, role: 'node', interpreter: BUNDLED });
    check(input, SYSTEM, { line: `#!${SYSTEM}`, changed: true, role: 'node' });
  }
});

test('node flags: one flag goes on the line; several keep env -S so they are still split', () => {
  check('#!/usr/bin/env -S node --max-old-space-size=4096\n', BUNDLED, {
    line: `#!${BUNDLED} --max-old-space-size=4096\n`,
    changed: true,
    role: 'node',
  });
  check('#!/usr/bin/env -Snode --no-warnings\n', SYSTEM, { line: '#!/usr/bin/node --no-warnings\n', changed: true });
  check('#!/usr/bin/env --split-string node --enable-source-maps\n', SYSTEM, {
    line: '#!/usr/bin/node --enable-source-maps\n',
  });
  check('#!/usr/bin/env node --harmony\n', SYSTEM, { line: '#!/usr/bin/node --harmony\n', changed: true });
  const several = check('#!/usr/bin/env -S node --experimental-vm-modules --no-warnings\n', BUNDLED, {
    line: `#!/usr/bin/env -S ${BUNDLED} --experimental-vm-modules --no-warnings\n`,
    changed: true,
    role: 'node',
  });
  assert.match(several.note!, /env -S/);
});

test('absolute node paths point at the runtime; the runtime itself is left alone', () => {
  check('#!/usr/local/bin/node\n', SYSTEM, { line: '#!/usr/bin/node\n', changed: true, role: 'node' });
  check('#!/usr/bin/node\n', BUNDLED, { line: `#!${BUNDLED}\n`, changed: true });
  check('#!/usr/bin/node\n', SYSTEM, { line: '#!/usr/bin/node\n', changed: false, role: 'node' });
  check(`#!${BUNDLED} --no-warnings\n`, BUNDLED, { changed: false, role: 'node' });
});

test('CRLF and a lone carriage return: the \\r the kernel would pass on is dropped', () => {
  const crlf = check('#!/usr/bin/env node\r\n', SYSTEM, { line: '#!/usr/bin/node\n', changed: true, role: 'node' });
  assert.match(crlf.note!, /carriage return/);
  check('#!/usr/bin/env node\r', SYSTEM, { line: '#!/usr/bin/node', changed: true });
  check('#!/bin/sh\r\n', SYSTEM, { line: '#!/bin/sh\n', changed: true, role: 'essential' });
});

test('sh and bash through env become /bin/sh and /bin/bash, flags kept', () => {
  check('#!/usr/bin/env bash\n', SYSTEM, {
    line: '#!/bin/bash\n',
    changed: true,
    role: 'essential',
    interpreter: '/bin/bash',
  });
  check('#! /usr/bin/env sh\n', SYSTEM, { line: '#!/bin/sh\n', changed: true, role: 'essential' });
  check('#!/usr/bin/env -S bash -e\n', SYSTEM, { line: '#!/bin/bash -e\n', changed: true });
  check('#!/usr/bin/env bash -e\n', SYSTEM, { line: '#!/bin/bash -e\n', changed: true });
});

test('direct sh/bash lines are already right and stay byte for byte', () => {
  for (const line of [
    '#!/bin/sh\n',
    '#!/bin/bash -e\n',
    '#!/usr/bin/bash\n',
    '#! /bin/sh\n',
    '#!/bin/sh  -eu\n',
    '#!/bin/sh',
  ])
    check(line, SYSTEM, { line, changed: false, role: 'essential', needs: undefined });
});

test('other interpreters become absolute /usr/bin paths and are reported', () => {
  check('#!/usr/bin/env python3\n', SYSTEM, {
    line: '#!/usr/bin/python3\n',
    changed: true,
    role: 'other',
    needs: 'python3',
    interpreter: '/usr/bin/python3',
  });
  check('#!/usr/bin/env perl -w\n', SYSTEM, { line: '#!/usr/bin/perl -w\n', changed: true, needs: 'perl' });
  check('#!/usr/bin/env -S python3 -u\n', SYSTEM, { line: '#!/usr/bin/python3 -u\n', needs: 'python3' });
  check('#!/usr/bin/env /opt/tool/bin/run\n', SYSTEM, { line: '#!/opt/tool/bin/run\n', needs: 'run' });
  check('#!/usr/local/bin/python3\n', SYSTEM, { line: '#!/usr/bin/python3\n', changed: true, needs: 'python3' });
  check('#!/bin/dash\n', SYSTEM, { line: '#!/usr/bin/dash\n', changed: true, needs: 'dash' });
  check('#!/usr/bin/python3\n', SYSTEM, {
    line: '#!/usr/bin/python3\n',
    changed: false,
    role: 'other',
    needs: 'python3',
  });
  check('#!/usr/bin/perl\n', SYSTEM, { changed: false, needs: 'perl' });
  check('#!/usr/local/bin/bash\n', SYSTEM, { line: '#!/usr/bin/bash\n', changed: true, role: 'other', needs: 'bash' });
});

test('lines that are not a usable shebang are reported unchanged', () => {
  check('console.log(1)\n', SYSTEM, { line: 'console.log(1)\n', changed: false, role: 'none' });
  check('', SYSTEM, { line: '', changed: false, role: 'none' });
  check('# comment\n', SYSTEM, { changed: false, role: 'none' });
  check('#!\n', SYSTEM, { changed: false, role: 'none', note: 'empty #! line' });
  check('#!   \n', SYSTEM, { changed: false, role: 'none' });
  check('#!node\n', SYSTEM, { line: '#!node\n', changed: false, role: 'other', needs: 'node' });
  check('#!/usr/bin/env\n', SYSTEM, { changed: false, note: 'env without a command' });
  check('#!/usr/bin/env -i\n', SYSTEM, { changed: false });
  const vars = check('#!/usr/bin/env NODE_ENV=production node\n', SYSTEM, { changed: false, role: 'other' });
  assert.match(vars.note!, /sets variables/);
});

test('already-rewritten lines are stable: rewriting twice changes nothing more', () => {
  for (const input of [
    '#!/usr/bin/env node\n',
    '#! /usr/bin/env -S node --a --b\n',
    '#!/usr/bin/env bash\r\n',
    '#!/usr/bin/env python3\n',
    '#!/usr/local/bin/node\n',
  ]) {
    const once = rewriteShebang(input, BUNDLED);
    const twice = rewriteShebang(once.line, BUNDLED);
    assert.equal(twice.line, once.line, input);
    assert.equal(twice.changed, false, input);
  }
});
