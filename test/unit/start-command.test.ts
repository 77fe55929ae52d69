import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStartCommand, type StartCommand } from '../../src/manifest/start-command.js';

const WHERE = '/app/package.json "scripts.start"';
const parse = (command: string) => parseStartCommand(command, WHERE);
const cmd = (program: StartCommand['program'], more: Partial<StartCommand> = {}): StartCommand => ({
  environment: [],
  nodeOptions: [],
  program,
  args: [],
  ...more,
});

test('node FILE with node options and arguments', () => {
  assert.deepEqual(parse('node server.js'), cmd({ file: 'server.js' }));
  assert.deepEqual(parse('  node ./dist/main.js  '), cmd({ file: './dist/main.js' }));
  assert.deepEqual(parse('node server.js --port 1880'), cmd({ file: 'server.js' }, { args: ['--port', '1880'] }));
  assert.deepEqual(
    parse('node --enable-source-maps server.js --port 1880'),
    cmd({ file: 'server.js' }, { nodeOptions: ['--enable-source-maps'], args: ['--port', '1880'] }),
  );
  assert.deepEqual(
    parse('node -r dotenv/config --max-old-space-size=512 index.mjs'),
    cmd({ file: 'index.mjs' }, { nodeOptions: ['-r', 'dotenv/config', '--max-old-space-size=512'] }),
  );
  assert.deepEqual(
    parse('nodejs --import ./otel.mjs -- app.js -v'),
    cmd({ file: 'app.js' }, { nodeOptions: ['--import', './otel.mjs'], args: ['-v'] }),
  );
  assert.deepEqual(parse('node ./bin/www'), cmd({ file: './bin/www' }));
  assert.deepEqual(
    parse('node node_modules/verdaccio/bin/verdaccio --listen 4873'),
    cmd({ file: 'node_modules/verdaccio/bin/verdaccio' }, { args: ['--listen', '4873'] }),
  );
});

test('environment assignments before the program, and cross-env/env/exec wrappers', () => {
  assert.deepEqual(
    parse('NODE_ENV=production node server.js'),
    cmd({ file: 'server.js' }, { environment: [['NODE_ENV', 'production']] }),
  );
  assert.deepEqual(
    parse('PORT=1880 HOST=0.0.0.0 node server.js'),
    cmd(
      { file: 'server.js' },
      {
        environment: [
          ['PORT', '1880'],
          ['HOST', '0.0.0.0'],
        ],
      },
    ),
  );
  assert.deepEqual(
    parse(`GREETING='hello world' A=b=c EMPTY= node s.js`),
    cmd(
      { file: 's.js' },
      {
        environment: [
          ['GREETING', 'hello world'],
          ['A', 'b=c'],
          ['EMPTY', ''],
        ],
      },
    ),
  );
  assert.deepEqual(
    parse('cross-env NODE_ENV=production PORT=3000 node server.js'),
    cmd(
      { file: 'server.js' },
      {
        environment: [
          ['NODE_ENV', 'production'],
          ['PORT', '3000'],
        ],
      },
    ),
  );
  assert.deepEqual(
    parse('env TZ=UTC next start'),
    cmd({ bin: 'next' }, { environment: [['TZ', 'UTC']], args: ['start'] }),
  );
  assert.deepEqual(parse('exec node server.js'), cmd({ file: 'server.js' }));
  // An assignment after the program is an argument.
  assert.deepEqual(parse('node server.js PORT=1'), cmd({ file: 'server.js' }, { args: ['PORT=1'] }));
  // A quoted name is not an assignment to sh: it is the program.
  assert.throws(() => parse(`'A=b' node s.js`), /PKGAPP_START_COMMAND|not a command name/);
});

