// The apt repository pkgapp publishes, checked by the real tools: gpgv on InRelease/Release.gpg,
// apt-ftparchive as the reference for Packages, dpkg-deb for the .deb reader, and apt-get in a
// booted Debian 12 root (signed-by, no trusted=yes, date checks on) installing, upgrading and
// rolling back the example app, then refusing a tampered index.
import { LocalStorage } from '../../src/publish/storage/local-storage.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, chmod, copyFile, cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, test, type TestContext } from 'node:test';
import { execa } from 'execa';
import { encodeArHeader } from '../../src/deb/ar.js';
import { parseDeb822, readDeb } from '../../src/deb/read-deb.js';
import { isUserError } from '../../src/errors.js';
import { promoteApt, publishApt, type AptPublishOptions } from '../../src/publish/apt/publish-apt.js';
import { keygen } from '../../src/sign/keygen.js';
import { loadSigner } from '../../src/sign/openpgp-signer.js';
import type { Signer } from '../../src/sign/signer.js';
import { apt } from '../helpers/apt-repo.js';
import { NAME } from '../helpers/booted-app.js';
import { createRoot, type Root } from '../helpers/chroot.js';
import { buildExampleVersion } from '../helpers/example-builds.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

interface Fixtures {
  v100: string;
  v110: string;
  signer: Signer;
}

let fixtures: Promise<Fixtures> | undefined;

/** The example app at 1.0.0 and 1.1.0 and a fresh Ed25519 key, made once for the whole file. */
function getFixtures(): Promise<Fixtures> {
  fixtures ??= (async () => {
    const [v100, v110] = [
      (await buildExampleVersion('1.0.0', ['deb'])).deb!,
      (await buildExampleVersion('1.1.0', ['deb'])).deb!,
    ];
    const keyDir = await tempDir('pkgapp-apt-key-');
    const { secretKeyFile } = await keygen({
      name: 'pkgapp test archive',
      email: 'apt@example.com',
      out: path.join(keyDir, 'archive'),
      type: 'ed25519',
    });
    return { v100, v110, signer: await loadSigner({ file: secretKeyFile }) };
  })();
  return fixtures;
}

async function newRepo(
  signer: Signer,
  suite = 'stable',
  extra: Partial<AptPublishOptions> = {},
): Promise<AptPublishOptions & { apt: string; repoDir: string }> {
  const repoDir = await tempDir('pkgapp-apt-repo-');
  const store = new LocalStorage(repoDir);
  return {
    repoDir,
    store,
    suite,
    component: 'main',
    signer,
    now: new Date(),
    apt: path.join(repoDir, 'apt'),
    ...extra,
  };
}

/** relative path → sha256 and mtime of every file under dir. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    const [data, info] = await Promise.all([readFile(file), stat(file)]);
    files.set(path.relative(dir, file), `${createHash('sha256').update(data).digest('hex')} ${info.mtimeMs}`);
  }
  return files;
}

async function gpgvSuite(t: TestContext, aptDir: string, suite: string): Promise<void> {
  const keyring = path.join(aptDir, 'pkgapp-archive-keyring.gpg');
  const dist = path.join(aptDir, 'dists', suite);
  const inline = await execa('gpgv', ['--keyring', keyring, path.join(dist, 'InRelease')], { reject: false });
  assert.equal(inline.exitCode, 0, inline.stderr);
  const detached = await execa(
    'gpgv',
    ['--keyring', keyring, path.join(dist, 'Release.gpg'), path.join(dist, 'Release')],
    { reject: false },
  );
  assert.equal(detached.exitCode, 0, detached.stderr);
  t.diagnostic(
    `gpgv ${suite}/InRelease: ${inline.stderr
      .split('\n')
      .filter((l) => /Good signature/.test(l))
      .join(' ')}`,
  );
  t.diagnostic(
    `gpgv ${suite}/Release.gpg: ${detached.stderr
      .split('\n')
      .filter((l) => /Good signature/.test(l))
      .join(' ')}`,
  );
}

/** Versions listed in dists/SUITE/main/binary-ARCH/Packages. */
async function listed(aptDir: string, suite: string, arch: string): Promise<string[]> {
  const text = await readFile(path.join(aptDir, 'dists', suite, 'main', `binary-${arch}`, 'Packages'), 'utf8').catch(
    () => '',
  );
  return parseDeb822(text, 'Packages').map(
    (s) => `${s.find((f) => f.name === 'Package')!.value}=${s.find((f) => f.name === 'Version')!.value}`,
  );
}

