// Throwaway Debian roots for end-to-end tests of .deb packages.
//
//   ensureBaseImage()  mmdebstrap a minimal bookworm rootfs tarball, cached on disk
//   createRoot()       a fresh root under /var/tmp (overlayfs over the unpacked image)
//   root.exec()        run a command in it (systemd-nspawn, not booted: "chroot" semantics)
//   root.boot()        boot systemd in it (systemd-nspawn --boot); booted.exec() uses nsenter
//   root.destroy()     shut down, make sure nothing is mounted below it, delete it
//
// Everything runs as root. Destructive work only ever happens inside the root dir.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, readlink, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const SUITE = 'bookworm';
/** Packages in the base image (on top of mmdebstrap's minbase variant). */
// rpm: the rpm end-to-end test installs pkgapp's rpms with Debian's rpm inside the same image.
export const BASE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'adduser', 'nodejs', 'curl', 'rpm'];
const MIRRORS = [
  `deb http://deb.debian.org/debian ${SUITE} main`,
  `deb http://deb.debian.org/debian ${SUITE}-updates main`,
  `deb http://deb.debian.org/debian-security ${SUITE}-security main`,
];
/** Bump when the way the image is built changes, so cached images get rebuilt. */
const IMAGE_FORMAT = 1;

/** Where cached images live; override with PKGAPP_TEST_CACHE. */
export const CACHE_DIR = process.env.PKGAPP_TEST_CACHE ?? '/var/cache/pkgapp-test';
/** Parent of throwaway roots. /var/tmp rather than /tmp: /tmp may be a small tmpfs and a root is ~300 MB. */
export const WORK_DIR = process.env.PKGAPP_E2E_DIR ?? '/var/tmp';

// nspawn 252 prints this on every exit when the host's /run is not a tmpfs (as here: no systemd
// host). It is harmless (the dir does get removed), so keep it out of commands' stderr.
const NSPAWN_NOISE = /^Attempted to remove disk file system under "\/run\/systemd\/nspawn\/propagate\/.*\n?/gm;

// A clean environment for commands inside a root, so the host's env (npm_*, NODE_OPTIONS, ...) never leaks in.
const BASE_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/root',
  TERM: 'dumb',
  DEBIAN_FRONTEND: 'noninteractive',
  SYSTEMD_PAGER: '',
  SYSTEMD_COLORS: '0',
};

export interface ExecOptions {
  /** Extra environment variables (on top of a clean PATH/LANG/HOME/DEBIAN_FRONTEND=noninteractive). */
  env?: Record<string, string>;
  /** Data for stdin. Without it stdin is empty. */
  input?: string;
  /** Throw (with stdout/stderr in the message) when the exit code is not 0. Default false. */
  check?: boolean;
  /** Kill the command after this many ms. Default 5 minutes. */
  timeoutMs?: number;
}

