// The yum repository with the real tools: pkgapp's metadata against createrepo_c's for the same
// rpms, gpgv on repomd.xml.asc, and dnf (throwaway config and installroot) listing, installing,
// upgrading and downgrading the example app and refusing tampered metadata. Then the publishing
// rules: a repeated publish changes nothing, a different rpm with a published N-V-R.A is refused,
// keep, promote with the very same bytes, two generations of data files, key rotation.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { isUserError } from '../../src/errors.js';
import { LocalStorage } from '../../src/publish/storage/local-storage.js';
import { promoteYum, publishYum, yumClientSetup, type YumPublishOptions } from '../../src/publish/yum/publish-yum.js';
import { publishYumToStore } from '../../src/publish/yum/publish-yum-store.js';
import { loadYumState, saveYumState } from '../../src/publish/yum/yum-state.js';
import { parseRepomd } from '../../src/publish/yum/repomd.js';
import { readRpm, rpmDependencies, rpmFileList, rpmNevra } from '../../src/rpm/read-rpm.js';
import { keygen } from '../../src/sign/keygen.js';
import { loadSigner } from '../../src/sign/openpgp-signer.js';
import type { Signer } from '../../src/sign/signer.js';
import { buildExampleVersion } from '../helpers/example-builds.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

/**
 * dnf checks package signatures (gpgcheck=1) as well as repomd.xml.asc (repo_gpgcheck=1): the
 * examples are built signed with the test key. (The `base` channel's provider rpm is unsigned.)
 */
const RPMS_SIGNED = true;

const NOW = new Date('2026-11-26T12:00:00Z');
const NAME = 'acme-hello';
let signer: Signer;
let keyDir: string;
let home: string;
let v1: string;
let v2: string;
let keyFile: string;

before(async () => {
  keyDir = await tempDir('pkgapp-yumkey-');
  const key = await keygen({
    name: 'pkgapp test',
    email: 'test@example.com',
    out: path.join(keyDir, 'key'),
    type: 'ed25519',
  });
  signer = await loadSigner({ file: key.secretKeyFile });
  keyFile = key.secretKeyFile;
  home = await tempDir('pkgapp-yumhome-');
  await mkdir(path.join(home, '.rpmdb'));
  v1 = (await buildExampleVersion('1.0.0', ['rpm'], ['--sign-key', key.secretKeyFile])).rpm!;
  v2 = (await buildExampleVersion('1.1.0', ['rpm'], ['--sign-key', key.secretKeyFile])).rpm!;
});
after(cleanupTestDirs);

function env(): Record<string, string> {
  return { HOME: home, LANG: 'C.UTF-8', PATH: process.env['PATH']!, GNUPGHOME: path.join(home, '.gnupg') };
}