test('two published versions: gpgv accepts InRelease and Release.gpg, Release covers every index, by-hash keeps the previous generation', async (t) => {
  if (!requireTools(t, ['gpgv', 'xz'])) return;
  const { v100, v110, signer } = await getFixtures();
  const repo = await newRepo(signer);
  assert.deepEqual(await publishApt([v100], repo), {
    added: [`pool/main/a/${NAME}/${NAME}_1.0.0_all.deb`],
    unchanged: [],
    removed: [],
  });
  const firstGeneration = await readFile(path.join(repo.apt, 'dists/stable/main/binary-amd64/Packages'));
  assert.deepEqual(await publishApt([v110], { ...repo, now: new Date() }), {
    added: [`pool/main/a/${NAME}/${NAME}_1.1.0_all.deb`],
    unchanged: [],
    removed: [],
  });
  await gpgvSuite(t, repo.apt, 'stable');

  const dist = path.join(repo.apt, 'dists/stable');
  const release = parseDeb822(await readFile(path.join(dist, 'Release'), 'utf8'), 'Release')[0]!;
  const field = (name: string) => release.find((f) => f.name === name)?.value;
  assert.equal(field('Suite'), 'stable');
  assert.equal(field('Architectures'), 'amd64 arm64 all');
  assert.equal(field('Acquire-By-Hash'), 'yes');
  assert.match(field('Date')!, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
  const sha256 = field('SHA256')!
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/) as [string, string, string]);
  assert.equal(sha256.length, 9, 'Packages, .gz and .xz for binary-all, binary-amd64, binary-arm64');
  for (const [hash, size, rel] of sha256) {
    const data = await readFile(path.join(dist, rel));
    assert.equal(String(data.length), size, rel);
    assert.equal(createHash('sha256').update(data).digest('hex'), hash, rel);
    assert.ok(
      (await readFile(path.join(dist, path.dirname(rel), 'by-hash/SHA256', hash))).equals(data),
      `by-hash copy of ${rel}`,
    );
  }
  for (const arch of ['amd64', 'arm64', 'all']) {
    assert.deepEqual(await listed(repo.apt, 'stable', arch), [`${NAME}=1.0.0`, `${NAME}=1.1.0`], `binary-${arch}`);
    const plain = await readFile(path.join(dist, `main/binary-${arch}/Packages`));
    assert.ok(gunzipSync(await readFile(path.join(dist, `main/binary-${arch}/Packages.gz`))).equals(plain));
    assert.ok(
      Buffer.from(
        (
          await execa('xz', ['-dc', path.join(dist, `main/binary-${arch}/Packages.xz`)], {
            encoding: 'buffer',
            stripFinalNewline: false,
          })
        ).stdout,
      ).equals(plain),
    );
  }
  const previous = createHash('sha256').update(firstGeneration).digest('hex');
  assert.ok(
    (await readFile(path.join(dist, 'main/binary-amd64/by-hash/SHA256', previous))).equals(firstGeneration),
    'the previous Packages stays reachable by hash',
  );
  assert.equal(
    (await readdir(path.join(dist, 'main/binary-amd64/by-hash/SHA256'))).length,
    6,
    'two generations of three files',
  );
  assert.ok(
    (await readFile(path.join(repo.apt, 'pkgapp-archive-keyring.asc'), 'utf8')).startsWith(
      '-----BEGIN PGP PUBLIC KEY BLOCK-----',
    ),
  );
});

test('Packages has the same fields and values as apt-ftparchive packages for the same pool', async (t) => {
  if (!requireTools(t, ['apt-ftparchive', 'xz'])) return;
  const { v100, v110, signer } = await getFixtures();
  const repo = await newRepo(signer);
  await publishApt([v110, v100], repo);
  const { stdout } = await execa('apt-ftparchive', ['packages', 'pool'], { cwd: repo.apt });
  const byFilename = (text: string) =>
    new Map(
      parseDeb822(text, 'Packages').map((s) => [
        s.find((f) => f.name === 'Filename')!.value,
        Object.fromEntries(s.map((f) => [f.name, f.value])),
      ]),
    );
  const reference = byFilename(stdout);
  const ours = byFilename(await readFile(path.join(repo.apt, 'dists/stable/main/binary-amd64/Packages'), 'utf8'));
  assert.equal(reference.size, 2);
  assert.deepEqual(ours, reference);
});