export interface ExecResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Booted {
  /** Host PID of the container's systemd (PID 1 inside). */
  readonly pid: number;
  readonly machine: string;
  /** False once the nspawn process has exited. */
  readonly running: boolean;
  /** Run a command inside the booted container (nsenter into PID 1's namespaces). */
  exec(cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** journalctl output (whole journal, or one unit). */
  journal(unit?: string): Promise<string>;
  /** What the container printed on its console (systemd boot/shutdown messages, nspawn errors). */
  consoleLog(): Promise<string>;
  /** Power off cleanly; always ends the nspawn process (SIGKILL after the timeout). Idempotent. */
  shutdown(opts?: { timeoutMs?: number }): Promise<void>;
}

export interface BootOptions {
  /** Max time to wait for `systemctl is-system-running` to report running/degraded. Default 60 s. */
  timeoutMs?: number;
  /** Loopback-only network (default true), so services can bind any port without clashing with the host. */
  privateNetwork?: boolean;
  /** Extra systemd-nspawn arguments, e.g. ['--bind-ro=/some/dir']. */
  nspawnArgs?: string[];
}

export interface Root {
  /** Host path of the root filesystem. */
  readonly path: string;
  readonly machine: string;
  /** Set while booted. */
  readonly booted: Booted | undefined;
  /**
   * Run a command in the root. Not booted: a one-shot `systemd-nspawn` (own /proc, /sys, /dev,
   * host network, no systemd running, so maintainer scripts do not start services).
   * Booted: same as booted.exec().
   */
  exec(cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  boot(opts?: BootOptions): Promise<Booted>;
  /** Shut down if booted, unmount anything below the root, delete it. Idempotent. */
  destroy(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Base image

export interface BaseImageOptions {
  /** Packages added to BASE_PACKAGES (part of the cache key). */
  extraPackages?: string[];
  /**
   * A Debian architecture other than the build machine's (arm64): mmdebstrap --arch, and every
   * program in the root runs under qemu-user-static through binfmt_misc (part of the cache key).
   */
  arch?: string;
  /** Replace BASE_PACKAGES (a foreign-arch root skips what its tests do not need: rpm, dbus). */
  basePackages?: string[];
}

const building = new Map<string, Promise<string>>();

/**
 * Path of a bookworm rootfs tarball with BASE_PACKAGES (+ extraPackages), building it with
 * mmdebstrap if not cached (~20-60 s, needs deb.debian.org). The cache key hashes suite, mirrors
 * and package list, so changing them builds a new image. Concurrent builders (other test
 * processes) are tolerated: each builds to a private temp name and rename() is atomic; the
 * in-process map avoids building twice in one process.
 */
export function ensureBaseImage(opts: BaseImageOptions = {}): Promise<string> {
  const packages = [...new Set([...(opts.basePackages ?? BASE_PACKAGES), ...(opts.extraPackages ?? [])])].sort();
  // The host's images keep their key (no arch in it), so existing caches stay valid.
  const identity = { IMAGE_FORMAT, SUITE, MIRRORS, packages, ...(opts.arch ? { arch: opts.arch } : {}) };
  const key = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
  const image = path.join(CACHE_DIR, `${SUITE}-${opts.arch ? `${opts.arch}-` : ''}${key}.tar`);
  let p = building.get(image);
  if (!p) {
    p = buildImage(image, packages, opts.arch);
    building.set(image, p);
    p.catch(() => building.delete(image));
  }
  return p;
}

async function buildImage(image: string, packages: string[], arch: string | undefined): Promise<string> {
  if (await exists(image)) return image;
  await mkdir(CACHE_DIR, { recursive: true });
  if (arch) await enableBinfmt(arch);
  const tmp = `${image}.tmp-${process.pid}-${Date.now()}`;
  try {
    await execa(
      'mmdebstrap',
      [
        '--variant=minbase',
        ...(arch
          ? [
              `--arch=${arch}`,
              // dpkg runs emulated: no fsync per file, and no manual pages or docs to unpack
              '--dpkgopt=force-unsafe-io',
              '--dpkgopt=path-exclude=/usr/share/man/*',
              '--dpkgopt=path-exclude=/usr/share/doc/*',
              '--dpkgopt=path-exclude=/usr/share/locale/*',
            ]
          : []),
        `--include=${packages.join(',')}`,
        // Uncompressed: it is unpacked once per image anyway; compressing only costs build time.
        '--format=tar',
        SUITE,
        tmp,
        ...MIRRORS,
      ],
      // Under qemu every maintainer script is emulated: a foreign root takes far longer, once.
      { stdin: 'ignore', all: true, timeout: (arch ? 60 : 20) * 60_000 },
    );
    await rename(tmp, image);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`mmdebstrap failed building ${image}:\n${tail((err as { all?: string }).all ?? String(err))}`, {
      cause: err,
    });
  }
  return image;
}

/** Debian architectures → the qemu-user binfmt entry that runs their programs. */
const QEMU_BINFMT: Record<string, string> = {
  arm64: 'qemu-aarch64',
  armhf: 'qemu-arm',
  ppc64el: 'qemu-ppc64le',
  s390x: 'qemu-s390x',
  riscv64: 'qemu-riscv64',
};

/**
 * Makes the kernel run `arch`'s programs with qemu-user-static: binfmt_misc mounted (a container
 * may start without it) and binfmt-support's entry enabled. Its F flag opens the interpreter at
 * registration, so roots need no copy of qemu inside. Idempotent.
 */
export async function enableBinfmt(arch: string): Promise<void> {
  const entry = QEMU_BINFMT[arch];
  if (!entry) throw new Error(`no qemu-user binfmt entry known for Debian architecture ${arch}`);
  const present = (name: string) =>
    stat(`/proc/sys/fs/binfmt_misc/${name}`).then(
      () => true,
      () => false,
    );
  if (!(await present('register')))
    await execa('mount', ['-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc']);
  if (!(await present(entry))) await execa('update-binfmts', ['--enable', entry]);
}

// ---------------------------------------------------------------------------------------------
// Roots

/**
 * A fresh root at WORK_DIR/pkgapp-e2e-XXXXXX/rootfs.
 *
 * It is an overlayfs mount: the read-only lower layer is the base image unpacked once into the cache,
 * writes go to WORK_DIR/pkgapp-e2e-XXXXXX/upper. Creating a root then takes milliseconds instead
 * of unpacking ~11,000 files each time (measured 0.5-9 s on this VM's ext4, which is slow at
 * creating files). If the overlay mount fails (no overlayfs), the tarball is unpacked instead.
 */
export async function createRoot(opts: BaseImageOptions = {}): Promise<Root> {
  const image = await ensureBaseImage(opts);
  if (opts.arch) await enableBinfmt(opts.arch); // the image may be cached from before a reboot
  // The random suffix is [A-Za-z0-9], so the dir name is also a valid nspawn machine name.
  // realpath: mount points in /proc/self/mountinfo are canonical, destroy() compares against them.
  const dir = await realpath(await mkdtemp(path.join(WORK_DIR, 'pkgapp-e2e-')));
  const rootfs = path.join(dir, 'rootfs');
  const root = new RootImpl(dir, rootfs, path.basename(dir));
  try {
    await mkdir(rootfs);
    const lower = await unpackedImage(image);
    const upper = path.join(dir, 'upper');
    const work = path.join(dir, 'work');
    await mkdir(upper);
    await mkdir(work);
    const mounted = await execa(
      'mount',
      ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, rootfs],
      { reject: false },
    );
    if (mounted.exitCode !== 0) await untar(image, rootfs);
  } catch (err) {
    await root.destroy();
    throw err;
  }
  return root;
}

/** The image unpacked next to the tarball (IMAGE.d), shared read-only by all overlay roots. */
async function unpackedImage(image: string): Promise<string> {
  const dir = image.replace(/\.tar$/, '.d');
  if (await exists(dir)) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await mkdir(tmp);
    await untar(image, tmp);
    await rename(tmp, dir); // atomic; fails with ENOTEMPTY if a concurrent builder won - fine
  } catch (err) {
    if (!(await exists(dir))) throw err;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

function untar(image: string, into: string): Promise<unknown> {
  return execa('tar', ['-C', into, '--numeric-owner', '--xattrs', '--xattrs-include=*', '-xpf', image]);
}

class RootImpl implements Root {
  booted: BootedImpl | undefined;
  private destroyed = false;
  // nspawn locks the directory tree, so a second nspawn on the same root fails with "Directory tree
  // ... is currently busy": run them one at a time.
  private nspawnQueue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    readonly path: string,
    readonly machine: string,
  ) {
    trackLive(this);
  }

  exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.assertAlive();
    if (this.booted?.running) return this.booted.exec(cmd, opts);
    // Re-check once our turn comes: a boot() queued before us may have started the container.
    return this.serial(() => (this.booted?.running ? this.booted.exec(cmd, opts) : this.nspawnExec(cmd, opts)));
  }

