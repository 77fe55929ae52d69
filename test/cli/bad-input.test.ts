// Every bad input ends in exit 2, one clear message naming the file, key or flag, and an
// untouched output directory.
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { cleanupTestDirs, listDir, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

interface Case {
  name: string;
  files: Record<string, string | object>;
  args?: string[];
  message: RegExp;
}

const pkg = (overrides: Record<string, unknown>) => ({ ...(minimalApp()['package.json'] as object), ...overrides });

const cases: Case[] = [
  { name: 'no package.json', files: { 'server.js': '' }, message: /package\.json: not found/ },
  {
    name: 'malformed package.json',
    files: { 'package.json': '{ "name": "x", }' },
    message: /package\.json: malformed JSON/,
  },
  {
    name: 'invalid version',
    files: minimalApp({ version: '1.2' }),
    message: /package\.json: "version": "1\.2" is not a valid semver version/,
  },
  {
    name: 'invalid --version',
    files: minimalApp(),
    args: ['--version', 'one'],
    message: /--version: "one" is not a valid semver version/,
  },
  { name: 'hyphenated prerelease', files: minimalApp({ version: '1.0.0-alpha-1' }), message: /contains '-'/ },
  {
    name: 'missing lockfile',
    files: { 'package.json': pkg({}), 'server.js': '' },
    message: /no package-lock\.json or npm-shrinkwrap\.json/,
  },
  {
    name: 'stale lockfile',
    files: { ...minimalApp(), 'package.json': pkg({ dependencies: { express: '^4.0.0' } }) },
    message:
      /package-lock\.json is out of sync with package\.json:\n {2}dependencies\.express \(\^4\.0\.0\) is in package\.json but not in the lockfile/,
  },
  {
    name: 'lockfile v1',
    files: { ...minimalApp(), 'package-lock.json': { lockfileVersion: 1, dependencies: {} } },
    message: /lockfileVersion 1 is not supported/,
  },
  {
    name: 'unknown config key',
    files: minimalApp({ pkgapp: { service: { usr: 'x' } } }),
    message: /unknown key "pkgapp\.service\.usr"/,
  },
  {
    name: 'wrong config type',
    files: minimalApp({ pkgapp: { env: { PORT: { required: 'yes' } } } }),
    message: /"pkgapp\.env\.PORT\.required" must be boolean/,
  },
  {
    name: 'config in two places',
    files: { ...minimalApp({ pkgapp: {} }), 'pkgapp.config.json': {} },
    message: /both in package\.json "pkgapp" and in pkgapp\.config\.json/,
  },
  { name: 'bad name', files: minimalApp({ name: 'My App' }), message: /"My App" is not a valid package name/ },
  {
    name: 'no maintainer email',
    files: minimalApp({ author: 'Someone' }),
    message: /no maintainer with an email address/,
  },
  { name: 'unknown target', files: minimalApp(), args: ['-t', 'msi'], message: /unknown target "msi"/ },
  {
    name: 'unknown compression',
    files: minimalApp(),
    args: ['--compression', 'lz4'],
    message: /unknown compression "lz4"/,
  },
  {
    name: 'level out of range',
    files: minimalApp(),
    args: ['--level', '12'],
    message: /--level 12 is out of range for gzip/,
  },
  {
    name: 'bad release',
    files: minimalApp(),
    args: ['--release', 'x-1'],
    message: /--release "x-1" is not a valid release/,
  },
  {
    name: 'service entry left out by "files"',
    files: minimalApp({ files: ['lib/'], pkgapp: { service: { entry: 'app.js' } } }, { 'app.js': '', 'lib/a.js': '' }),
    message: /the service entry "app\.js" is not among the app's files/,
  },
  {
    name: 'unreadable hook',
    files: minimalApp({ pkgapp: { hooks: { postinst: 'hooks/nope.sh' } } }),
    message: /hooks\.postinst names "hooks\/nope\.sh", which cannot be read/,
  },
  {
    name: 'no way to start the service',
    files: minimalApp({ main: undefined }),
    message: /cannot tell how to start the service/,
  },
  {
    name: 'bad rpm requirement',
    files: minimalApp({ pkgapp: { depends: { rpm: ['libfoo >>> 1'] } } }),
    args: ['-t', 'rpm'],
    message: /pkgapp\.depends\.rpm: "libfoo >>> 1" is not an rpm requirement/,
  },
  {
    name: 'bad deb relation',
    files: minimalApp({ pkgapp: { depends: { deb: ['libfoo, libbar'] } } }),
    args: ['-t', 'deb', '-t', 'rpm'],
    message: /pkgapp\.depends\.deb: "libfoo, libbar" is not a Debian relation/,
  },
  {
    name: 'invalid version for rpm',
    files: minimalApp({ version: '1.0.0-rc-1' }),
    args: ['-t', 'rpm'],
    message: /contains '-'/,
  },
  {
    name: 'unknown architecture',
    files: minimalApp(),
    args: ['--arch', 'sparc'],
    message: /--arch "sparc" is not an architecture/,
  },
  { name: 'unknown option', files: minimalApp(), args: ['--frobnicate'], message: /unknown option '--frobnicate'/ },
];

for (const c of cases) {
  test(`bad input: ${c.name} → exit 2, a clear message, nothing written`, async () => {
    const dir = await makeApp(c.files);
    const out = path.join(await tempDir(), 'dist');
    const result = await runCli(['build', '-C', dir, '-o', out, ...(c.args ?? [])]);
    assert.equal(result.exitCode, 2, `exit code\n${result.stderr}`);
    assert.match(result.stderr, c.message);
    assert.equal(result.stdout, '');
    assert.equal((result.stderr.match(/error:/g) ?? []).length, 1, `one error message:\n${result.stderr}`);
    assert.deepEqual(await listDir(out), [], 'no output directory');
  });
}

test('a file of 4 GiB or more is refused for rpm before anything is written (exit 2)', async () => {
  const dir = await makeApp(minimalApp());
  const { truncate } = await import('node:fs/promises');
  await writeFile(path.join(dir, 'huge.bin'), '');
  await truncate(path.join(dir, 'huge.bin'), 2 ** 32 + 1); // sparse: no disk used
  const out = path.join(await tempDir(), 'dist');
  const result = await runCli(['build', '-C', dir, '-o', out, '--no-install', '-t', 'deb', '-t', 'rpm']);
  assert.equal(result.exitCode, 2, result.stderr);
  assert.match(
    result.stderr,
    /\/opt\/tiny-app\/huge\.bin is 4294967297 bytes: pkgapp cannot put files of 4 GiB or more in an rpm yet/,
  );
  assert.deepEqual(await listDir(out), []);
});

test('a failed build leaves an existing output directory exactly as it was', async () => {
  const dir = await makeApp(minimalApp({ version: 'bad' }));
  const out = await tempDir();
  await writeFile(path.join(out, 'keep.deb'), 'old');
  await mkdir(path.join(out, 'sub'));
  const result = await runCli(['build', '-C', dir, '-o', out]);
  assert.equal(result.exitCode, 2);
  assert.deepEqual((await readdir(out)).sort(), ['keep.deb', 'sub']);
});

test('an interrupted build leaves no partial package behind', async () => {
  const dir = await makeApp(minimalApp({}, { 'big.bin': Buffer.alloc(64 * 1024 * 1024, 7).toString('latin1') }));
  const out = await tempDir();
  const { execa } = await import('execa');
  const { CLI } = await import('../helpers/testdir.js');
  const child = execa(
    'node',
    [CLI, 'build', '-C', dir, '-o', out, '--no-install', '--compression', 'gzip', '--level', '9'],
    { reject: false },
  );
  // Interrupt once the scratch file exists, i.e. in the middle of writing.
  for (let i = 0; i < 400 && (await listDir(out)).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok((await listDir(out)).length > 0, 'the build started writing');
  child.kill('SIGINT');
  const result = await child;
  assert.equal(result.exitCode, 130);
  assert.deepEqual(await listDir(out), []);
});
