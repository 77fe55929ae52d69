// A throwaway S3 service for the tests: Ceph's RADOS gateway on a one-node cluster (one monitor,
// one in-memory OSD, one radosgw), everything under one temp dir, no systemd, no auth between
// the daemons. docs/internals/s3-storage.md explains the settings and where Ceph differs from AWS.
//
//   const s3 = await startS3TestServer();   // ~4-10 s: mon, osd, radosgw, an S3 user
//   ... new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials })
//   await s3.stop();                        // kills the daemons, removes the dir
//
// Run by hand: node --import tsx test/helpers/s3-server.ts   (prints the endpoint and keys,
// stops on Ctrl-C).
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';

/** The executables the server needs, for requireTools (tools.ts maps them to Debian packages). */
export const CEPH_TOOLS = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'osdmaptool'];

/** Temp dirs are named so a later run can find (and clean) those of a run that was killed. */
const DIR_PREFIX = 'pkgapp-s3-server-';

export interface S3TestServer {
  /** http://127.0.0.1:PORT, path-style addressing. */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The temp dir holding ceph.conf, the daemons' data and logs. */
  dir: string;
  /** Milliseconds from nothing to the S3 user existing. */
  startupMs: number;
  /** Milliseconds since the start at which each step ended (mkfs, rgw, user), for measurements. */
  steps: Record<string, number>;
  /** The last lines of every daemon log (for failure messages). */
  logTail(lines?: number): string;
  /** Kills the daemons and removes the dir; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Give up (and clean up) after this long; the machines running the tests are often loaded. */
  timeoutMs?: number;
}