function options(repoDir: string, suite: string, extra: Partial<YumPublishOptions> = {}): YumPublishOptions {
  return { repoDir, suite, signer, now: NOW, ...extra };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test("readRpm reads pkgapp's rpms as rpm does", async (t) => {
  if (!requireTools(t, ['rpm'])) return;
  for (const file of [v1, v2]) {
    const info = await readRpm(file);
    const q = async (format: string) =>
      (await execa('rpm', ['--dbpath', path.join(home, '.rpmdb'), '-qp', '--qf', format, file], { env: env() })).stdout;
    const n = rpmNevra(info);
    assert.equal(`${n.name}-${n.version}-${n.release}.${n.arch}`, await q('%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}'));
    assert.equal(
      rpmDependencies(info, 'requires')
        .map((d) => `${d.name}|${d.flags}|${d.version}`)
        .join('\n'),
      (await q('[%{REQUIRENAME}|%{REQUIREFLAGS}|%{REQUIREVERSION}\n]')).trimEnd(),
    );
    assert.equal(
      rpmDependencies(info, 'provides')
        .map((d) => `${d.name}|${d.flags}|${d.version}`)
        .join('\n'),
      (await q('[%{PROVIDENAME}|%{PROVIDEFLAGS}|%{PROVIDEVERSION}\n]')).trimEnd(),
    );
    assert.equal(
      rpmFileList(info)
        .map((f) => `${f.path}|${f.mode}|${f.flags}|${f.digest}`)
        .join('\n'),
      (await q('[%{FILENAMES}|%{FILEMODES}|%{FILEFLAGS}|%{FILEDIGESTS}\n]')).trimEnd(),
    );
    const bytes = await readFile(file);
    assert.equal(sha256(bytes.subarray(info.headerStart, info.headerEnd)), await q('%{SHA256HEADER}'));
  }
});

// ---------------------------------------------------------------------------------------------
// One repository for createrepo_c, gpgv and dnf: the example in channel "stable", a provider of
// nodejs, /bin/sh and shadow-utils (rpmbuild) in channel "base".

let shared: Promise<{ repoDir: string; provider: string }> | undefined;
function sharedRepo(): Promise<{ repoDir: string; provider: string }> {
  shared ??= (async () => {
    const repoDir = await tempDir('pkgapp-yumrepo-');
    const provider = await rpmbuild('fake-base', '1', '1', PROVIDER_SPEC);
    const stable = await publishYum([v1, v2], options(repoDir, 'stable'));
    assert.deepEqual(stable, {
      added: [`stable/Packages/${NAME}-1.0.0-1.noarch.rpm`, `stable/Packages/${NAME}-1.1.0-1.noarch.rpm`],
      unchanged: [],
      removed: [],
    });
    await publishYum([provider], options(repoDir, 'base'));
    return { repoDir, provider };
  })();
  return shared;
}

test('layout: <channel>/Packages/ (file time: the publish), the channel state, armored key, signed repomd', async (t) => {
  if (!requireTools(t, ['rpmbuild'])) return;
  const { repoDir } = await sharedRepo();
  const yum = path.join(repoDir, 'yum');
  const channelFile = await stat(path.join(yum, 'stable/Packages', `${NAME}-1.0.0-1.noarch.rpm`));
  assert.equal(Math.floor(channelFile.mtimeMs / 1000), Math.floor(NOW.getTime() / 1000), 'file time = the publish');
  assert.deepEqual((await readdir(yum)).sort(), ['RPM-GPG-KEY-pkgapp', 'base', 'pool', 'stable']);
  // pool/ holds no rpm, only the digest every published N-V-R.A keeps for good.
  assert.deepEqual((await readdir(path.join(yum, 'pool', NAME))).sort(), [
    `${NAME}-1.0.0-1.noarch.rpm.sha256`,
    `${NAME}-1.1.0-1.noarch.rpm.sha256`,
  ]);
  assert.equal(
    (await readFile(path.join(yum, 'pool', NAME, `${NAME}-1.0.0-1.noarch.rpm.sha256`), 'utf8')).trim(),
    sha256(await readFile(v1)),
  );
  assert.equal((await loadYumState(new LocalStorage(repoDir), 'stable')).entries.length, 2);
  assert.equal(
    sha256(await readFile(path.join(yum, 'stable/Packages', `${NAME}-1.0.0-1.noarch.rpm`))),
    sha256(await readFile(v1)),
  );
  assert.equal(await readFile(path.join(yum, 'RPM-GPG-KEY-pkgapp'), 'utf8'), signer.publicKey.armored);
  const repodata = (await readdir(path.join(yum, 'stable/repodata'))).sort();
  assert.equal(repodata.length, 5, repodata.join(' '));
  for (const type of ['primary', 'filelists', 'other'])
    assert.ok(
      repodata.some((n) => new RegExp(`^[0-9a-f]{64}-${type}\\.xml\\.gz$`).test(n)),
      type,
    );
  assert.ok(repodata.includes('repomd.xml') && repodata.includes('repomd.xml.asc'));
  assert.match(
    await readFile(path.join(yum, 'stable/repodata/repomd.xml.asc'), 'utf8'),
    /^-----BEGIN PGP SIGNATURE-----/,
  );
  // repomd.xml describes each file truthfully: checksum, open-checksum, sizes.
  const repomd = await readFile(path.join(yum, 'stable/repodata/repomd.xml'), 'utf8');
  for (const record of parseRepomd(repomd)) {
    const gz = await readFile(path.join(yum, 'stable', record.href));
    const xml = gunzipSync(gz);
    assert.ok(record.href.endsWith(`${sha256(gz)}-${record.type}.xml.gz`), record.href);
    assert.equal(record.openChecksum, sha256(xml));
    assert.match(repomd, new RegExp(`<size>${gz.length}</size>\\s*<open-size>${xml.length}</open-size>`));
  }
});

test('primary, filelists and other say what createrepo_c says for the same rpms', async (t) => {
  if (!requireTools(t, ['rpmbuild', 'createrepo_c', 'python3'])) return;
  const { repoDir } = await sharedRepo();
  for (const channel of ['stable', 'base']) {
    const dir = path.join(repoDir, 'yum', channel);
    const out = await tempDir('pkgapp-createrepo-');
    // createrepo_c reads the very same files (same mtimes) and writes its repodata elsewhere.
    const r = await execa('createrepo_c', ['--no-database', '--outputdir', out, dir], {
      env: env(),
      reject: false,
      all: true,
    });
    assert.equal(r.exitCode, 0, r.all);
    const ours = await canonical(path.join(dir, 'repodata'));
    const theirs = await canonical(path.join(out, 'repodata'));
    assert.deepEqual(ours, theirs, channel);
    const same = await Promise.all(
      ['primary', 'filelists', 'other'].map(async (type) =>
        (await xmlOf(path.join(dir, 'repodata'), type)).equals(await xmlOf(path.join(out, 'repodata'), type)),
      ),
    );
    t.diagnostic(
      `${channel}: byte-identical to createrepo_c ${(await execa('createrepo_c', ['--version'])).stdout.split(' ')[1]}: ${same.join(', ')}`,
    );
  }
  const { primary } = await canonical(path.join(repoDir, 'yum/stable/repodata'));
  assert.equal(primary!.packages.length, 2, 'both versions are listed');
});

/** The three documents parsed by Python's ElementTree (not our code): elements, attributes, text; packages sorted. */
async function canonical(repodata: string): Promise<Record<string, { root: unknown; packages: unknown[] }>> {
  const script = `
import gzip, json, sys, xml.etree.ElementTree as ET
def node(e):
    return [e.tag, dict(sorted(e.attrib.items())), e.text if len(e) == 0 else None, [node(c) for c in e]]
out = {}
for kind, name in zip(['primary', 'filelists', 'other'], sys.argv[1:]):
    root = ET.fromstring(gzip.open(name).read())
    packages = sorted((node(p) for p in root), key=lambda n: json.dumps(n, sort_keys=True))
    out[kind] = {'root': [root.tag, dict(sorted(root.attrib.items()))], 'packages': packages}
print(json.dumps(out))
`;
  const files = await Promise.all(['primary', 'filelists', 'other'].map((type) => dataFile(repodata, type)));
  return JSON.parse((await execa('python3', ['-c', script, ...files])).stdout);
}

async function dataFile(repodata: string, type: string): Promise<string> {
  const href = parseRepomd(await readFile(path.join(repodata, 'repomd.xml'), 'utf8')).find(
    (r) => r.type === type,
  )!.href;
  return path.join(repodata, '..', href);
}

async function xmlOf(repodata: string, type: string): Promise<Buffer> {
  return gunzipSync(await readFile(await dataFile(repodata, type)));
}

test('gpgv accepts repomd.xml.asc with the exported key, and refuses a changed repomd.xml', async (t) => {
  if (!requireTools(t, ['rpmbuild', 'gpg', 'gpgv'])) return;
  const { repoDir } = await sharedRepo();
  const repodata = path.join(repoDir, 'yum/stable/repodata');
  const keyring = await dearmor(path.join(repoDir, 'yum/RPM-GPG-KEY-pkgapp'));
  const good = await execa(
    'gpgv',
    ['--keyring', keyring, path.join(repodata, 'repomd.xml.asc'), path.join(repodata, 'repomd.xml')],
    { env: env(), reject: false, all: true },
  );
  assert.equal(good.exitCode, 0, good.all);
  const tampered = path.join(await tempDir(), 'repomd.xml');
  await writeFile(
    tampered,
    (await readFile(path.join(repodata, 'repomd.xml'), 'utf8')).replace('<revision>', '<revision>1'),
  );
  const bad = await execa('gpgv', ['--keyring', keyring, path.join(repodata, 'repomd.xml.asc'), tampered], {
    env: env(),
    reject: false,
    all: true,
  });
  assert.notEqual(bad.exitCode, 0, bad.all);
});

/** A binary keyring for gpgv from an armored key file. */
async function dearmor(armored: string): Promise<string> {
  await mkdir(path.join(home, '.gnupg'), { recursive: true, mode: 0o700 });
  const out = path.join(await tempDir('pkgapp-keyring-'), 'key.gpg');
  await execa('gpg', ['--batch', '--yes', '--dearmor', '-o', out, armored], { env: env() });
  return out;
}

test('dnf: makecache (repo_gpgcheck), list every version, install 1.0.0, upgrade, downgrade; tampered metadata fails', async (t) => {
  if (!requireTools(t, ['root', 'rpmbuild', 'dnf'])) return;
  const { repoDir } = await sharedRepo();
  const dnf = await dnfClient(repoDir);

  const cache = await dnf.run(['makecache']);
  assert.match(cache, /Importing GPG key/);
  assert.ok(cache.includes(signer.fingerprint.match(/.{4}/g)!.join(' ')), `dnf shows the key's fingerprint:\n${cache}`);

  const list = await dnf.run(['list', '--showduplicates', NAME]);
  for (const version of ['1.0.0-1', '1.1.0-1'])
    assert.match(
      list,
      new RegExp(`^${NAME}\\.noarch\\s+${version.replace(/\./g, '\\.')}\\s+pkgapp-stable$`, 'm'),
      list,
    );

  await dnf.run(['install', `${NAME}-1.0.0-1`]);
  assert.equal(await dnf.installed(), '1.0.0-1');
  await dnf.run(['upgrade']);
  assert.equal(await dnf.installed(), '1.1.0-1');
  await dnf.run(['downgrade', `${NAME}-1.0.0`]);
  assert.equal(await dnf.installed(), '1.0.0-1');
  const files = await dnf.run(['repoquery', '-l', `${NAME}-1.1.0`]);
  assert.match(files, /^\/opt\/acme-hello\/server\.js$/m, 'filelists are readable');

  // A changed repomd.xml no longer matches repomd.xml.asc: dnf must refuse the repository.
  const repomd = path.join(repoDir, 'yum/stable/repodata/repomd.xml');
  const original = await readFile(repomd);
  try {
    await writeFile(repomd, original.toString().replace('<revision>', '<revision>1'));
    const refused = await dnf.run(['--refresh', 'makecache'], false);
    assert.notEqual(refused.exitCode, 0, refused.all);
    assert.match(refused.all, /GPG signature verification error|Bad GPG signature/, refused.all);
  } finally {
    await writeFile(repomd, original);
  }
});

interface DnfClient {
  run(args: string[]): Promise<string>;
  run(args: string[], check: false): Promise<{ exitCode: number; all: string }>;
  /** VERSION-RELEASE of the installed example, per dnf. */
  installed(): Promise<string>;
}

/**
 * dnf with its own config: only the .repo files yumClientSetup writes (served from file://),
 * cache and rpmdb inside a fresh installroot, scriptlets off (the root has no shell), weak
 * dependencies off. The base channel's provider is unsigned, so it never has gpgcheck.
 */
async function dnfClient(repoDir: string, channel = 'stable', provider = 'base'): Promise<DnfClient> {
  const dir = await tempDir('pkgapp-dnf-');
  const reposDir = path.join(dir, 'repos.d');
  const root = path.join(dir, 'root');
  await mkdir(reposDir);
  await mkdir(root);
  const conf = path.join(dir, 'dnf.conf');
  await writeFile(
    conf,
    `[main]\nreposdir=${reposDir}\ncachedir=/var/cache/dnf\nplugins=0\ninstall_weak_deps=0\nbest=1\nskip_if_unavailable=0\n`,
  );
  for (const name of [channel, provider])
    await writeFile(path.join(reposDir, `pkgapp-${name}.repo`), yumClientSetup(`file://${repoDir}`, name));
  const setopts = [
    `--setopt=pkgapp-${provider}.gpgcheck=0`,
    ...(RPMS_SIGNED ? [] : [`--setopt=pkgapp-${channel}.gpgcheck=0`]),
  ];
  const base = ['-c', conf, '--installroot', root, '--releasever', '1', '-y', '--setopt=tsflags=noscripts', ...setopts];
  async function run(args: string[], check = true): Promise<never> {
    const r = await execa('dnf', [...base, ...args], { env: env(), reject: false, all: true, timeout: 120_000 });
    if (!check) return { exitCode: r.exitCode ?? -1, all: r.all ?? '' } as never;
    assert.equal(r.exitCode, 0, `dnf ${args.join(' ')}:\n${r.all}`);
    return (r.all ?? '') as never;
  }
  return {
    run,
    async installed() {
      const out: string = await run(['list', '--installed', NAME]);
      return new RegExp(`^${NAME}\\.noarch\\s+(\\S+)`, 'm').exec(out)?.[1] ?? `not installed:\n${out}`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Publishing rules

/** Every file under DIR/yum with size, inode and mtime: "nothing changed" compares two of these. */
async function snapshot(repoDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(file);
      else {
        const st = await stat(file);
        out.push(`${path.relative(repoDir, file)} ${st.size} ${st.ino} ${st.mtimeMs}`);
      }
    }
  };
  await walk(path.join(repoDir, 'yum'));
  return out;
}

test('publishing the same rpms again changes nothing, even under another file name', async () => {
  const repoDir = await tempDir('pkgapp-yumrepo-');
  await publishYum([v1, v2], options(repoDir, 'stable'));
  const before = await snapshot(repoDir);
  const renamed = path.join(await tempDir(), 'renamed.rpm');
  await copyFile(v1, renamed);
  const again = await publishYum(
    [v2, renamed],
    options(repoDir, 'stable', { now: new Date(NOW.getTime() + 3_600_000) }),
  );
  assert.deepEqual(again, {
    added: [],
    unchanged: [`stable/Packages/${NAME}-1.1.0-1.noarch.rpm`, `stable/Packages/${NAME}-1.0.0-1.noarch.rpm`],
    removed: [],
  });
  assert.deepEqual(await snapshot(repoDir), before);
});

test('a different rpm with a published name-version-release.arch is refused, naming both files; nothing changes', async (t) => {
  if (!requireTools(t, ['rpmbuild'])) return;
  const repoDir = await tempDir('pkgapp-yumrepo-');
  const first = await rpmbuild('fake-base', '1', '1', PROVIDER_SPEC);
  const other = await rpmbuild('fake-base', '1', '1', PROVIDER_SPEC.replace('Test provider.', 'Rebuilt provider.'));
  await publishYum([first], options(repoDir, 'base'));
  const before = await snapshot(repoDir);
  for (const suite of ['base', 'elsewhere']) {
    await assert.rejects(
      publishYum([other], options(repoDir, suite)),
      (e: unknown) => {
        assert.ok(isUserError(e), String(e));
        assert.equal(e.code, 'PKGAPP_YUM_VERSION_EXISTS');
        assert.ok(
          e.message.includes(other) &&
            e.message.includes('fake-base-1-1.noarch.rpm') &&
            e.message.includes(path.join(repoDir, 'yum')),
          e.message,
        );
        assert.match(e.hint ?? '', /bump the version.*--release/);
        return true;
      },
      suite,
    );
  }
  await assert.rejects(
    publishYum([first, other], options(repoDir, 'fresh')),
    (e: unknown) => isUserError(e) && e.message.includes(first) && e.message.includes(other),
  );
  assert.deepEqual(await snapshot(repoDir), before);
});

test('damaged rpms are refused before anything is written', async () => {
  const repoDir = await tempDir('pkgapp-yumrepo-');
  await publishYum([v1], options(repoDir, 'stable'));
  const before = await snapshot(repoDir);
  const bytes = await readFile(v2);
  const dir = await tempDir();
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 100]! ^= 0xff;
  const cases: [string, Buffer, string][] = [
    ['truncated.rpm', bytes.subarray(0, bytes.length - 1000), 'PKGAPP_RPM_DAMAGED'],
    ['flipped.rpm', flipped, 'PKGAPP_RPM_DAMAGED'],
    ['cut.rpm', bytes.subarray(0, 2000), 'PKGAPP_RPM_INVALID'],
  ];
  for (const [name, data, code] of cases) {
    await writeFile(path.join(dir, name), data);
    await assert.rejects(
      publishYum([path.join(dir, name)], options(repoDir, 'stable')),
      (e: unknown) => isUserError(e) && e.code === code && e.message.includes(name),
      name,
    );
  }
  assert.deepEqual(await snapshot(repoDir), before);
});

test('a signing failure leaves the channel as it was', async () => {
  const repoDir = await tempDir('pkgapp-yumrepo-');
  await publishYum([v1], options(repoDir, 'stable'));
  const before = await snapshot(repoDir);
  const failing: Signer = { ...signer, signDetachedArmored: async () => Promise.reject(new Error('card removed')) };
  await assert.rejects(publishYum([v2], { ...options(repoDir, 'stable'), signer: failing }), /card removed/);
  assert.deepEqual(await snapshot(repoDir), before);
});

test('promote: the same bytes (same inode) in the target channel, metadata signed; again is a no-op; unknown versions are refused', async (t) => {
  if (!requireTools(t, ['gpg', 'gpgv'])) return;
  const repoDir = await tempDir('pkgapp-yumrepo-');
  await publishYum([v1, v2], options(repoDir, 'staging'));
  const promoted = await promoteYum(NAME, '1.0.0', 'staging', options(repoDir, 'production'));
  assert.deepEqual(promoted, { added: [`production/Packages/${NAME}-1.0.0-1.noarch.rpm`], unchanged: [], removed: [] });
  const yum = path.join(repoDir, 'yum');
  const inode = async (rel: string) => (await stat(path.join(yum, rel))).ino;
  assert.equal(
    await inode(`production/Packages/${NAME}-1.0.0-1.noarch.rpm`),
    await inode(`staging/Packages/${NAME}-1.0.0-1.noarch.rpm`),
  );
  assert.deepEqual(await promoteYum(NAME, '1.0.0-1', 'staging', options(repoDir, 'production')), {
    added: [],
    unchanged: [`production/Packages/${NAME}-1.0.0-1.noarch.rpm`],
    removed: [],
  });
  assert.deepEqual((await promoteYum(NAME, '1.1.0', 'staging', options(repoDir, 'production'))).added, [
    `production/Packages/${NAME}-1.1.0-1.noarch.rpm`,
  ]);
  const keyring = await dearmor(path.join(yum, 'RPM-GPG-KEY-pkgapp'));
  const verified = await execa(
    'gpgv',
    [
      '--keyring',
      keyring,
      path.join(yum, 'production/repodata/repomd.xml.asc'),
      path.join(yum, 'production/repodata/repomd.xml'),
    ],
    { env: env(), reject: false, all: true },
  );
  assert.equal(verified.exitCode, 0, verified.all);
  assert.match(
    (await xmlOf(path.join(yum, 'production/repodata'), 'primary')).toString(),
    /<metadata [^>]*packages="2">/,
  );
  for (const [version, from] of [
    ['9.9.9', 'staging'],
    ['1.0.0', 'nowhere'],
  ]) {
    await assert.rejects(
      promoteYum(NAME, version!, from!, options(repoDir, 'production')),
      (e: unknown) =>
        isUserError(e) && e.code === 'PKGAPP_PROMOTE_NOT_FOUND' && e.message.includes(`${NAME}-${version}`),
      `${version} from ${from}`,
    );
  }
  await assert.rejects(
    promoteYum(NAME, '1.0.0', 'staging', options(repoDir, 'pool')),
    (e: unknown) => isUserError(e) && e.code === 'PKGAPP_YUM_CHANNEL_INVALID',
  );
});

test("keep: older versions leave the channel (this run's stay); other channels keep theirs", async (t) => {
  if (!requireTools(t, ['rpmbuild'])) return;
  const repoDir = await tempDir('pkgapp-yumrepo-');
  const [g1, g2, g3] = await Promise.all(
    ['1', '2', '3'].map((v) => rpmbuild('gc-test', v, '1', GC_SPEC.replace('@VERSION@', v))),
  );
  const pool = (v: string) =>
    path.join(repoDir, `yum/${v === '1' ? 'solo' : 'other'}/Packages`, `gc-test-${v}-1.noarch.rpm`);
  assert.deepEqual(
    (await publishYum([g1!, g2!], options(repoDir, 'solo', { keep: 1 }))).removed,
    [],
    "both are this run's packages",
  );
  await publishYum([g2!], options(repoDir, 'other'));
  const result = await publishYum([g3!], options(repoDir, 'solo', { keep: 1 }));
  assert.deepEqual(result, {
    added: ['solo/Packages/gc-test-3-1.noarch.rpm'],
    unchanged: [],
    removed: ['solo/Packages/gc-test-1-1.noarch.rpm', 'solo/Packages/gc-test-2-1.noarch.rpm'],
  });
  assert.deepEqual(await readdir(path.join(repoDir, 'yum/solo/Packages')), ['gc-test-3-1.noarch.rpm']);
  assert.equal(
    await stat(pool('1')).then(
      () => true,
      () => false,
    ),
    false,
    'no channel holds 1 any more',
  );
  assert.equal(
    await stat(pool('2')).then(
      () => true,
      () => false,
    ),
    true,
    'channel "other" still holds 2',
  );
  const primary = (await xmlOf(path.join(repoDir, 'yum/solo/repodata'), 'primary')).toString();
  assert.match(primary, /packages="1"/);
  assert.match(primary, /ver="3"/);
});

test('generations: the previous data files stay for readers of the old repomd.xml, older ones go', async (t) => {
  if (!requireTools(t, ['rpmbuild'])) return;
  const repoDir = await tempDir('pkgapp-yumrepo-');
  const repodata = path.join(repoDir, 'yum/gen/repodata');
  const hrefs: string[][] = [];
  for (const v of ['1', '2', '3']) {
    await publishYum([await rpmbuild('gc-test', v, '1', GC_SPEC.replace('@VERSION@', v))], options(repoDir, 'gen'));
    hrefs.push(
      parseRepomd(await readFile(path.join(repodata, 'repomd.xml'), 'utf8')).map((r) => path.basename(r.href)),
    );
  }
  const present = (await readdir(repodata)).filter((n) => n.endsWith('.xml.gz')).sort();
  assert.deepEqual(present, [...hrefs[1]!, ...hrefs[2]!].sort());
  assert.ok(hrefs[0]!.every((n) => !present.includes(n)));
  assert.deepEqual(
    (await readdir(repodata)).filter((n) => n.startsWith('.')),
    [],
    'no temporary files are left',
  );
});

test('a new signing key replaces RPM-GPG-KEY-pkgapp and re-signs every channel', async (t) => {
  if (!requireTools(t, ['gpg', 'gpgv'])) return;
  const repoDir = await tempDir('pkgapp-yumrepo-');
  await publishYum([v1], options(repoDir, 'staging'));
  await publishYum([v1], options(repoDir, 'production'));
  // As a publish killed after production's repomd.xml and before its deletes leaves it: a stale
  // data file the state still lists under removing. The re-signing publish finishes the delete.
  const stale = 'yum/production/repodata/0000-stale-primary.xml.gz';
  await writeFile(path.join(repoDir, stale), 'stale');
  const store = new LocalStorage(repoDir);
  const production = await loadYumState(store, 'production');
  production.removing.push(stale);
  assert.ok(await saveYumState(store, production));
  const key = await keygen({
    name: 'rotated',
    email: 'rotated@example.com',
    out: path.join(keyDir, 'rotated'),
    type: 'rsa',
  });
  const next = await loadSigner({ file: key.secretKeyFile });
  const result = await publishYum([v2], { ...options(repoDir, 'staging'), signer: next });
  assert.deepEqual(result.added, [`staging/Packages/${NAME}-1.1.0-1.noarch.rpm`]);
  const yum = path.join(repoDir, 'yum');
  assert.equal(await readFile(path.join(yum, 'RPM-GPG-KEY-pkgapp'), 'utf8'), next.publicKey.armored);
  const keyring = await dearmor(path.join(yum, 'RPM-GPG-KEY-pkgapp'));
  for (const channel of ['staging', 'production']) {
    const r = await execa(
      'gpgv',
      [
        '--keyring',
        keyring,
        path.join(yum, channel, 'repodata/repomd.xml.asc'),
        path.join(yum, channel, 'repodata/repomd.xml'),
      ],
      { env: env(), reject: false, all: true },
    );
    assert.equal(r.exitCode, 0, `${channel}: ${r.all}`);
  }
  await assert.rejects(stat(path.join(repoDir, stale)), { code: 'ENOENT' });
  assert.deepEqual((await loadYumState(store, 'production')).removing, []);
});

test('a directory and a store get the same repodata bytes; a directory published before the state objects is read once from its repodata and its pool removed', async () => {
  const hrefs = async (repoDir: string) =>
    parseRepomd(await readFile(path.join(repoDir, 'yum/stable/repodata/repomd.xml'), 'utf8')).map((r) => r.href);
  const directory = await tempDir('pkgapp-yumrepo-');
  await publishYum([v1, v2], options(directory, 'stable'));
  const viaStore = await tempDir('pkgapp-yumstore-');
  const store = new LocalStorage(viaStore);
  await publishYumToStore([v1, v2], { store, suite: 'stable', signer, now: NOW });
  // Data files are named by their sha256: equal names are equal bytes.
  assert.deepEqual(await hrefs(viaStore), await hrefs(directory));
  assert.equal((await loadYumState(store, 'stable')).entries.length, 2);

  // The layout pkgapp wrote before the state objects: each rpm once in yum/pool/NAME/, hard-linked
  // into the channel, the checksum cache, no pkgapp-state.json; two channels.
  const old = await tempDir('pkgapp-yummigrate-');
  await publishYum([v1], options(old, 'stable'));
  await publishYum([v1], options(old, 'staging'));
  const file = `${NAME}-1.0.0-1.noarch.rpm`;
  await mkdir(path.join(old, 'yum/pool', NAME), { recursive: true });
  await link(path.join(old, 'yum/stable/Packages', file), path.join(old, 'yum/pool', NAME, file));
  await writeFile(path.join(old, 'yum/.pkgapp-checksums.json'), '{}\n');
  for (const channel of ['stable', 'staging']) await rm(path.join(old, 'yum', channel, 'pkgapp-state.json'));
  const primaryBefore = await xmlOf(path.join(old, 'yum/stable/repodata'), 'primary');

  const result = await publishYum([v2], options(old, 'stable'));
  assert.deepEqual(result.added, [`stable/Packages/${NAME}-1.1.0-1.noarch.rpm`]);
  const oldStore = new LocalStorage(old);
  const state = await loadYumState(oldStore, 'stable');
  assert.ok(state.etag !== undefined, 'the state object is written');
  assert.deepEqual(
    state.entries.map((e) => e.version),
    ['1.0.0', '1.1.0'],
  );
  assert.deepEqual(await hrefs(old), await hrefs(directory), 'the migrated entry renders as it did');
  assert.ok(
    (await xmlOf(path.join(old, 'yum/stable/repodata'), 'primary')).includes(
      /<package type="rpm">[\s\S]*?<\/package>/.exec(primaryBefore.toString())![0],
    ),
    "1.0.0's primary entry is kept as it was",
  );
  const pooled = await readdir(path.join(old, 'yum/pool'), { recursive: true }).catch(() => [] as string[]);
  assert.deepEqual(
    pooled.filter((e) => e.endsWith('.rpm')),
    [],
    'the pool is gone',
  );
  // The channel file survives its pool link, and the channel that was not published to yet is
  // still read from its repodata (its promote finds 1.0.0).
  assert.equal(sha256(await readFile(path.join(old, 'yum/stable/Packages', file))), sha256(await readFile(v1)));
  const promoted = await promoteYum(NAME, '1.1.0', 'stable', options(old, 'staging'));
  assert.deepEqual(promoted.added, [`staging/Packages/${NAME}-1.1.0-1.noarch.rpm`]);
  assert.deepEqual(
    (await loadYumState(oldStore, 'staging')).entries.map((e) => e.version),
    ['1.0.0', '1.1.0'],
  );
});

// ---------------------------------------------------------------------------------------------
// pkgapp.releases (docs/internals/releases.md#repositories): NAME and the NAME-release-ID it
// requires are published, promoted and dropped by keep together.

/** Each version's two rpms, [NAME, NAME-release-VERSION], built with releases (keep 2), signed. */
let releaseBuilds: Promise<Record<string, [string, string]>> | undefined;
function releaseRpms(): Promise<Record<string, [string, string]>> {
  releaseBuilds ??= (async () => {
    const built: Record<string, [string, string]> = {};
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
      const out = path.dirname(
        (
          await buildExampleVersion(version, ['rpm'], ['--sign-key', keyFile], (pkgapp) => {
            pkgapp['releases'] = { keep: 2 };
          })
        ).rpm!,
      );
      built[version] = [
        path.join(out, `${NAME}-${version}-1.noarch.rpm`),
        path.join(out, `${NAME}-release-${version}-${version}-1.noarch.rpm`),
      ];
    }
    return built;
  })();
  return releaseBuilds;
}

