// The peers' inputs: the exact trees pkgapp packaged, laid out for dpkg-deb and for an rpm spec.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run, shellQuote } from './run.js';

export interface DebTree {
  /** Package root: DEBIAN/ (control, conffiles, scripts) and the files (opt/NAME/...). */
  root: string;
  /** Paths relative to root that dpkg tracks as conffiles, left out of md5sums as pkgapp does. */
  conffiles: string[];
}

/**
 * Extracts a pkgapp .deb into a dpkg-deb build tree: same files, modes, links and control
 * members. md5sums is removed: the timed dpkg-deb command computes it.
 */
export async function prepareDebTree(deb: string, root: string): Promise<DebTree> {
  await mkdir(root, { recursive: true });
  await run(['dpkg-deb', '-x', deb, root]);
  await run(['dpkg-deb', '-e', deb, path.join(root, 'DEBIAN')]);
  await rm(path.join(root, 'DEBIAN', 'md5sums'), { force: true });
  const conffiles = await readFile(path.join(root, 'DEBIAN', 'conffiles'), 'utf8').catch(() => '');
  return {
    root,
    conffiles: conffiles
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^\//, '')),
  };
}

/** md5sums with find | xargs md5sum (one core, as packaging scripts do), then dpkg-deb --build. */
export function dpkgDebCommand(tree: DebTree, outFile: string, compressor: string, level: number): string[] {
  const skipConffiles = tree.conffiles.map((f) => `-path ${shellQuote(`./${f}`)} -prune -o `).join('');
  const script = [
    'set -euo pipefail',
    `cd ${shellQuote(tree.root)}`,
    `find . -path ./DEBIAN -prune -o ${skipConffiles}-type f -printf '%P\\0' | xargs -0 -r md5sum > DEBIAN/md5sums`,
    `dpkg-deb --root-owner-group -Z${compressor} -z${level} --build . ${shellQuote(outFile)} > /dev/null`,
  ].join('\n');
  return ['bash', '-c', script];
}

export interface RpmSpec {
  spec: string;
  topDir: string;
  /** The build root rpmbuild fills (removed between runs). */
  buildRoot: string;
  /** Lines of %files, for the report. */
  filesSection: string[];
}

interface RpmFileRow {
  path: string;
  isDir: boolean;
  owner: string;
  flags: string;
}

/**
 * Extracts a pkgapp .rpm into `srcDir` and writes a spec whose %install hard-links that tree
 * into the build root, with the same payload compression and sha256 file digests, no
 * dependency generation, no strip or brp scripts, and a %files list as short as the tree
 * allows (whole directories when pkgapp owns everything below them).
 */