  private nspawnExec(cmd: string[], opts: ExecOptions): Promise<ExecResult> {
    const env = { ...BASE_ENV, ...opts.env };
    return run(
      'systemd-nspawn',
      [
        '--quiet',
        '--register=no', // no systemd-machined on the host (PID 1 is not systemd)
        '--keep-unit', // ... and no host systemd to create a scope unit with
        '--as-pid2', // a stub init is PID 1, so the command gets normal signal handling
        '--pipe', // plain stdin/stdout/stderr, no pty
        '--link-journal=no',
        `--machine=${this.machine}`,
        '-D',
        this.path,
        ...Object.entries(env).map(([k, v]) => `--setenv=${k}=${v}`),
        '--',
        ...cmd,
      ],
      { ...opts, dropStderr: NSPAWN_NOISE },
      cmd,
    );
  }

  async boot(opts: BootOptions = {}): Promise<Booted> {
    this.assertAlive();
    if (this.booted?.running) throw new Error(`${this.machine} is already booted`);
    this.booted = await this.serial(() => BootedImpl.start(this, this.dir, opts));
    return this.booted;
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.nspawnQueue.then(f, f);
    this.nspawnQueue = next.catch(() => undefined);
    return next;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.booted?.shutdown();
    await unmountBelow(this.dir);
    await rm(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error(`${this.machine} was destroyed`);
  }
}

// ---------------------------------------------------------------------------------------------
// Booted container

class BootedImpl implements Booted {
  private ended = false;
  private exited: Promise<unknown>;

  private constructor(
    readonly pid: number,
    readonly machine: string,
    private readonly nspawn: ResultPromise,
    private readonly logPath: string,
  ) {
    this.exited = nspawn.then(
      () => undefined,
      () => undefined,
    );
    void this.exited.then(() => (this.ended = true));
  }

  get running(): boolean {
    return !this.ended;
  }