let releasesRepo: Promise<string> | undefined;
/**
 * Channel "rel-staging": the three pairs, the first published in two runs (release, then NAME);
 * "rel-production": promoted one version at a time, the last with keep 2. Shared by the two tests.
 */
function releasesChannels(): Promise<string> {
  releasesRepo ??= (async () => {
    const rpms = await releaseRpms();
    const repoDir = await tempDir('pkgapp-yumrel-');
    const [name100, release100] = rpms['1.0.0']!;
    assert.deepEqual((await publishYum([release100], options(repoDir, 'rel-staging'))).added, [
      `rel-staging/Packages/${NAME}-release-1.0.0-1.0.0-1.noarch.rpm`,
    ]);
    // The release is listed already: NAME alone is accepted now.
    assert.deepEqual((await publishYum([name100], options(repoDir, 'rel-staging'))).added, [
      `rel-staging/Packages/${NAME}-1.0.0-1.noarch.rpm`,
    ]);
    await publishYum([...rpms['1.1.0']!, ...rpms['1.2.0']!], options(repoDir, 'rel-staging'));
    const production = (file: string) => `rel-production/Packages/${file}`;
    for (const version of ['1.0.0', '1.1.0'])
      assert.deepEqual(await promoteYum(NAME, version, 'rel-staging', options(repoDir, 'rel-production')), {
        added: [
          production(`${NAME}-${version}-1.noarch.rpm`),
          production(`${NAME}-release-${version}-${version}-1.noarch.rpm`),
        ],
        unchanged: [],
        removed: [],
      });
    // keep 2 counts acme-hello's versions, not the release packages (each a name of its own), and
    // drops 1.0.0's release with acme-hello 1.0.0.
    assert.deepEqual(await promoteYum(NAME, '1.2.0', 'rel-staging', options(repoDir, 'rel-production', { keep: 2 })), {
      added: [production(`${NAME}-1.2.0-1.noarch.rpm`), production(`${NAME}-release-1.2.0-1.2.0-1.noarch.rpm`)],
      unchanged: [],
      removed: [production(`${NAME}-1.0.0-1.noarch.rpm`), production(`${NAME}-release-1.0.0-1.0.0-1.noarch.rpm`)],
    });
    return repoDir;
  })();
  return releasesRepo;
}