test('publishing the same file again changes nothing; another file with the same name and version is refused', async (t) => {
  if (!requireTools(t, ['xz'])) return;
  const { v100, signer } = await getFixtures();
  const repo = await newRepo(signer);
  await publishApt([v100], repo);
  const before = await snapshot(repo.apt);
  const again = await publishApt([v100], { ...repo, now: new Date(Date.now() + 60_000) });
  assert.deepEqual(again, { added: [], unchanged: [`pool/main/a/${NAME}/${NAME}_1.0.0_all.deb`], removed: [] });
  assert.deepEqual(await snapshot(repo.apt), before, 'no file rewritten');

  // Same package, version and architecture, different bytes: an extra trailing ar member.
  const other = path.join(await tempDir(), `${NAME}_1.0.0_all.deb`);
  await copyFile(v100, other);
  await appendFile(other, Buffer.concat([encodeArHeader('zzz', 2, 0), Buffer.from('x\n')]));
  await assert.rejects(publishApt([other], repo), (error: unknown) => {
    assert.ok(isUserError(error));
    assert.equal(error.exitCode, 2);
    assert.equal(error.code, 'PKGAPP_APT_VERSION_EXISTS');
    assert.ok(
      error.message.includes(other) &&
        error.message.includes(path.join(repo.apt, `pool/main/a/${NAME}/${NAME}_1.0.0_all.deb`)),
      error.message,
    );
    assert.match(error.hint ?? '', /bump the version.*--release/);
    return true;
  });
  assert.deepEqual(await snapshot(repo.apt), before, 'a refused publish changes nothing');
});

test('pkgapp.releases: NAME without the payload package it depends on is refused (nothing written), accepted once the suite lists it; promote brings it along', async (t) => {
  if (!requireTools(t, ['xz'])) return;
  const { v100, signer } = await getFixtures();
  const out = path.dirname(
    (
      await buildExampleVersion('2.0.0', ['deb'], [], (pkgapp) => {
        pkgapp['releases'] = { keep: 2 };
      })
    ).deb!,
  );
  const [name200, payload200] = [`${NAME}_2.0.0_all.deb`, `${NAME}-release-2.0.0_2.0.0_all.deb`].map((f) =>
    path.join(out, f),
  );
  const repo = await newRepo(signer);
  await publishApt([v100], repo);
  const before = await snapshot(repo.apt);
  await assert.rejects(publishApt([name200!], repo), (error: unknown) => {
    assert.ok(isUserError(error));
    assert.equal(error.exitCode, 2);
    assert.equal(error.code, 'PKGAPP_PUBLISH_RELEASE_MISSING');
    assert.ok(
      error.message.startsWith(`${name200}: ${NAME} 2.0.0 depends on ${NAME}-release-2.0.0 (= 2.0.0)`) &&
        error.message.includes(`suite "stable" (component main) of ${repo.repoDir}/apt`),
      error.message,
    );
    assert.match(error.hint ?? '', /publish both, e\.g\. pkgapp publish --repo .* dist\/\*\.deb/);
    return true;
  });
  assert.deepEqual(await snapshot(repo.apt), before, 'a refused publish changes nothing');
  await publishApt([payload200!], repo);
  assert.deepEqual((await publishApt([name200!], repo)).added, [`pool/main/a/${NAME}/${NAME}_2.0.0_all.deb`]);
  assert.deepEqual((await promoteApt(NAME, '2.0.0', 'stable', { ...repo, suite: 'production' })).added, [
    `pool/main/a/${NAME}/${NAME}_2.0.0_all.deb`,
    `pool/main/a/${NAME}-release-2.0.0/${NAME}-release-2.0.0_2.0.0_all.deb`,
  ]);
});

test('a failure while signing leaves every index and signature as it was; the retry succeeds', async (t) => {
  if (!requireTools(t, ['gpgv', 'xz'])) return;
  const { v100, v110, signer } = await getFixtures();
  const repo = await newRepo(signer);
  await publishApt([v100], repo);
  const dists = await snapshot(path.join(repo.apt, 'dists'));
  const failing: Signer = { ...signer, signCleartext: () => Promise.reject(new Error('signing device removed')) };
  await assert.rejects(publishApt([v110], { ...repo, signer: failing }), /signing device removed/);
  assert.deepEqual(await snapshot(path.join(repo.apt, 'dists')), dists);
  assert.deepEqual((await publishApt([v110], repo)).added, [`pool/main/a/${NAME}/${NAME}_1.1.0_all.deb`]);
  await gpgvSuite(t, repo.apt, 'stable');
});