test("a dependency's bin with arguments", () => {
  assert.deepEqual(parse('next start'), cmd({ bin: 'next' }, { args: ['start'] }));
  assert.deepEqual(parse('next start -p 3000'), cmd({ bin: 'next' }, { args: ['start', '-p', '3000'] }));
  assert.deepEqual(
    parse('verdaccio --config ./config.yaml'),
    cmd({ bin: 'verdaccio' }, { args: ['--config', './config.yaml'] }),
  );
  assert.deepEqual(
    parse('json-server db.json --port 3000'),
    cmd({ bin: 'json-server' }, { args: ['db.json', '--port', '3000'] }),
  );
  assert.deepEqual(
    parse('node-red --userDir /var/lib/node-red'),
    cmd({ bin: 'node-red' }, { args: ['--userDir', '/var/lib/node-red'] }),
  );
  assert.deepEqual(
    parse('NODE_OPTIONS=--max-old-space-size=4096 npx next start'),
    cmd({ bin: 'next' }, { environment: [['NODE_OPTIONS', '--max-old-space-size=4096']], args: ['start'] }),
  );
  assert.deepEqual(parse('./node_modules/.bin/nest start'), cmd({ bin: 'nest' }, { args: ['start'] }));
  assert.deepEqual(parse('node node_modules/.bin/next start'), cmd({ bin: 'next' }, { args: ['start'] }));
});

test('quoting: words as sh splits them, with nothing expanded', () => {
  assert.deepEqual(parse(`node server.js --title "My app" 'it''s' a\\ b "q\\"x\\\\"`).args, [
    '--title',
    'My app',
    'its',
    'a b',
    'q"x\\',
  ]);
  assert.deepEqual(parse(`node server.js '$HOME' "100%" 'a;b'`).args, ['$HOME', '100%', 'a;b']);
  assert.deepEqual(parse(`node "my server.js"`).program, { file: 'my server.js' });
});

/** Each refused command, and the part the message must name. */
const REFUSED: [string, RegExp][] = [
  ['npm run build && node server.js', /"&&" runs a second command/],
  ['node server.js || true', /"\|\|" runs a second command/],
  ['node a.js; node b.js', /";" runs a second command/],
  ['node server.js | pino-pretty', /"\|" pipes into a second command/],
  ['node server.js &', /"&" runs the program in the background/],
  ['node server.js > log.txt', /">" redirects output/],
  ['node server.js 2>>err', /">>" redirects output/],
  ['node server.js < in', /"<" redirects input/],
  ['(node server.js)', /"\(" starts a subshell/],
  ['node server.js --port $PORT', /"\$PORT" is variable expansion/],
  ['node server.js --port ${PORT:-3000}', /"\$\{PORT:-3000\}" is variable expansion/],
  ['node server.js "--port=$PORT"', /"\$PORT" is variable expansion/],
  ['node $(cat entry)', /"\$\(" is command substitution/],
  ['node `cat entry`', /command substitution/],
  ['node dist/*.js', /"\*" is a file name pattern/],
  ['node ~/server.js', /"~" expands to a home directory/],
  ['node server.js # the server', /"#" starts a comment/],
  ['node server.js\nnode other.js', /a line break separates two commands/],
  ["node 'server.js", /is never closed/],
  ['node "server.js', /is never closed/],
  ['npm run serve', /runs the package.json script "serve" through npm/],
  ['npm start', /runs the package.json script "start" through npm/],
  ['yarn serve', /runs the package.json script "serve" through yarn/],
  ['pnpm run start:prod', /runs the package.json script "start:prod" through pnpm/],
  ['cd dist', /"cd" is a shell command/],
  ['sh -c "node server.js"', /"sh" is a shell command/],
  ['./server.js', /"\.\/server\.js" runs a file directly/],
  ['/usr/bin/node server.js', /runs a file directly/],
  ['node', /names no file for node to run/],
  ['node --enable-source-maps', /names no file for node to run/],
  ['node -e "require(1)"', /"node -e" evaluates a string/],
  ['node --watch server.js', /"node --watch" restarts on file changes/],
  ['node --watch-preserve-output server.js', /restarts on file changes/],
  ['node -r', /"node -r" lacks its value/],
  ['NODE_ENV=production', /sets variables but runs no program/],
  ['', /is empty/],
  ['env -i node server.js', /"env -i" \(an option of env\) is not supported/],
  ['npx --yes next start', /an option of npx/],
  ['cross-env-shell "node $X"', /"\$X"|cross-env-shell/],
];

test('refuses what a unit cannot express, naming the script and the part', () => {
  for (const [command, part] of REFUSED) {
    assert.throws(
      () => parse(command),
      (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, 'PKGAPP_START_COMMAND', command);
        assert.ok(
          error.message.startsWith(`${WHERE}: cannot run ${JSON.stringify(command)} as a systemd service: `),
          error.message,
        );
        assert.match(error.message, part, command);
        assert.match(error.hint ?? '', /"service": \{ "command"|"env"/, command);
        return true;
      },
      command,
    );
  }
});