  static async start(root: RootImpl, dir: string, opts: BootOptions): Promise<BootedImpl> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    const logPath = path.join(dir, 'console.log');
    const nspawn = execa(
      'systemd-nspawn',
      [
        '--boot',
        '--quiet',
        '--register=no', // no machined on the host, so machinectl / systemd-run -M cannot work: we nsenter
        '--keep-unit', // without it nspawn asks the (absent) host systemd for a scope unit and fails
        ...(opts.privateNetwork === false ? [] : ['--private-network']),
        '--link-journal=no', // never touch the host's /var/log/journal
        // Headless console: a pty whose output nspawn copies to our log file; no input needed.
        // (--console=pipe loses systemd's boot/shutdown messages; interactive needs a tty on stdin.)
        '--console=read-only',
        '--setenv=SYSTEMD_COLORS=0', // plain "[  OK  ]" lines in the console log
        '--setenv=SYSTEMD_LOG_COLOR=0',
        `--machine=${root.machine}`,
        '-D',
        root.path,
        ...(opts.nspawnArgs ?? []),
      ],
      // reject:false - its exit is observed below; execa's default cleanup SIGTERMs nspawn if node exits,
      // which nspawn turns into a clean halt of the container.
      {
        stdin: 'ignore',
        stdout: { file: logPath, append: true },
        stderr: { file: logPath, append: true },
        reject: false,
      },
    );
    let exitedEarly = false;
    void nspawn.then(() => (exitedEarly = true));

    const fail = async (why: string): Promise<never> => {
      nspawn.kill('SIGKILL');
      await nspawn;
      throw new Error(`boot of ${root.machine} failed: ${why}\n--- console ---\n${tail(await readText(logPath))}`);
    };

    // 1. Find the container's init: the child of nspawn that lives in another PID namespace.
    let pid: number | undefined;
    while (pid === undefined) {
      if (exitedEarly) return fail('systemd-nspawn exited');
      if (Date.now() > deadline) return fail('container init did not appear');
      pid = await findContainerInit(nspawn.pid!);
      if (pid === undefined) await sleep(50);
    }
    const booted = new BootedImpl(pid, root.machine, nspawn, logPath);

    // 2. Wait for systemd to finish booting. systemctl fails until PID 1 has its private socket up,
    //    so retry; --wait then blocks until startup is complete.
    let state = '';
    while (!['running', 'degraded'].includes(state)) {
      if (exitedEarly) return fail('systemd-nspawn exited');
      const left = deadline - Date.now();
      if (left <= 0) return fail(`timed out; last is-system-running: ${state || '(no answer)'}`);
      const r = await booted.exec(['systemctl', 'is-system-running', '--wait'], { timeoutMs: left });
      state = r.stdout.trim();
      if (!['running', 'degraded'].includes(state)) {
        // 'maintenance'/'stopping' never become running; anything else may. 'offline' is what
        // systemctl says while PID 1 has not yet exec'd systemd or opened its private socket.
        if (['maintenance', 'stopping'].includes(state)) return fail(`system is ${state}`);
        await sleep(100);
      }
    }
    return booted;
  }

  exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.ended) return Promise.reject(new Error(`${this.machine} is not running`));
    // Enter all of PID 1's namespaces (mount, pid, net, uts, ipc, and cgroup if nspawn made one),
    // with its root and cwd. The mount namespace is what makes systemctl work: it finds PID 1's
    // /run/systemd/private socket. The process stays in the host's cgroup, which systemctl does not mind.
    return run(
      'nsenter',
      ['--target', String(this.pid), '--all', '--root', '--wd', '--', ...cmd],
      { ...opts, env: { ...BASE_ENV, ...opts.env }, cleanEnv: true },
      cmd,
    );
  }

  async journal(unit?: string): Promise<string> {
    const r = await this.exec(['journalctl', '--no-pager', '-o', 'short-monotonic', ...(unit ? ['-u', unit] : [])], {
      check: true,
    });
    return r.stdout;
  }

  consoleLog(): Promise<string> {
    return readText(this.logPath);
  }

  async shutdown(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.ended) return;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    // SIGTERM to nspawn in --boot mode = ask the container's systemd to halt (SIGRTMIN+3); takes < 1 s.
    this.nspawn.kill('SIGTERM');
    if (await settlesWithin(this.exited, timeoutMs)) return;
    // Hung shutdown. Killing nspawn alone would orphan the container, so kill its PID 1 first:
    // that tears down the whole PID namespace and nspawn then exits by itself.
    safeKill(this.pid, 'SIGKILL');
    if (await settlesWithin(this.exited, 5_000)) return;
    this.nspawn.kill('SIGKILL');
    await this.exited;
  }
}

