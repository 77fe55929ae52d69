// `npm run bench:publish`: seconds and S3 requests to publish one package into apt repositories
// that already hold 10, 100 and 1,000 versions, in a local directory and in a bucket of a
// throwaway Ceph RGW (test/helpers/s3-server.ts). The cost should not grow with the repository
// (docs/internals/s3-storage.md#cost). Options: --sizes 10,100,1000  --rounds 3
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execa } from 'execa';
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
  const work = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-bench-publish-'));
  const server = await startS3TestServer();
  try {
    const key = await secretKey(work);
    const max = Math.max(...sizes) + rounds;
    process.stderr.write(`building ${max} .debs...\n`);
    const debs = await mapBounded(
      Array.from({ length: max }, (_, i) => i),
      4,
      (i) => tinyDeb(work, `1.0.${i}`),
    );
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
    const rows: string[] = [
      '| versions in repo | local s (median) | S3 s (median) | S3 requests (per publish) |',
      '|---|---|---|---|',
    ];
    for (const size of sizes) {
      const bucket = `bench-${size}`;
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      const local = path.join(work, `repo-${size}`);
      const common = { signKey: { file: key }, suite: 'stable' };
      // Seed: one publish of `size` versions (not measured).
      await publish(debs.slice(0, size), { ...common, repoDir: local });
      await publish(debs.slice(0, size), { ...common, repoDir: `s3://${bucket}/repo`, s3 });
      const localTimes: number[] = [];
      const s3Times: number[] = [];
      const counts: string[] = [];
      for (let r = 0; r < rounds; r++) {
        const deb = debs[size + r]!;
        let start = performance.now();
        await publish([deb], { ...common, repoDir: local });
        localTimes.push((performance.now() - start) / 1000);
        total = 0;
        requests.clear();
        start = performance.now();
        await publish([deb], { ...common, repoDir: `s3://${bucket}/repo`, s3 });
        s3Times.push((performance.now() - start) / 1000);
        counts.push(`${total} (${[...requests].map(([c, n]) => `${c.replace(/Command$/, '')} ${n}`).join(', ')})`);
      }
      rows.push(`| ${size} | ${median(localTimes).toFixed(2)} | ${median(s3Times).toFixed(2)} | ${counts[0]} |`);
      process.stderr.write(`${rows.at(-1)}\n`);
    }
    admin.destroy();
    process.stdout.write(`${rows.join('\n')}\n`);
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