test('keep drops old versions, and deletes a pool file only when no suite lists it', async (t) => {
  if (!requireTools(t, ['gpgv', 'xz'])) return;
  const { v100, v110, signer } = await getFixtures();
  const repo = await newRepo(signer);
  const pool100 = path.join(repo.apt, `pool/main/a/${NAME}/${NAME}_1.0.0_all.deb`);
  await publishApt([v100], { ...repo, suite: 'staging' });
  await publishApt([v100], repo);
  assert.deepEqual((await publishApt([v110], { ...repo, keep: 1 })).removed, [
    `pool/main/a/${NAME}/${NAME}_1.0.0_all.deb`,
  ]);
  assert.deepEqual(await listed(repo.apt, 'stable', 'amd64'), [`${NAME}=1.1.0`]);
  await stat(pool100); // still listed by staging
  await publishApt([v110], { ...repo, suite: 'staging', keep: 1 });
  await assert.rejects(stat(pool100), { code: 'ENOENT' });
  await gpgvSuite(t, repo.apt, 'staging');
});

test('another signing key is refused; after deleting the exported keyring every suite is re-signed with the new key', async (t) => {
  if (!requireTools(t, ['gpgv', 'xz'])) return;
  const { v100, v110, signer } = await getFixtures();
  const repo = await newRepo(signer);
  await publishApt([v100], { ...repo, suite: 'staging' });
  await publishApt([v100], repo);
  const keyDir = await tempDir('pkgapp-apt-key-');
  const { secretKeyFile } = await keygen({
    name: 'pkgapp next key',
    email: 'apt@example.com',
    out: path.join(keyDir, 'next'),
    type: 'ed25519',
  });
  const next = await loadSigner({ file: secretKeyFile });
  const before = await snapshot(repo.apt);
  await assert.rejects(
    publishApt([v110], { ...repo, signer: next }),
    (e: unknown) =>
      isUserError(e) &&
      e.exitCode === 2 &&
      e.code === 'PKGAPP_APT_KEY_MISMATCH' &&
      e.message.includes(signer.fingerprint) &&
      e.message.includes(next.fingerprint),
  );
  assert.deepEqual(await snapshot(repo.apt), before);

  await rm(path.join(repo.apt, 'pkgapp-archive-keyring.gpg'));
  await rm(path.join(repo.apt, 'pkgapp-archive-keyring.asc'));
  await publishApt([v110], { ...repo, signer: next });
  assert.ok(
    (await readFile(path.join(repo.apt, 'pkgapp-archive-keyring.gpg'))).equals(Buffer.from(next.publicKey.binary)),
  );
  await gpgvSuite(t, repo.apt, 'stable');
  await gpgvSuite(t, repo.apt, 'staging');
});

test('promote lists the same pool file in another suite and re-signs only that suite', async (t) => {
  if (!requireTools(t, ['gpgv', 'xz'])) return;
  const { v100, v110, signer } = await getFixtures();
  const repo = await newRepo(signer, 'staging');
  await publishApt([v100, v110], repo);
  const staging = await snapshot(path.join(repo.apt, 'dists/staging'));
  const result = await promoteApt(NAME, '1.0.0', 'staging', { ...repo, suite: 'production' });
  assert.deepEqual(result, { added: [`pool/main/a/${NAME}/${NAME}_1.0.0_all.deb`], unchanged: [], removed: [] });
  assert.deepEqual(await listed(repo.apt, 'production', 'amd64'), [`${NAME}=1.0.0`]);
  const [prod, stag] = await Promise.all(
    ['production', 'staging'].map((s) => readFile(path.join(repo.apt, 'dists', s, 'main/binary-all/Packages'), 'utf8')),
  );
  assert.ok(stag!.includes(prod!.trimEnd()), 'the same stanza: same Filename, size and digests');
  assert.deepEqual(await snapshot(path.join(repo.apt, 'dists/staging')), staging);
  await gpgvSuite(t, repo.apt, 'production');
  assert.deepEqual((await promoteApt(NAME, '1.0.0', 'staging', { ...repo, suite: 'production' })).unchanged, [
    `pool/main/a/${NAME}/${NAME}_1.0.0_all.deb`,
  ]);
  await assert.rejects(
    promoteApt(NAME, '9.9.9', 'staging', { ...repo, suite: 'production' }),
    (e: unknown) =>
      isUserError(e) && e.exitCode === 2 && e.code === 'PKGAPP_PROMOTE_NOT_FOUND' && /1\.0\.0, 1\.1\.0/.test(e.message),
  );
});

