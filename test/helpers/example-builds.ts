// Versions of the example app for upgrade/downgrade tests, built with the CLI.
import assert from 'node:assert/strict';
import { appendFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXAMPLE_APP, runCli, tempDir } from './testdir.js';

/** Where the example's hooks append "VERSION PHASE $#: $*" on the installed system. */
export const HOOK_LOG = '/var/log/acme-hello-hooks.log';

/**
 * Builds the example app at `version` for `targets`: from 1.1.0 on its environment file
 * documents one more variable (so a conffile edit meets a changed packaged file), and every
 * maintainer-script phase has a hook that logs the version, phase and arguments to HOOK_LOG.
 * `extraArgs` go to pkgapp build (e.g. --sign-key); `configure` may change the pkgapp config;
 * `serverCode` is appended to server.js (it sees the express `app`).
 */
export async function buildExampleVersion(
  version: string,
  targets: ('deb' | 'rpm')[],
  extraArgs: string[] = [],
  configure?: (pkgapp: Record<string, unknown>) => void,
  serverCode?: string,
  /** Adds files to the app directory before the build (e.g. a large data set). */
  prepare?: (dir: string) => Promise<void>,
): Promise<Record<string, string>> {
  const dir = await tempDir('pkgapp-example-');
  for (const f of ['package.json', 'package-lock.json', 'server.js', 'bin'])
    await cp(path.join(EXAMPLE_APP, f), path.join(dir, f), { recursive: true });
  const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
  const lock = JSON.parse(await readFile(path.join(dir, 'package-lock.json'), 'utf8'));
  pkg.version = lock.version = lock.packages[''].version = version;
  if (version !== '1.0.0') pkg.pkgapp.env.LOG_LEVEL = { default: 'info', description: 'Log verbosity' };
  await mkdir(path.join(dir, 'hooks'));
  await writeFile(path.join(dir, 'hooks/log.sh'), `echo "${version} $PKGAPP_HOOK_PHASE $#: $*" >> ${HOOK_LOG}\n`);
  pkg.pkgapp.hooks = {
    preinst: 'hooks/log.sh',
    postinst: 'hooks/log.sh',
    prerm: 'hooks/log.sh',
    postrm: 'hooks/log.sh',
  };
  configure?.(pkg.pkgapp);
  if (serverCode !== undefined) await appendFile(path.join(dir, 'server.js'), `\n${serverCode}\n`);
  await prepare?.(dir);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  await writeFile(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  const result = await runCli(['build', '-C', dir, ...targets.flatMap((t) => ['-t', t]), ...extraArgs, '--json'], {
    env: { SOURCE_DATE_EPOCH: '1795651200' },
  });
  assert.equal(result.exitCode, 0, result.stderr);
  const built = JSON.parse(result.stdout).packages as { format: string; path: string }[];
  return Object.fromEntries(built.map((p) => [p.format, p.path]));
}