/** Host PID of the container's init: a child of nspawn in a different PID namespace. */
async function findContainerInit(nspawnPid: number): Promise<number | undefined> {
  const ourPidNs = await readlink('/proc/self/ns/pid');
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const statLine = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after "(comm)": state ppid ...; comm may contain spaces, so split after the last ')'.
      const ppid = Number(statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== nspawnPid) continue;
      if ((await readlink(`/proc/${entry}/ns/pid`)) === ourPidNs) continue;
      // Before exec'ing systemd the child is still nspawn code; wait until it really is systemd.
      const comm = (await readFile(`/proc/${entry}/comm`, 'utf8')).trim();
      if (comm === 'systemd' || comm === 'init') return Number(entry);
    } catch {
      // process vanished meanwhile
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Safety: unmount before deleting

/** Mount points at or below dir, deepest first, from /proc/self/mountinfo. */
async function mountsBelow(dir: string): Promise<string[]> {
  return parseMounts(await readFile('/proc/self/mountinfo', 'utf8'), dir);
}

function parseMounts(info: string, dir: string): string[] {
  const real = path.resolve(dir);
  return info
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === real || m.startsWith(real + '/'))
    .sort((a, b) => b.length - a.length);
}

/**
 * nspawn mounts inside its own mount namespace, so normally nothing is mounted here. But a test may
 * have bind-mounted something, and rm -r would follow a bind mount into the host (rm's
 * --one-file-system does not help: a bind mount has the same st_dev). So: umount -R, verify, else refuse.
 */
async function unmountBelow(dir: string): Promise<void> {
  for (const m of await mountsBelow(dir)) {
    await execa('umount', ['-R', m], { reject: false });
  }
  let left = await mountsBelow(dir);
  if (left.length) {
    // Busy mounts: detach them lazily; detached trees are no longer reachable through dir.
    for (const m of left) await execa('umount', ['-R', '-l', m], { reject: false });
    left = await mountsBelow(dir);
  }
  if (left.length) throw new Error(`refusing to delete ${dir}: still mounted: ${left.join(', ')}`);
}

/**
 * Last resort for roots a test did not destroy (failed before its finally, timed out, forgot): on
 * process exit, synchronously kill their containers, detach their mounts and delete them, so no
 * overlay mounts or running containers outlive the test process. (Not reached on SIGKILL.)
 */
const live = new Set<RootImpl>();
function trackLive(root: RootImpl): void {
  if (live.size === 0 && !exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const r of live) {
        if (r.booted?.running) safeKill(r.booted.pid, 'SIGKILL');
        spawnSync('umount', ['-R', '-l', r.path]); // fails harmlessly if not mounted
        const info = readFileSync('/proc/self/mountinfo', 'utf8');
        if (!parseMounts(info, r.dir).length) rmSync(r.dir, { recursive: true, force: true });
      }
    });
  }
  live.add(root);
}
let exitHookInstalled = false;

// ---------------------------------------------------------------------------------------------
// Small helpers

async function run(
  file: string,
  args: string[],
  opts: ExecOptions & { cleanEnv?: boolean; dropStderr?: RegExp },
  shown: string[],
): Promise<ExecResult> {
  const r = await execa(file, args, {
    reject: false,
    stripFinalNewline: false,
    timeout: opts.timeoutMs ?? 5 * 60_000,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    ...(opts.cleanEnv ? { env: opts.env, extendEnv: false } : {}),
  });
  const result: ExecResult = {
    command: shown.join(' '),
    exitCode: r.exitCode ?? -1,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
  };
  if (opts.dropStderr) result.stderr = result.stderr.replace(opts.dropStderr, '');
  if (r.timedOut) result.stderr += `\n[killed after ${opts.timeoutMs ?? 300_000} ms]`;
  if (opts.check && result.exitCode !== 0) {
    throw new Error(
      `\`${result.command}\` exited with ${result.exitCode}\n--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`,
    );
  }
  return result;
}

/** A non-empty file, or a directory. */
async function exists(p: string): Promise<boolean> {
  try {
    const st = await stat(p);
    return st.isDirectory() || st.size > 0;
  } catch {
    return false;
  }
}

async function readText(p: string): Promise<string> {
  try {
    return await readFile(p, 'utf8');
  } catch {
    return '';
  }
}

function tail(s: string, lines = 60): string {
  return s.split('\n').slice(-lines).join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const done = await Promise.race([p.then(() => true), timeout]);
  clearTimeout(timer);
  return done;
}

function safeKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