test('readDeb agrees with dpkg-deb for gzip, xz and zstd control archives and refuses other files', async (t) => {
  if (!requireTools(t, ['dpkg-deb', 'ar', 'xz', 'zstd'])) return;
  const dir = await tempDir();
  const control =
    'Package: x-tool\nVersion: 1:2.0-1\nArchitecture: amd64\nMaintainer: T <t@example.com>\nDescription: test tool\n First paragraph.\n .\n  verbatim\n';
  await mkdir(path.join(dir, 'p/DEBIAN'), { recursive: true });
  await mkdir(path.join(dir, 'p/usr/share/doc/x-tool'), { recursive: true });
  await writeFile(path.join(dir, 'p/DEBIAN/control'), control);
  await writeFile(path.join(dir, 'p/usr/share/doc/x-tool/README'), 'hi\n');
  for (const z of ['gzip', 'xz', 'zstd']) {
    const deb = path.join(dir, `x-${z}.deb`);
    await execa('dpkg-deb', ['--root-owner-group', `-Z${z}`, '--build', path.join(dir, 'p'), deb]);
    const info = await readDeb(deb);
    assert.equal(
      info.control,
      (await execa('dpkg-deb', ['--info', deb, 'control'], { stripFinalNewline: false })).stdout,
      z,
    );
    assert.deepEqual(
      info.members.map((m) => m.name),
      (await execa('ar', ['t', deb])).stdout.split('\n'),
    );
    const last = info.members[2]!;
    assert.equal(
      last.offset + last.size + (last.size % 2),
      (await stat(deb)).size,
      'the last member ends the file (plus its pad byte)',
    );
    assert.deepEqual(info.controlFiles, ['control']);
    assert.equal(info.hasGpgOrigin, false);
    assert.equal(
      info.fields.find((f) => f.name === 'Description')!.value,
      'test tool\n First paragraph.\n .\n  verbatim',
    );
  }
  const signed = path.join(dir, 'signed.deb');
  await copyFile(path.join(dir, 'x-xz.deb'), signed);
  await appendFile(signed, Buffer.concat([encodeArHeader('_gpgorigin', 4, 0), Buffer.from('sig\n')]));
  assert.equal((await readDeb(signed)).hasGpgOrigin, true);

  const notDeb = path.join(dir, 'notes.deb');
  await writeFile(notDeb, 'just text\n');
  const truncated = path.join(dir, 'truncated.deb');
  await writeFile(truncated, (await readFile(path.join(dir, 'x-gzip.deb'))).subarray(0, 200));
  for (const bad of [notDeb, truncated, path.join(dir, 'missing.deb')]) {
    await assert.rejects(
      readDeb(bad),
      (e: unknown) => isUserError(e) && e.exitCode === 2 && e.message.startsWith(`${bad}: `),
    );
  }
});

test('architecture-specific packages go to their own binary-ARCH; Architecture: all goes everywhere', async (t) => {
  if (!requireTools(t, ['dpkg-deb', 'xz'])) return;
  const { v100, signer } = await getFixtures();
  const dir = await tempDir();
  await mkdir(path.join(dir, 'p/DEBIAN'), { recursive: true });
  await writeFile(
    path.join(dir, 'p/DEBIAN/control'),
    'Package: libnative-addon\nVersion: 0.1.0\nArchitecture: armhf\nMaintainer: T <t@example.com>\nDescription: native addon\n',
  );
  const native = path.join(dir, 'libnative-addon_0.1.0_armhf.deb');
  await execa('dpkg-deb', ['--root-owner-group', '--build', path.join(dir, 'p'), native]);
  const repo = await newRepo(signer);
  const result = await publishApt([v100, native], repo);
  assert.ok(result.added.includes('pool/main/libn/libnative-addon/libnative-addon_0.1.0_armhf.deb'));
  assert.deepEqual(await listed(repo.apt, 'stable', 'armhf'), ['acme-hello=1.0.0', 'libnative-addon=0.1.0']);
  assert.deepEqual(await listed(repo.apt, 'stable', 'amd64'), ['acme-hello=1.0.0']);
  assert.deepEqual(await listed(repo.apt, 'stable', 'all'), ['acme-hello=1.0.0']);
  const release = await readFile(path.join(repo.apt, 'dists/stable/Release'), 'utf8');
  assert.match(release, /^Architectures: amd64 arm64 armhf all$/m);
});