/** Starts mon, osd and radosgw in a new temp dir and creates an S3 user. Throws (after cleaning up) on failure or timeout. */
export async function startS3TestServer(options: StartOptions = {}): Promise<S3TestServer> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  cleanLeftovers();
  const started = Date.now();
  const deadline = started + timeoutMs;
  // Made under another name and renamed once it names its owner: another test process's
  // cleanLeftovers() must never find it without owner.pid and remove it under us.
  const staging = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-s3-staging-'));
  writeFileSync(path.join(staging, 'owner.pid'), `${process.pid}\n`);
  const dir = path.join(os.tmpdir(), `${DIR_PREFIX}${path.basename(staging).slice('pkgapp-s3-staging-'.length)}`);
  await rename(staging, dir);
  const daemons: ChildProcess[] = [];
  let stopped = false;
  const logTail = (lines = 15) => tailLogs(dir, lines);
  const killAll = () => {
    for (const child of daemons) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  // A test runner that exits without stop() must not leave daemons behind.
  const onExit = () => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    killAll();
    await Promise.all(
      daemons.map((child) =>
        child.exitCode === null && child.signalCode === null
          ? new Promise((resolve) => child.once('exit', resolve))
          : Promise.resolve(),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };

  const steps: Record<string, number> = {};
  const step = (name: string) => void (steps[name] = Date.now() - started);
  try {
    const [monPort, rgwPort] = await freePorts(2);
    const fsid = randomUUID();
    const conf = path.join(dir, 'ceph.conf');
    await Promise.all(['run', 'log', 'mon', 'osd'].map((d) => mkdir(path.join(dir, d))));
    await writeFile(conf, cephConf({ dir, fsid, monPort: monPort!, rgwPort: rgwPort! }));
    const ceph = (file: string, args: string[]) => runStep(file, ['-c', conf, ...args], deadline, dir);
    const daemon = (name: string, file: string, args: string[]) => {
      const out = openSync(path.join(dir, 'log', `${name}.out`), 'a');
      const child = spawn(file, ['-c', conf, '-f', ...args], { stdio: ['ignore', out, out] });
      closeSync(out);
      daemons.push(child);
      writeFileSync(path.join(dir, 'run', `${name}.daemon-pid`), `${child.pid}\n`);
      child.once('error', () => undefined);
      return child;
    };

    // The monitor starts with a one-OSD map (osdmaptool) and the OSD is made without asking the
    // monitor (--no-mon-config), so both mkfs run at once and no `ceph osd new` round trip is needed.
    await Promise.all([
      runStep(
        'monmaptool',
        ['--create', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, path.join(dir, 'monmap')],
        deadline,
        dir,
      ),
      runStep('osdmaptool', ['--createsimple', '1', '--fsid', fsid, path.join(dir, 'osdmap')], deadline, dir),
    ]);
    await Promise.all([
      ceph('ceph-mon', [
        '--mkfs',
        '-i',
        'a',
        '--monmap',
        path.join(dir, 'monmap'),
        '--osdmap',
        path.join(dir, 'osdmap'),
      ]),
      ceph('ceph-osd', ['-i', '0', '--mkfs', '--no-mon-config', '--osd-uuid', randomUUID()]),
    ]);
    step('mkfs');
    daemon('mon', 'ceph-mon', ['-i', 'a']);
    daemon('osd', 'ceph-osd', ['-i', '0']);
    daemon('rgw', 'radosgw', ['-n', 'client.rgw']);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitForHttp(endpoint, deadline, daemons, dir);
    step('rgw');
    const credentials = {
      accessKeyId: `PKGAPPTEST${randomBytes(5).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64url'),
    };
    await ceph('radosgw-admin', [
      'user',
      'create',
      '--uid',
      'pkgapp-test',
      '--display-name',
      'pkgapp test',
      '--access-key',
      credentials.accessKeyId,
      '--secret',
      credentials.secretAccessKey,
    ]);
    step('user');
    return { endpoint, region: 'us-east-1', credentials, dir, startupMs: Date.now() - started, steps, logTail, stop };
  } catch (error) {
    const tail = logTail();
    await stop();
    throw new Error(
      `the Ceph S3 test server did not come up: ${(error as Error).message}\n--- last log lines (from ${dir}) ---\n${tail}`,
      { cause: error },
    );
  }
}

interface ConfParams {
  dir: string;
  fsid: string;
  monPort: number;
  rgwPort: number;
}

/** ceph.conf for the throwaway cluster; every path inside `dir`. */
function cephConf({ dir, fsid, monPort, rgwPort }: ConfParams): string {
  return `[global]
fsid = ${fsid}
mon_host = [v2:127.0.0.1:${monPort}]
public_network = 127.0.0.1/32
# No cephx between the daemons; without crc mode the client insists on secure mode and hangs.
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_client_mode = crc
# One OSD: pools of one replica (allowed only with mon_allow_pool_size_one), one PG each.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 1
osd_pool_default_pgp_num = 1
osd_pool_default_pg_autoscale_mode = off
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
# The monitor batches map changes for a second by default: start-up takes ~14 s instead of ~4.
paxos_propose_interval = 0.01
paxos_min_wait = 0.001
# radosgw starts with the OSD and its first write waits for the OSD to come up; the client
# re-checks such waiting requests every objecter tick (5 s by default).
objecter_tick_interval = 0.2
client_mount_timeout = 60
rados_mon_op_timeout = 60
run_dir = ${dir}/run
log_file = ${dir}/log/$name.log
admin_socket = ${dir}/run/$name.$pid.asok
keyring = ${dir}/keyring
[mon]
mon_data = ${dir}/mon
[osd]
osd_data = ${dir}/osd
osd_objectstore = memstore
memstore_device_bytes = 1073741824
[client.rgw]
rgw_frontends = beast endpoint=127.0.0.1:${rgwPort}
`;
}

/** Runs a one-shot command, failing with its output when it fails or the deadline passes. */
async function runStep(file: string, args: string[], deadline: number, dir: string): Promise<void> {
  const timeout = Math.max(1, deadline - Date.now());
  const result = await execa(file, args, { reject: false, timeout, all: true, cwd: dir });
  if (result.timedOut) throw new Error(`${file} ${args.join(' ')}: timed out`);
  if (result.exitCode !== 0)
    throw new Error(
      `${file} ${args.join(' ')}: exit ${result.exitCode ?? result.signal}\n${String(result.all ?? '')
        .split('\n')
        .slice(-10)
        .join('\n')}`,
    );
}

/** Polls the gateway until it answers HTTP (it listens only once its pools exist). */
async function waitForHttp(endpoint: string, deadline: number, daemons: ChildProcess[], dir: string): Promise<void> {
  for (;;) {
    const dead = daemons.find((d) => d.exitCode !== null || d.signalCode !== null);
    if (dead) throw new Error(`${dead.spawnfile} exited (${dead.exitCode ?? dead.signalCode}) during start-up`);
    try {
      const response = await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`radosgw did not answer on ${endpoint} in time (see ${dir}/log)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `count` distinct TCP ports that were free a moment ago. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function tailLogs(dir: string, lines: number): string {
  const logDir = path.join(dir, 'log');
  if (!existsSync(logDir)) return '(no logs)';
  return readdirSync(logDir)
    .sort()
    .map((name) => {
      const text = readFileSync(path.join(logDir, name), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      return `== ${name} ==\n${text.slice(-lines).join('\n')}`;
    })
    .join('\n');
}

/**
 * Removes the dirs (and kills the daemons) of earlier runs whose test process died without
 * stop(), e.g. killed by a timeout. A pid is killed only if its command line names that dir, so a
 * reused pid is never hit.
 */
function cleanLeftovers(): void {
  for (const name of readdirSync(os.tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(readText(path.join(dir, 'owner.pid')));
    if (owner && isAlive(owner)) continue;
    const runDir = path.join(dir, 'run');
    for (const file of existsSync(runDir) ? readdirSync(runDir).filter((f) => f.endsWith('.daemon-pid')) : []) {
      const pid = Number(readText(path.join(runDir, file)));
      if (pid && readText(`/proc/${pid}/cmdline`).includes(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// By hand: start, print how to reach it, stop on Ctrl-C (the daemons keep the process alive).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startS3TestServer();
  process.stdout.write(
    `S3 endpoint ${server.endpoint} (path-style, region ${server.region}), up in ${server.startupMs} ms\nAWS_ACCESS_KEY_ID=${server.credentials.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${server.credentials.secretAccessKey}\ndir ${server.dir}\nCtrl-C stops it.\n`,
  );
  const finish = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', finish);
  process.once('SIGTERM', finish);
}
