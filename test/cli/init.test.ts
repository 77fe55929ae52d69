// pkgapp init: a starter configuration from what the app says about itself, which then builds.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { execa } from 'execa';
import { cleanupTestDirs, makeApp, minimalApp, REPO_ROOT, runCli } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

test('pkgapp init writes a valid, commented configuration the build accepts', async () => {
  const app = await makeApp(
    minimalApp(
      { scripts: { start: 'node server.js' } },
      {
        'server.js':
          "const port = process.env.PORT || 3000; const db = process.env['DATABASE_URL']; const env = process.env.NODE_ENV;\n",
      },
    ),
  );
  const r = await runCli(['init', '-C', app, '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const { file, notes } = JSON.parse(r.stdout);
  assert.equal(file, path.join(app, 'pkgapp.config.json'));
  const config = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(config.service, undefined, 'build reads the start script itself');
  assert.match(config['// service'], /\/usr\/bin\/node \/opt\/tiny-app\/server\.js/);
  assert.deepEqual(Object.keys(config.env), ['DATABASE_URL', 'PORT'], 'NODE_ENV is not part of the contract');
  assert.equal(typeof config['//'], 'string');
  assert.ok(notes.some((n: string) => /DATABASE_URL, PORT/.test(n)));
  const build = await runCli(['build', '-C', app, '--no-install', '-o', path.join(app, 'out')]);
  assert.equal(build.exitCode, 0, build.stderr);
});

test('pkgapp init never overwrites a configuration (exit 2)', async () => {
  const withKey = await makeApp(minimalApp({ pkgapp: {} }));
  const r1 = await runCli(['init', '-C', withKey]);
  assert.equal(r1.exitCode, 2);
  assert.match(r1.stderr, /already has a "pkgapp" key; pkgapp init never overwrites/);
  const withFile = await makeApp({ ...minimalApp(), 'pkgapp.config.json': { name: 'keep-me' } });
  const r2 = await runCli(['init', '-C', withFile]);
  assert.equal(r2.exitCode, 2);
  assert.deepEqual(JSON.parse(await readFile(path.join(withFile, 'pkgapp.config.json'), 'utf8')), { name: 'keep-me' });
});

test('pkgapp init names the package manager whose lockfile the build will install from', async () => {
  const npmApp = await makeApp(minimalApp());
  const r1 = JSON.parse((await runCli(['init', '-C', npmApp, '--json'])).stdout);
  assert.ok(
    r1.notes.some((n: string) => /package-lock\.json \(npm\)/.test(n)),
    r1.notes.join('\n'),
  );

  const pnpmApp = await makeApp({
    'package.json': { name: 'p', version: '1.0.0', main: 'index.js' },
    'index.js': '',
    'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
  });
  const r2 = JSON.parse((await runCli(['init', '-C', pnpmApp, '--json'])).stdout);
  assert.ok(
    r2.notes.some((n: string) => /pnpm-lock\.yaml \(pnpm\)/.test(n)),
    r2.notes.join('\n'),
  );

  const noLock = await makeApp({ 'package.json': { name: 'q', version: '1.0.0', main: 'index.js' }, 'index.js': '' });
  const r3 = JSON.parse((await runCli(['init', '-C', noLock, '--json'])).stdout);
  assert.ok(
    r3.notes.some((n: string) => /no package-lock\.json .*commit the lockfile/.test(n)),
    r3.notes.join('\n'),
  );
});

test('init proposes the default the code itself falls back to, and none when the code has none', async () => {
  const app = await makeApp(
    minimalApp(
      { scripts: { start: 'node server.js' } },
      {
        'server.js': [
          "const port = process.env.PORT || '4873';",
          'const host = process.env.HOST ?? "0.0.0.0";',
          "const { LOG_LEVEL = 'warn', QUEUE_NAME, CACHE_TTL: ttl = 60 } = process.env;",
          'const workers = Number(process.env.WORKERS) || 4;',
          "const timeout = parseInt(process.env.TIMEOUT_MS ?? '8080', 10);",
          "const secret = (process.env['SESSION_SECRET'] as string) || `dev-secret`;",
          'const db = process.env.DATABASE_URL;',
          'const region = process.env.REGION || settings.region;',
          "import { env } from 'node:process'; const bucket = env.BUCKET ?? 'uploads';",
          '',
        ].join('\n'),
      },
    ),
  );
  const r = await runCli(['init', '-C', app, '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const { config, notes } = JSON.parse(r.stdout);
  const defaults = Object.fromEntries(
    Object.entries(config.env as Record<string, { default?: string }>).map(([k, v]) => [k, v.default]),
  );
  assert.deepEqual(defaults, {
    BUCKET: 'uploads',
    CACHE_TTL: '60',
    DATABASE_URL: undefined,
    HOST: '0.0.0.0',
    LOG_LEVEL: 'warn',
    PORT: '4873',
    QUEUE_NAME: undefined,
    REGION: undefined,
    SESSION_SECRET: 'dev-secret',
    TIMEOUT_MS: '8080',
    WORKERS: '4',
  });
  assert.deepEqual(config.env.DATABASE_URL.required, false, 'no default in the code: none invented');
  assert.ok(
    notes.some((n: string) => n.includes('PORT="4873" (server.js)') && n.startsWith('defaults')),
    notes.join('\n'),
  );
  const build = await runCli(['build', '-C', app, '--no-install', '-o', path.join(app, 'out')]);
  assert.equal(build.exitCode, 0, build.stderr);
});

test('init reads the sources a build script builds from, not dependencies, tests or minified files', async () => {
  const app = await makeApp(
    minimalApp(
      { main: 'dist/main.js', files: ['dist'], scripts: { build: 'tsc', start: 'node dist/main.js' } },
      {
        'server.js': '',
        'src/main.ts':
          'const port = Number(process.env.PORT ?? 3001);\nexport const url: string = process.env.REDIS_URL!;\n',
        'src/main.test.ts': 'process.env.TEST_ONLY_VAR;\n',
        'test/setup.ts': 'process.env.FIXTURE_DIR;\n',
        'node_modules/dep/index.js': 'process.env.DEP_VAR;\n',
        'src/vendor.min.js': `${'x'.repeat(5000)};process.env.MINIFIED_VAR;`,
        'src/generated.js': `var a=1;${'a+=1;'.repeat(2000)}process.env.GENERATED_VAR;`,
      },
    ),
  );
  const r = await runCli(['init', '-C', app, '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const { config } = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(config.env), ['PORT', 'REDIS_URL']);
  assert.equal(config.env.PORT.default, '3001');
  assert.equal(config.buildScript, 'build');
});

test('init describes well-known variables and marks the others TODO, listing them', async () => {
  const app = await makeApp(
    minimalApp(
      {},
      {
        'server.js':
          'process.env.PORT; process.env.HOST; process.env.DATABASE_URL; process.env.LOG_LEVEL; process.env.NODE_OPTIONS; process.env.FROBNICATOR_MODE; process.env.NEXT_PUBLIC_API_URL;\n',
      },
    ),
  );
  const { config, notes } = JSON.parse((await runCli(['init', '-C', app, '--json'])).stdout);
  assert.equal(config.env.PORT.description, 'TCP port the server listens on');
  assert.match(config.env.HOST.description, /^Address the server binds to/);
  assert.match(config.env.DATABASE_URL.description, /connection string/);
  assert.match(config.env.LOG_LEVEL.description, /verbosity/);
  assert.match(config.env.NODE_OPTIONS.description, /options for node/);
  assert.equal(config.env.FROBNICATOR_MODE.description, 'TODO: what FROBNICATOR_MODE is for');
  for (const [name, v] of Object.entries(config.env as Record<string, { description: string }>)) {
    if (name !== 'FROBNICATOR_MODE') assert.doesNotMatch(v.description, /TODO|what \w+ is for/, name);
  }
  assert.ok(
    notes.some((n: string) => /^to describe: FROBNICATOR_MODE \(/.test(n)),
    notes.join('\n'),
  );
  assert.equal(config.env.NEXT_PUBLIC_API_URL, undefined, 'inlined at build time: not a runtime variable');
  assert.ok(
    notes.some((n: string) => /NEXT_PUBLIC_API_URL: inlined when the app is built/.test(n)),
    notes.join('\n'),
  );
});

test('init links the schema by URL unless pkgapp is installed in the project', async () => {
  const pkgapp = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  assert.ok(pkgapp.files.includes('schema'), 'the npm package ships schema/, which the URL points into');
  const bare = await makeApp(minimalApp());
  const r1 = JSON.parse((await runCli(['init', '-C', bare, '--json'])).stdout);
  assert.equal(r1.config.$schema, `https://cdn.jsdelivr.net/npm/pkgapp@${pkgapp.version}/schema/pkgapp.schema.json`);

  const withDep = await makeApp({ ...minimalApp(), 'node_modules/pkgapp/schema/pkgapp.schema.json': {} });
  const r2 = JSON.parse((await runCli(['init', '-C', withDep, '--json'])).stdout);
  assert.equal(r2.config.$schema, './node_modules/pkgapp/schema/pkgapp.schema.json');

  const mono = await makeApp({
    'node_modules/pkgapp/schema/pkgapp.schema.json': {},
    ...Object.fromEntries(Object.entries(minimalApp()).map(([k, v]) => [`packages/api/${k}`, v])),
  });
  const r3 = JSON.parse((await runCli(['init', '-C', path.join(mono, 'packages/api'), '--json'])).stdout);
  assert.equal(r3.config.$schema, '../../node_modules/pkgapp/schema/pkgapp.schema.json');
});

/** A v3 lockfile entry map → minimalApp files with that lockfile. */
function appWithLock(
  packages: Record<string, object>,
  overrides: Record<string, unknown> = {},
  extra: Record<string, string | object> = {},
) {
  const files = minimalApp(overrides, extra);
  const pkg = files['package.json'] as { name: string; version: string };
  files['package-lock.json'] = {
    name: pkg.name,
    version: pkg.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: pkg.name, version: pkg.version }, ...packages },
  };
  return files;
}

test("init notes native addons and the engines.node floor the dependencies set, against Debian 12's nodejs", async () => {
  const app = await makeApp(
    appWithLock({
      'node_modules/undici': { version: '7.1.0', engines: { node: '>=20.18.1' } },
      'node_modules/express': { version: '4.21.2', engines: { node: '>= 0.10.0' } },
      'node_modules/argon2': { version: '0.41.1', hasInstallScript: true, engines: { node: '>=16.17.0' } },
      'node_modules/home-made-addon': { version: '1.0.0', hasInstallScript: true },
      'node_modules/esbuild': { version: '0.25.0', hasInstallScript: true },
      'node_modules/@esbuild/linux-x64': { version: '0.25.0', os: ['linux'], cpu: [process.arch], optional: true },
      'node_modules/@napi-rs/wasm-runtime': { version: '0.2.12' },
      'node_modules/@img/sharp-linux-x64': {
        version: '0.33.5',
        os: ['linux'],
        cpu: [process.arch],
        libc: ['glibc'],
        optional: true,
      },
      'node_modules/@img/sharp-darwin-arm64': {
        version: '0.33.5',
        os: ['darwin'],
        cpu: ['arm64'],
        optional: true,
        engines: { node: '>=30' },
      },
      'node_modules/@img/sharp-linuxmusl-x64': {
        version: '0.33.5',
        os: ['linux'],
        cpu: [process.arch],
        libc: ['musl'],
        optional: true,
        engines: { node: '>=30' },
      },
      'node_modules/eslint': { version: '9.0.0', dev: true, hasInstallScript: true, engines: { node: '>=31' } },
    }),
  );
  const { notes } = JSON.parse((await runCli(['init', '-C', app, '--json'])).stdout);
  const text = notes.join('\n');
  const addons = notes.find((n: string) => n.startsWith('native addons'));
  assert.ok(addons, text);
  assert.match(addons, /argon2@0\.41\.1 \(known native addon\)/);
  assert.match(addons, /home-made-addon@1\.0\.0 \(install script: may build one\)/);
  assert.doesNotMatch(addons, /esbuild|wasm/, 'executables and WebAssembly are not addons');
  assert.match(addons, /@img\/sharp-linux-x64@0\.33\.5 \(prebuilt for linux/);
  assert.doesNotMatch(
    addons,
    /darwin|musl|eslint/,
    'other platforms and dev dependencies are not installed for the package',
  );
  assert.match(addons, /N-API/);
  assert.match(
    text,
    /engines\.node: the package will need Node\.js >= 20\.18\.1, set by undici@7\.1\.0 \(>=20\.18\.1\) \(from package-lock\.json\)/,
  );
  assert.match(text, /newer than Debian 12's nodejs 18\.20\.4[^\n]*"node": "bundled"[^\n]*"nodeVersion"/);

  // The floor is the lowest version every range allows (build's rule), not the highest minimum.
  const fine = await makeApp(
    appWithLock({
      'node_modules/express': { version: '4.21.2', engines: { node: '>= 0.10.0' } },
      'node_modules/gappy': { version: '1.0.0', engines: { node: '^16.20.0 || ^18.3.0' } },
      'node_modules/modern': { version: '1.0.0', engines: { node: '>=18' } },
    }),
  );
  const r2 = JSON.parse((await runCli(['init', '-C', fine, '--json'])).stdout).notes.join('\n');
  assert.doesNotMatch(r2, /native addons|Debian 12/);
  assert.match(r2, /need Node\.js >= 18\.3\.0, set by modern@1\.0\.0 \(>=18\) and gappy@1\.0\.0/);
});

test('init finds compiled addons in an installed node_modules, production ones only when the lockfile says which', async () => {
  const app = await makeApp(
    appWithLock(
      {
        'node_modules/bcrypt': { version: '5.1.1', hasInstallScript: true },
        'node_modules/left-pad': { version: '1.3.0' },
      },
      {},
      {
        'node_modules/bcrypt/package.json': { name: 'bcrypt', version: '5.1.1', engines: { node: '>= 10.0.0' } },
        'node_modules/bcrypt/lib/binding/napi-v3/bcrypt_lib.node': 'ELF',
        'node_modules/left-pad/package.json': { name: 'left-pad', version: '1.3.0' },
        'node_modules/fsevents-like/package.json': { name: 'dev-addon', version: '1.0.0' },
        'node_modules/fsevents-like/build/Release/x.node': 'ELF',
      },
    ),
  );
  const { notes } = JSON.parse((await runCli(['init', '-C', app, '--json'])).stdout);
  const addons = notes.find((n: string) => n.startsWith('native addons'));
  assert.match(
    addons,
    /^native addons \(in node_modules, production dependencies of package-lock\.json\): bcrypt@5\.1\.1 \(1 compiled \.node file\)\./,
  );
  assert.doesNotMatch(addons, /dev-addon|left-pad/);
});

/** Init, then build the app as it is (--no-install): what init said the unit runs, and the unit's ExecStart words and Environment= lines. */
async function initThenBuild(
  t: TestContext,
  app: string,
): Promise<{ said: string; execStart: string[]; environment: string[]; config: Record<string, unknown> } | undefined> {
  if (!requireTools(t, ['dpkg-deb', 'tar'])) return undefined;
  const r = await runCli(['init', '-C', app, '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const { notes, config } = JSON.parse(r.stdout);
  const note = (notes as string[]).find((n) => n.startsWith('service: ') || n.startsWith('"service.command" proposed'));
  assert.ok(note, notes.join('\n'));
  const said = /runs? (\/usr\/bin\/node .*?)(?:;|$| \()/.exec(
    note.replace(/becomes the unit's command: /, 'runs '),
  )![1]!;
  const out = path.join(app, 'out');
  const build = await runCli(['build', '-C', app, '--no-install', '-o', out, '--json']);
  assert.equal(build.exitCode, 0, build.stderr);
  const [deb] = JSON.parse(build.stdout).packages as { path: string }[];
  const name = JSON.parse(await readFile(path.join(app, 'package.json'), 'utf8')).name as string;
  const { stdout: unit } = await execa('dpkg-deb', ['--fsys-tarfile', deb!.path]).pipe('tar', [
    '-xOf',
    '-',
    `./lib/systemd/system/${name}.service`,
  ]);
  const line = unit.split('\n').find((l) => l.startsWith('ExecStart='))!;
  const words = [...line.slice('ExecStart='.length).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
    m[1]!.replace(/\\(.)/g, '$1'),
  );
  // The unit starts node through the check for required variables, which then execs it.
  const execStart = words[0] === `/opt/${name}/.pkgapp/check-env` ? words.slice(1) : words;
  const environment = unit
    .split('\n')
    .filter(
      (l) =>
        l.startsWith('Environment=') && !l.includes('NODE_ENV=production"') && l !== 'Environment=NODE_ENV=production',
    );
  return { said, execStart, environment, config };
}

test('init and build agree on the start command: node options, arguments, variables', async (t) => {
  const app = await makeApp(
    minimalApp({ scripts: { start: 'LOG_FORMAT=json node --enable-source-maps ./server.js --port 1880' } }),
  );
  const seen = await initThenBuild(t, app);
  if (!seen) return;
  assert.equal(seen.config.service, undefined, 'no service keys: build reads the start script');
  assert.equal(
    seen.said,
    '/usr/bin/node --enable-source-maps /opt/tiny-app/server.js --port 1880 with LOG_FORMAT=json',
  );
  assert.deepEqual(seen.execStart, [
    '/usr/bin/node',
    '--enable-source-maps',
    '/opt/tiny-app/server.js',
    '--port',
    '1880',
  ]);
  assert.ok(
    seen.environment.some((l) => l.includes('LOG_FORMAT=json')),
    seen.environment.join('\n'),
  );
});

test("init and build agree on a dependency's bin started with arguments, before and after the install", async (t) => {
  const lock = {
    name: 'tiny-app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'tiny-app', version: '1.0.0', dependencies: { 'mock-server': '1.0.0' } },
      'node_modules/mock-server': { version: '1.0.0', bin: { 'mock-server': 'bin/cli.js' } },
    },
  };
  const files = {
    ...minimalApp({
      main: undefined,
      scripts: { start: 'mock-server --port 3280 /var/lib/tiny-app/db.json' },
      dependencies: { 'mock-server': '1.0.0' },
    }),
    'package-lock.json': lock,
  };
  const installed = {
    'node_modules/mock-server/package.json': {
      name: 'mock-server',
      version: '1.0.0',
      bin: { 'mock-server': 'bin/cli.js' },
    },
    'node_modules/mock-server/bin/cli.js': '#!/usr/bin/env node\n',
  };
  // Before any install, from the lockfile's records of each package's "bin".
  const fresh = JSON.parse((await runCli(['init', '-C', await makeApp(files), '--json'])).stdout);
  const expected =
    '/usr/bin/node /opt/tiny-app/node_modules/mock-server/bin/cli.js --port 3280 /var/lib/tiny-app/db.json';
  assert.ok(
    fresh.notes.some((n: string) => n.endsWith(`becomes the unit's command: ${expected}`)),
    fresh.notes.join('\n'),
  );
  const seen = await initThenBuild(t, await makeApp({ ...files, ...installed }));
  if (!seen) return;
  assert.equal(seen.said, expected);
  assert.deepEqual(seen.execStart, expected.split(' '));
});

test('init proposes service.command when the start script cannot run as a service, and says why', async (t) => {
  // Nest's scaffold: "start" runs the Nest CLI, a devDependency; "start:prod" is the production command.
  const nestFiles = minimalApp({
    main: undefined,
    scripts: { start: 'nest start', 'start:prod': 'node server.js' },
    devDependencies: { '@nestjs/cli': '11.0.0' },
  });
  const nestLock = nestFiles['package-lock.json'] as { packages: Record<string, Record<string, unknown>> };
  nestLock.packages['']!['devDependencies'] = { '@nestjs/cli': '11.0.0' };
  nestLock.packages['node_modules/@nestjs/cli'] = { version: '11.0.0', dev: true, bin: { nest: 'bin/nest.js' } };
  const nest = await makeApp(nestFiles);
  const why = JSON.parse((await runCli(['init', '-C', nest, '--json'])).stdout).notes.join('\n');
  assert.match(why, /no production dependency provides the command "nest"/, "build's own refusal, before any install");
  await rm(path.join(nest, 'pkgapp.config.json'));
  const seen = await initThenBuild(t, nest);
  if (!seen) return;
  assert.deepEqual(seen.config.service, { command: 'node server.js' });
  assert.deepEqual(seen.execStart, seen.said.split(' '));

  const chained = await makeApp(minimalApp({ scripts: { start: 'npm run migrate && node server.js' } }));
  const r = JSON.parse((await runCli(['init', '-C', chained, '--json'])).stdout);
  assert.deepEqual(r.config.service, { command: 'node server.js' });
  assert.ok(
    r.notes.some((n: string) =>
      /cannot run "npm run migrate && node server\.js" as a systemd service: "&&" runs a second command/.test(n),
    ),
    r.notes.join('\n'),
  );

  const hopeless = await makeApp(minimalApp({ main: undefined, scripts: { start: 'sh ./run.sh' } }));
  const r2 = JSON.parse((await runCli(['init', '-C', hopeless, '--json'])).stdout);
  assert.match(r2.config.service.command, /^TODO: /);
  assert.ok(
    r2.notes.some((n: string) => /"sh" is a shell command/.test(n)),
    r2.notes.join('\n'),
  );
  const build = await runCli(['build', '-C', hopeless, '--no-install', '-o', path.join(hopeless, 'out')]);
  assert.equal(build.exitCode, 2, 'a TODO command is refused, naming the key');
  assert.match(build.stderr, /service\.command/);
});

test("init adds the variables a framework's server reads, with the framework's defaults, unless the code reads them", async () => {
  const app = await makeApp(
    minimalApp(
      {
        main: undefined,
        scripts: { build: 'vite build', start: 'node build' },
        devDependencies: { '@sveltejs/adapter-node': '^5.0.0' },
      },
      {
        'server.js': '',
        'src/hooks.server.js': "export const greeting = process.env.HOST || 'from-the-app';\n",
      },
    ),
  );
  const { config, notes } = JSON.parse((await runCli(['init', '-C', app, '--json'])).stdout);
  assert.deepEqual(config.env.PORT, { default: '3000', description: 'TCP port the server listens on (adapter-node)' });
  assert.equal(config.env.HOST.default, 'from-the-app', "the app's own reading wins");
  assert.deepEqual(config.env.ORIGIN.required, false);
  assert.match(config.env.ORIGIN.description, /^Public URL/);
  assert.ok(
    notes.some((n: string) =>
      /framework's server \(ORIGIN from @sveltejs\/adapter-node, PORT from @sveltejs\/adapter-node\)/.test(n),
    ),
    notes.join('\n'),
  );
});
