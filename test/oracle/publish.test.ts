// `pkgapp publish` and `pkgapp promote` from the command line, as a pipeline runs them: two
// publishers at once, publishing twice, a conflicting rebuild, promotion staging → production
// with the very same bytes, installed by apt from the production suite.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { apt } from '../helpers/apt-repo.js';
import { createRoot, type Root } from '../helpers/chroot.js';
import { buildExampleVersion } from '../helpers/example-builds.js';
import { cleanupTestDirs, runCli, tempDir } from '../helpers/testdir.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

let key: string;
const built: Record<string, Record<string, string>> = {};

before(async () => {
  const dir = await tempDir('pkgapp-pubkey-');
  const gen = await runCli([
    'keygen',
    '--name',
    'Publish Test',
    '--email',
    'publish@example.com',
    '--type',
    'ed25519',
    '--out',
    path.join(dir, 'key'),
    '--json',
  ]);
  assert.equal(gen.exitCode, 0, gen.stderr);
  ({ secretKeyFile: key } = JSON.parse(gen.stdout));
  for (const version of ['1.0.0', '1.1.0'])
    built[version] = await buildExampleVersion(version, ['deb', 'rpm'], ['--sign-key', key]);
});

async function publish(repo: string, suite: string, files: string[]) {
  return runCli([
    'publish',
    '--repo',
    repo,
    '--suite',
    suite,
    '--sign-key',
    key,
    '--url',
    'https://pkgs.example.com/repo',
    '--json',
    ...files,
  ]);
}

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/** Package → version → SHA256 from an apt suite's amd64 index. */
async function aptIndex(repo: string, suite: string): Promise<Map<string, string>> {
  const text = await readFile(path.join(repo, 'apt/dists', suite, 'main/binary-amd64/Packages'), 'utf8');
  return new Map(
    text
      .split('\n\n')
      .filter(Boolean)
      .map((s) => [/^Version: (.*)$/m.exec(s)![1]!, /^SHA256: (.*)$/m.exec(s)![1]!]),
  );
}

/** version → sha256 checksum from a yum channel's primary.xml. */
async function yumIndex(repo: string, suite: string): Promise<Map<string, string>> {
  const repomd = await readFile(path.join(repo, 'yum', suite, 'repodata/repomd.xml'), 'utf8');
  const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1]!;
  const primary = gunzipSync(await readFile(path.join(repo, 'yum', suite, href))).toString();
  return new Map(
    [
      ...primary.matchAll(
        /<version epoch="\d+" ver="([^"]+)" rel="[^"]+"\/>\s*<checksum type="sha256" pkgid="YES">([0-9a-f]+)</g,
      ),
    ].map((m) => [m[1]!, m[2]!]),
  );
}

test('two publishers at once both land; metadata stays signed and complete', async (t) => {
  if (!requireTools(t, ['gpgv', 'gpg'])) return;
  const repo = path.join(await tempDir(), 'repo');
  const [a, b] = await Promise.all([
    publish(repo, 'stable', Object.values(built['1.0.0']!)),
    publish(repo, 'stable', Object.values(built['1.1.0']!)),
  ]);
  assert.equal(a.exitCode, 0, a.stderr);
  assert.equal(b.exitCode, 0, b.stderr);
  assert.deepEqual([...(await aptIndex(repo, 'stable')).keys()].sort(), ['1.0.0', '1.1.0']);
  assert.deepEqual([...(await yumIndex(repo, 'stable')).keys()].sort(), ['1.0.0', '1.1.0']);
  const keyring = path.join(repo, 'apt/pkgapp-archive-keyring.gpg');
  await execa('gpgv', ['--keyring', keyring, path.join(repo, 'apt/dists/stable/InRelease')]);
  await execa('gpgv', [
    '--keyring',
    keyring,
    path.join(repo, 'apt/dists/stable/Release.gpg'),
    path.join(repo, 'apt/dists/stable/Release'),
  ]);
  await execa('gpgv', [
    '--keyring',
    keyring,
    path.join(repo, 'yum/stable/repodata/repomd.xml.asc'),
    path.join(repo, 'yum/stable/repodata/repomd.xml'),
  ]);
});