test('pkgapp.releases: NAME without its release package is refused (nothing written); promote brings the release along; keep drops it with its NAME', async () => {
  const rpms = await releaseRpms();
  const repoDir = await tempDir('pkgapp-yumrel-');
  await publishYum([v1], options(repoDir, 'rel-staging'));
  const before = await snapshot(repoDir);
  const [name110] = rpms['1.1.0']!;
  for (const [files, suite] of [
    [[name110], 'rel-staging'],
    // The release of another version does not count.
    [[name110, rpms['1.0.0']![1]], 'rel-new'],
  ] as const) {
    await assert.rejects(
      publishYum([...files], options(repoDir, suite)),
      (e: unknown) => {
        assert.ok(isUserError(e), String(e));
        assert.equal(e.code, 'PKGAPP_PUBLISH_RELEASE_MISSING');
        assert.equal(e.exitCode, 2);
        assert.ok(
          e.message.startsWith(`${name110}: ${NAME}-1.1.0-1 requires ${NAME}-release-1.1.0 = 1.1.0-1`),
          e.message,
        );
        assert.ok(e.message.includes(`yum channel "${suite}"`), e.message);
        assert.match(e.hint ?? '', /publish both, e\.g\. pkgapp publish --repo .* dist\/\*\.rpm/);
        return true;
      },
      suite,
    );
  }
  assert.deepEqual(await snapshot(repoDir), before, 'the repository is untouched');

  const channels = await releasesChannels();
  const listed = async (channel: string) =>
    (await loadYumState(new LocalStorage(channels), channel)).entries.map((e) => `${e.name} ${e.version}`);
  assert.deepEqual(await listed('rel-production'), [
    `${NAME} 1.1.0`,
    `${NAME} 1.2.0`,
    `${NAME}-release-1.1.0 1.1.0`,
    `${NAME}-release-1.2.0 1.2.0`,
  ]);
  assert.deepEqual((await readdir(path.join(channels, 'yum/rel-production/Packages'))).sort(), [
    `${NAME}-1.1.0-1.noarch.rpm`,
    `${NAME}-1.2.0-1.noarch.rpm`,
    `${NAME}-release-1.1.0-1.1.0-1.noarch.rpm`,
    `${NAME}-release-1.2.0-1.2.0-1.noarch.rpm`,
  ]);
  assert.equal((await listed('rel-staging')).length, 6, 'staging keeps every version');
});