test('apt-get in Debian 12 trusts the signed repository, installs, upgrades and rolls back, and refuses a tampered index', async (t) => {
  if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
  const { v100, v110, signer } = await getFixtures();
  const repo = await newRepo(signer);
  await publishApt([v100], repo);
  await publishApt([v110], { ...repo, now: new Date() });
  let root: Root | undefined;
  try {
    root = await createRoot();
    const served = path.join(root.path, 'srv/repo');
    await mkdir(served, { recursive: true, mode: 0o755 });
    await chmod(served, 0o755);
    await cp(repo.apt, path.join(served, 'apt'), { recursive: true });
    const list = '/etc/apt/sources.list.d/pkgapp.list';
    await writeFile(
      path.join(root.path, list),
      'deb [signed-by=/srv/repo/apt/pkgapp-archive-keyring.gpg] file:/srv/repo/apt stable main\n',
      { mode: 0o644 },
    );
    const b = await root.boot();
    const update = () =>
      apt(
        root!,
        [
          'update',
          '-o',
          `Dir::Etc::SourceList=${list}`,
          '-o',
          'Dir::Etc::SourceParts=-',
          '-o',
          'APT::Get::List-Cleanup=0',
          '-o',
          'Acquire::Check-Valid-Until=true',
          '-o',
          'Acquire::Check-Date=true',
        ],
        { check: false },
      );

    const updated = await update();
    const updateOutput = `${updated.stdout}${updated.stderr}`;
    t.diagnostic(`apt-get update:\n${updateOutput.trim()}`);
    assert.equal(updated.exitCode, 0, updateOutput);
    assert.doesNotMatch(updateOutput, /^(W|E):/m);

    const policy = (await b.exec(['apt-cache', 'policy', NAME], { check: true })).stdout;
    t.diagnostic(`apt-cache policy:\n${policy.trim()}`);
    assert.match(policy, /^ {5}1\.1\.0 500$/m);
    assert.match(policy, /^ {5}1\.0\.0 500$/m);
    // Operators read madison to pick a rollback version: each version once, not once per index
    // (Release says No-Support-for-Architecture-all: Packages, so apt skips binary-all).
    const madison = (await b.exec(['apt-cache', 'madison', NAME], { check: true })).stdout;
    t.diagnostic(`apt-cache madison:\n${madison.trim()}`);
    const versions = madison
      .trim()
      .split('\n')
      .map((l) => l.split('|')[1]!.trim());
    assert.deepEqual(versions, ['1.1.0', '1.0.0'], madison);

    const envFile = `/etc/default/${NAME}`;
    await apt(root, ['install', '-y', `${NAME}=1.0.0`]);
    await b.exec(['sh', '-c', `echo 'GREETING=from the apt repository test' >> ${envFile}`], { check: true });
    await apt(root, ['install', '-y', `${NAME}=1.1.0`]);
    const version = async () => (await b.exec(['dpkg-query', '-W', '-f=${Version}', NAME], { check: true })).stdout;
    assert.equal(await version(), '1.1.0');
    await apt(root, ['install', '-y', '--allow-downgrades', `${NAME}=1.0.0`]);
    assert.equal(await version(), '1.0.0');
    assert.match((await b.exec(['cat', envFile], { check: true })).stdout, /^GREETING=from the apt repository test$/m);

    // One byte changed in every copy of the amd64 and all indexes (named files and by-hash).
    const dist = path.join(served, 'apt/dists/stable/main');
    for (const arch of ['binary-amd64', 'binary-all']) {
      for (const entry of await readdir(path.join(dist, arch), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const file = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
        const data = await readFile(file);
        const at = data.indexOf('Installed-Size') >= 0 ? data.indexOf('Installed-Size') : Math.floor(data.length / 2);
        data[at] = data[at]! ^ 0x01;
        await writeFile(file, data);
      }
    }
    await b.exec(['sh', '-c', 'rm -f /var/lib/apt/lists/_srv_repo_apt_*'], { check: true });
    const tampered = await update();
    const tamperedOutput = `${tampered.stdout}${tampered.stderr}`;
    t.diagnostic(`apt-get update after tampering:\n${tamperedOutput.trim()}`);
    assert.notEqual(tampered.exitCode, 0);
    assert.match(tamperedOutput, /^E: .*(Hash Sum mismatch|unexpected size|signature)/im);
    await b.shutdown();
  } finally {
    await root?.destroy();
  }
});