test('publishing a file twice is a no-op; a different file under a published version is refused', async () => {
  const repo = path.join(await tempDir(), 'repo');
  assert.equal((await publish(repo, 'stable', Object.values(built['1.0.0']!))).exitCode, 0);
  const packagesBefore = await readFile(path.join(repo, 'apt/dists/stable/main/binary-amd64/Packages'));
  const again = await publish(repo, 'stable', Object.values(built['1.0.0']!));
  assert.equal(again.exitCode, 0, again.stderr);
  const result = JSON.parse(again.stdout);
  assert.equal(result.apt.added.length + result.yum.added.length, 0);
  assert.equal(result.apt.unchanged.length + result.yum.unchanged.length, 2);
  assert.ok(packagesBefore.equals(await readFile(path.join(repo, 'apt/dists/stable/main/binary-amd64/Packages'))));

  // The same name and version with other bytes must not replace the published file.
  const differentDeb = path.join(await tempDir(), path.basename(built['1.0.0']!.deb!));
  const bytes = await readFile(built['1.0.0']!.deb!);
  await writeFile(differentDeb, Buffer.concat([bytes, Buffer.from('\n')])); // a trailing ar byte: same name and version, other sha256
  const refused = await publish(repo, 'stable', [differentDeb]);
  assert.equal(refused.exitCode, 2, refused.stderr);
  assert.match(refused.stderr, /acme-hello.*1\.0\.0/);
  assert.ok(
    packagesBefore.equals(await readFile(path.join(repo, 'apt/dists/stable/main/binary-amd64/Packages'))),
    'nothing changed',
  );
});

test('promote copies the very same signed files to production, and apt installs them from there', async (t) => {
  if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
  const repo = path.join(await tempDir(), 'repo');
  assert.equal(
    (await publish(repo, 'staging', [...Object.values(built['1.0.0']!), ...Object.values(built['1.1.0']!)])).exitCode,
    0,
  );
  const promoted = await runCli([
    'promote',
    '--repo',
    repo,
    '--from',
    'staging',
    '--to',
    'production',
    '--sign-key',
    key,
    '--url',
    'https://pkgs.example.com/repo',
    'acme-hello=1.0.0',
  ]);
  assert.equal(promoted.exitCode, 0, promoted.stderr);
  assert.match(
    promoted.stderr,
    /signed-by=\/usr\/share\/keyrings\/pkgapp-archive-keyring\.gpg\] https:\/\/pkgs\.example\.com\/repo\/apt production main/,
  );
  assert.match(promoted.stderr, /gpgcheck=1/);
  const debSha = await sha256(built['1.0.0']!.deb!);
  const rpmSha = await sha256(built['1.0.0']!.rpm!);
  assert.deepEqual([...(await aptIndex(repo, 'production')).entries()], [['1.0.0', debSha]]);
  assert.equal((await aptIndex(repo, 'staging')).get('1.0.0'), debSha);
  assert.deepEqual([...(await yumIndex(repo, 'production')).entries()], [['1.0.0', rpmSha]]);
  assert.equal(await sha256(path.join(repo, 'yum/production/Packages', path.basename(built['1.0.0']!.rpm!))), rpmSha);
  const missing = await runCli([
    'promote',
    '--repo',
    repo,
    '--from',
    'staging',
    '--to',
    'production',
    '--sign-key',
    key,
    'acme-hello=9.9.9',
  ]);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /not published in suite "staging"|9\.9\.9/);

  // A server following production installs 1.0.0 with the sha256 it had in staging.
  let root: Root | undefined;
  try {
    root = await createRoot();
    const served = path.join(root.path, 'srv/repo');
    await mkdir(served, { recursive: true });
    await chmod(served, 0o755);
    await cp(path.join(repo, 'apt'), path.join(served, 'apt'), { recursive: true });
    const list = '/etc/apt/sources.list.d/pkgapp.list';
    await writeFile(
      path.join(root.path, list),
      'deb [signed-by=/srv/repo/apt/pkgapp-archive-keyring.gpg] file:/srv/repo/apt production main\n',
    );
    const opts = ['-o', `Dir::Etc::SourceList=${list}`, '-o', 'Dir::Etc::SourceParts=-'];
    await apt(root, ['update', ...opts]);
    await apt(root, ['install', '-y', '--no-install-recommends', ...opts, 'acme-hello=1.0.0']);
    const installed = await root.exec(['dpkg-query', '-W', '-f=${Version}', 'acme-hello'], { check: true });
    assert.equal(installed.stdout, '1.0.0');
    const cached = await root.exec(
      ['sh', '-c', 'sha256sum /srv/repo/apt/pool/main/a/acme-hello/acme-hello_1.0.0_all.deb'],
      { check: true },
    );
    assert.equal(cached.stdout.split(' ')[0], debSha);
  } finally {
    await root?.destroy();
  }
});