test('pkgapp.releases, dnf: installs acme-hello with its release, upgrades beside it; the dropped release is gone from the channel', async (t) => {
  if (!requireTools(t, ['root', 'rpmbuild', 'dnf'])) return;
  const repoDir = await releasesChannels();
  await publishYum([await rpmbuild('fake-base', '1', '1', PROVIDER_SPEC)], options(repoDir, 'rel-base'));
  const dnf = await dnfClient(repoDir, 'rel-production', 'rel-base');
  const query = async (...args: string[]) =>
    (await dnf.run(['repoquery', '--qf', '%{name} %{version}-%{release}', ...args, `${NAME}*`]))
      .split('\n')
      .filter((l) => l.startsWith(NAME))
      .sort();
  const installed = () => query('--installed');
  await dnf.run(['install', `${NAME}-1.1.0`]);
  assert.deepEqual(await installed(), [`${NAME} 1.1.0-1`, `${NAME}-release-1.1.0 1.1.0-1`]);
  await dnf.run(['upgrade', NAME]);
  assert.deepEqual(await installed(), [
    `${NAME} 1.2.0-1`,
    `${NAME}-release-1.1.0 1.1.0-1`,
    `${NAME}-release-1.2.0 1.2.0-1`,
  ]);
  const gone = await dnf.run(['install', `${NAME}-1.0.0`], false);
  assert.notEqual(gone.exitCode, 0, gone.all);
  assert.match(gone.all, /No match for argument: acme-hello-1\.0\.0/, gone.all);
  // What the channel offers: 1.0.0 and its release went with keep 2.
  assert.deepEqual(await query(), [
    `${NAME} 1.1.0-1`,
    `${NAME} 1.2.0-1`,
    `${NAME}-release-1.1.0 1.1.0-1`,
    `${NAME}-release-1.2.0 1.2.0-1`,
  ]);
});