export async function prepareRpmSpec(rpm: string, workDir: string): Promise<RpmSpec> {
  const srcDir = path.join(workDir, 'rpm-src');
  const topDir = path.join(workDir, 'rpm-top');
  await mkdir(srcDir, { recursive: true });
  await mkdir(topDir, { recursive: true });
  await run([
    'bash',
    '-c',
    `set -o pipefail; rpm2cpio ${shellQuote(rpm)} | (cd ${shellQuote(srcDir)} && cpio -idm --quiet --no-absolute-filenames)`,
  ]);
  const info = (
    await run(['rpm', '-qp', '--qf', '%{NAME}\\n%{VERSION}\\n%{RELEASE}\\n%{ARCH}\\n%{LICENSE}\\n%{SUMMARY}\\n', rpm])
  ).split('\n');
  const [name = 'app', version = '0', release = '1', arch = 'noarch', license = 'unknown', summary = 'app'] = info;
  const rows: RpmFileRow[] = (
    await run([
      'rpm',
      '-qp',
      '--qf',
      '[%{FILENAMES}\\t%{FILEMODES:perms}\\t%{FILEUSERNAME}\\t%{FILEFLAGS:fflags}\\n]',
      rpm,
    ])
  )
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [file = '', perms = '', owner = 'root', flags = ''] = line.split('\t');
      return { path: file, isDir: perms.startsWith('d'), owner, flags };
    });
  const treePaths = (await run(['find', srcDir, '-mindepth', '1', '-printf', '/%P\\n'])).split('\n').filter(Boolean);
  const filesSection = filesLines(rows, treePaths);
  const spec = [
    "# Written by scripts/bench: packages the tree of pkgapp's rpm the way a hand-written spec would.",
    '%define _binary_payload w6.gzdio',
    '%define _source_payload w6.gzdio',
    '%define _binary_filedigest_algorithm 8',
    '%define _build_id_links none',
    '%define debug_package %{nil}',
    '%define __spec_install_post %{nil}',
    '%define __os_install_post %{nil}',
    '%define __arch_install_post %{nil}',
    `Name: ${name}`,
    `Version: ${version}`,
    `Release: ${release}`,
    `Summary: ${summary}`,
    `License: ${license}`,
    ...(arch === 'noarch' ? ['BuildArch: noarch'] : []),
    'AutoReqProv: no',
    '',
    '%description',
    summary,
    '',
    '%install',
    'mkdir -p %{buildroot}',
    `cp -al ${shellQuote(srcDir)}/. %{buildroot}/`,
    '',
    '%files',
    '%defattr(-,root,root,-)',
    ...filesSection,
    '',
  ].join('\n');
  const specFile = path.join(workDir, `${name}.spec`);
  await writeFile(specFile, spec);
  return { spec: specFile, topDir, buildRoot: path.join(topDir, 'BUILDROOT'), filesSection };
}

/** rpmbuild -bb of the spec, writing the package under outDir. */
export function rpmbuildCommand(spec: RpmSpec, outDir: string, tmpDir: string): string[] {
  return [
    'rpmbuild',
    '-bb',
    '--quiet',
    '--define',
    `_topdir ${spec.topDir}`,
    '--define',
    `_rpmdir ${outDir}`,
    '--define',
    `_tmppath ${tmpDir}`,
    spec.spec,
  ];
}

/**
 * %files lines: a directory is listed whole when every path below it in the tree is in the
 * package with default attributes; otherwise %dir, and its entries one by one.
 * Owners other than root are not kept (rpmbuild would only warn that the user is unknown).
 */
function filesLines(rows: readonly RpmFileRow[], treePaths: readonly string[]): string[] {
  const listed = new Set(rows.map((r) => r.path));
  const notWhole = new Set<string>();
  const markAncestors = (p: string) => {
    for (let dir = path.posix.dirname(p); dir !== '/' && !notWhole.has(dir); dir = path.posix.dirname(dir))
      notWhole.add(dir);
  };
  for (const p of treePaths) if (!listed.has(p)) markAncestors(p);
  for (const r of rows) if (r.flags) markAncestors(r.path);
  const lines: string[] = [];
  const whole: string[] = [];
  for (const r of [...rows].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (whole.some((d) => r.path.startsWith(`${d}/`))) continue;
    const quoted = /\s/.test(r.path) ? `"${r.path}"` : r.path;
    if (r.isDir) {
      if (notWhole.has(r.path)) lines.push(`%dir ${quoted}`);
      else {
        whole.push(r.path);
        lines.push(quoted);
      }
    } else {
      lines.push(`${attributes(r.flags)}${quoted}`);
    }
  }
  return lines;
}

/** %config(noreplace), %doc, %license, %ghost from rpm's file flag letters. */
function attributes(flags: string): string {
  const parts: string[] = [];
  if (flags.includes('c')) parts.push(flags.includes('n') ? '%config(noreplace)' : '%config');
  if (flags.includes('d')) parts.push('%doc');
  if (flags.includes('l')) parts.push('%license');
  if (flags.includes('g')) parts.push('%ghost');
  return parts.length ? `${parts.join(' ')} ` : '';
}
