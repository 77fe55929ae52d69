// `npm run bench:publish`: seconds and S3 requests to publish one package into apt repositories
// and yum channels that already hold 10, 100 and 1,000 versions, in a local directory and in a
// bucket of a throwaway Ceph RGW (test/helpers/s3-server.ts). The cost should not grow with the
// repository (docs/internals/s3-storage.md#cost). Options: --sizes 10,100,1000  --rounds 3
// --formats deb,rpm
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { readApp } from '../src/app/read-app.js';
import { EntryStore } from '../src/contents/entry-store.js';
import { formatFor } from '../src/formats.js';
import { resolveManifest } from '../src/manifest/resolve-manifest.js';
import { publish } from '../src/publish/publish.js';
import { mapBounded } from '../src/publish/storage/storage.js';
import { startS3TestServer } from '../test/helpers/s3-server.js';

const NAME = 'bench-publish';

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  const sizes = arg('--sizes', '10,100,1000').split(',').map(Number);
  const rounds = Number(arg('--rounds', '3'));
  const formats = arg('--formats', 'deb,rpm').split(',');
  const work = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-bench-publish-'));
  const server = await startS3TestServer();
  try {
    const key = await secretKey(work);
    const max = Math.max(...sizes) + rounds;
    const requests = new Map<string, number>();
    let total = 0;
    const s3 = {
      endpoint: server.endpoint,
      region: server.region,
      credentials: server.credentials,
      onRequest: (command: string) => {
        total++;
        requests.set(command, (requests.get(command) ?? 0) + 1);
      },
    };
    const admin = new S3Client({ ...s3, forcePathStyle: true });
    const out: string[] = [];
    for (const format of formats) {
      process.stderr.write(`building ${max} .${format}s...\n`);
      const files =
        format === 'deb'
          ? await mapBounded(
              Array.from({ length: max }, (_, i) => i),
              4,
              (i) => tinyDeb(work, `1.0.${i}`),
            )
          : await tinyRpms(work, max);
      const rows: string[] = [
        `${format === 'deb' ? 'apt' : 'yum'}:`,
        '',
        '| versions in repo | local s (median) | S3 s (median) | S3 requests (per publish) |',
        '|---|---|---|---|',
      ];
      for (const size of sizes) {
        const bucket = `bench-${format}-${size}`;
        await admin.send(new CreateBucketCommand({ Bucket: bucket }));
        const local = path.join(work, `repo-${format}-${size}`);
        const common = { signKey: { file: key }, suite: 'stable' };
        // Seed: one publish of `size` versions (not measured).
        await publish(files.slice(0, size), { ...common, repoDir: local });
        await publish(files.slice(0, size), { ...common, repoDir: `s3://${bucket}/repo`, s3 });
        const localTimes: number[] = [];
        const s3Times: number[] = [];
        const counts: string[] = [];
        for (let r = 0; r < rounds; r++) {
          const file = files[size + r]!;
          let start = performance.now();
          await publish([file], { ...common, repoDir: local });
          localTimes.push((performance.now() - start) / 1000);
          total = 0;
          requests.clear();
          start = performance.now();
          await publish([file], { ...common, repoDir: `s3://${bucket}/repo`, s3 });
          s3Times.push((performance.now() - start) / 1000);
          counts.push(`${total} (${[...requests].map(([c, n]) => `${c.replace(/Command$/, '')} ${n}`).join(', ')})`);
        }
        rows.push(`| ${size} | ${median(localTimes).toFixed(2)} | ${median(s3Times).toFixed(2)} | ${counts[0]} |`);
        process.stderr.write(`${format} ${rows.at(-1)}\n`);
      }
      out.push(...rows, '');
    }
    admin.destroy();
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function tinyDeb(work: string, version: string): Promise<string> {
  const dir = path.join(work, `pkg-${version}`);
  await mkdir(path.join(dir, 'DEBIAN'), { recursive: true });
  await writeFile(
    path.join(dir, 'DEBIAN/control'),
    `Package: ${NAME}\nVersion: ${version}\nArchitecture: all\nMaintainer: B <b@example.com>\nDescription: publish benchmark\n`,
  );
  const deb = path.join(work, `${NAME}_${version}_all.deb`);
  await execa('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', dir, deb]);
  await rm(dir, { recursive: true });
  return deb;
}

/**
 * `count` noarch rpms of a minimal app, versions 1.0.0, 1.0.1...: written in-process by pkgapp's
 * rpm writer (src/rpm/write-rpm.ts), which takes milliseconds where rpmbuild takes seconds.
 */
async function tinyRpms(work: string, count: number): Promise<string[]> {
  const appDir = path.join(work, 'rpm-app');
  await mkdir(appDir, { recursive: true });
  const pkg = {
    name: NAME,
    version: '1.0.0',
    description: 'publish benchmark',
    author: 'B <b@example.com>',
    license: 'MIT',
    main: 'server.js',
  };
  await writeFile(path.join(appDir, 'package.json'), JSON.stringify(pkg));
  await writeFile(path.join(appDir, 'server.js'), '');
  const lock = { name: NAME, version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: NAME } } };
  await writeFile(path.join(appDir, 'package-lock.json'), JSON.stringify(lock));
  const app = await readApp(appDir);
  const outDir = path.join(work, 'rpms');
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const manifest = resolveManifest(app, { buildTime: 1_795_651_200, version: `1.0.${i}` });
    const written = await formatFor('rpm').write({
      manifest,
      contents: new EntryStore(),
      bundled: [],
      arch: 'all',
      outDir,
      compression: 'gzip',
      level: 1,
    });
    await written.commit();
    files.push(written.path);
  }
  return files;
}

async function secretKey(work: string): Promise<string> {
  const home = path.join(work, 'gnupg');
  await mkdir(home, { recursive: true, mode: 0o700 });
  const gpg = (args: string[]) => execa('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', ...args]);
  await gpg(['--passphrase', '', '--quick-gen-key', 'Bench <bench@example.com>', 'ed25519', 'sign', 'never']);
  const file = path.join(work, 'key.asc');
  await writeFile(file, (await gpg(['--armor', '--export-secret-keys'])).stdout);
  return file;
}

await main(process.argv.slice(2));