// ---------------------------------------------------------------------------------------------
// rpmbuild

/** Provides what the example requires, installs nothing but a changelog: stands in for nodejs, a shell and shadow-utils (%pre's useradd). */
const PROVIDER_SPEC = `Name: fake-base
Version: 1
Release: 1
Summary: Stands in for nodejs, /bin/sh and shadow-utils in an empty installroot
License: MIT
BuildArch: noarch
Provides: nodejs = 20
Provides: /bin/sh
Provides: shadow-utils
%description
Test provider.
%files
%changelog
* Tue Nov 24 2026 Test <test@example.com> - 1-1
- Provider for & <tests>
`;

const GC_SPEC = `Name: gc-test
Version: @VERSION@
Release: 1
Summary: Versions for keep and generation tests
License: MIT
BuildArch: noarch
%description
Versions.
%files
`;

async function rpmbuild(name: string, version: string, release: string, spec: string): Promise<string> {
  const top = await tempDir('pkgapp-rpmbuild-');
  const specFile = path.join(top, `${name}.spec`);
  await writeFile(specFile, spec);
  const r = await execa(
    'rpmbuild',
    ['-bb', '--define', `_topdir ${top}`, '--define', '_build_id_links none', specFile],
    { env: env(), reject: false, all: true },
  );
  assert.equal(r.exitCode, 0, r.all);
  return path.join(top, 'RPMS/noarch', `${name}-${version}-${release}.noarch.rpm`);
}
