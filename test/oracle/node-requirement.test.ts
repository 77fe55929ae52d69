// The Node.js requirement of a whole app, through the CLI: engines.node of installed packages,
// N-API addons (not pinned) and V8 addons (pinned) built here with gcc, pkgapp.nodeVersion, the
// build log that explains it, and the licenses of the old "licenses" form in copyright and SBOM.
// Packages are checked with dpkg-deb and rpm.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { compileAddon, NAPI_ADDON_IMPORTS, V8_ADDON_IMPORTS } from '../helpers/native-addons.js';
import { cleanupTestDirs, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const EPOCH = '1795651200';
const MAJOR = Number(process.versions.node.split('.')[0]);

/** An app whose node_modules holds `deps` (name → package.json fields), with --no-install's lockfile. */
async function appWith(pkg: Record<string, unknown>, deps: Record<string, Record<string, unknown>>): Promise<string> {
  const lockPackages = Object.fromEntries(
    Object.keys(deps).map((name) => [`node_modules/${name}`, { version: '1.0.0' }]),
  );
  const files: Record<string, string | object> = {
    ...minimalApp({ dependencies: Object.fromEntries(Object.keys(deps).map((n) => [n, '1.0.0'])), ...pkg }),
    'package-lock.json': {
      name: 'tiny-app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': {
          name: 'tiny-app',
          version: '1.0.0',
          dependencies: Object.fromEntries(Object.keys(deps).map((n) => [n, '1.0.0'])),
        },
        ...lockPackages,
      },
    },
  };
  for (const [name, fields] of Object.entries(deps))
    files[`node_modules/${name}/package.json`] = { name, version: '1.0.0', ...fields };
  return makeApp(files);
}

async function addon(dir: string, pkg: string, imports: readonly string[]): Promise<void> {
  await mkdir(path.join(dir, 'node_modules', pkg, 'build/Release'), { recursive: true });
  await compileAddon(path.join(dir, 'node_modules', pkg, 'build/Release', `${pkg}.node`), imports);
}

async function build(dir: string, args: string[] = []) {
  const out = await tempDir();
  const r = await runCli(['build', '-C', dir, '-o', out, '-t', 'deb', '-t', 'rpm', '--no-install', ...args], {
    env: { SOURCE_DATE_EPOCH: EPOCH, PATH: process.env['PATH']! },
  });
  const files = (await execa('ls', [out])).stdout.split('\n');
  const deb = files.find((f) => f.endsWith('.deb'));
  const rpm = files.find((f) => f.endsWith('.rpm'));
  return {
    ...r,
    out,
    deb: deb && path.join(out, deb),
    rpm: rpm && path.join(out, rpm),
    sbom: files.find((f) => f.endsWith('.cdx.json')),
  };
}

test("the floor comes from the installed packages' engines.node, and the log says which", async (t) => {
  if (!requireTools(t, ['dpkg-deb', 'rpm'])) return;
  const dir = await appWith(
    { engines: { node: '>=18' } },
    {
      modern: { license: 'MIT', engines: { node: '^18.17.0 || >=20.3.0' } },
      old: {
        licenses: [{ type: 'MIT', url: 'https://example.com' }, { type: 'Apache-2.0' }],
        engines: { node: '>=0.10' },
      },
      legacy: { license: { type: 'BSD-3-Clause' } },
    },
  );
  const r = await build(dir);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(
    r.stderr,
    /Node\.js requirement: >= 18\.17\.0 \(set by engines\.node of modern@1\.0\.0 \(\^18\.17\.0 \|\| >=20\.3\.0\)\)/,
  );
  assert.doesNotMatch(r.stderr, /will not install on Debian 12/);
  assert.equal((await execa('dpkg-deb', ['--field', r.deb!, 'Depends'])).stdout, 'nodejs (>= 18.17.0), adduser');
  assert.match(
    (await execa('rpm', ['-qp', '--requires', r.rpm!])).stdout,
    /^\(nodejs\(engine\) >= 18\.17\.0 or .* or nodejs >= 2:18\.17\.0\)$/m,
  );
  // Licenses in the old forms: in the copyright file and the SBOM, none reported missing.
  const x = await tempDir();
  await execa('dpkg-deb', ['-x', r.deb!, x]);
  const copyright = await readFile(path.join(x, 'usr/share/doc/tiny-app/copyright'), 'utf8');
  assert.match(copyright, /Files: opt\/tiny-app\/node_modules\/old\/\*\n.*\n.*\nLicense: MIT OR Apache-2\.0\n/);
  assert.match(copyright, /Files: opt\/tiny-app\/node_modules\/legacy\/\*\n.*\n.*\nLicense: BSD-3-Clause\n/);
  assert.doesNotMatch(r.stderr, /declare no license/);
  const sbom = JSON.parse(await readFile(path.join(r.out, r.sbom!), 'utf8')) as {
    components: { name: string; licenses?: unknown[] }[];
  };
  assert.deepEqual(sbom.components.find((c) => c.name === 'old')?.licenses, [{ expression: 'MIT OR Apache-2.0' }]);
  assert.deepEqual(sbom.components.find((c) => c.name === 'legacy')?.licenses, [{ license: { id: 'BSD-3-Clause' } }]);
});

test('a dependency needing a newer Node.js raises the floor and warns about Debian 12; pkgapp.nodeVersion lowers it', async (t) => {
  if (!requireTools(t, ['dpkg-deb'])) return;
  const deps = { next: { license: 'MIT', engines: { node: '>=22.11.0' } } };
  const strict = await build(await appWith({}, deps));
  assert.equal(strict.exitCode, 0, strict.stderr);
  assert.match(
    strict.stderr,
    /Node\.js requirement: >= 22\.11\.0 \(set by engines\.node of next@1\.0\.0 \(>=22\.11\.0\)\)/,
  );
  assert.match(
    strict.stderr,
    /warning: the package needs nodejs >= 22\.11\.0: it will not install on Debian 12 \(nodejs 18\.20\.4\).*--node bundled/,
  );
  assert.equal((await execa('dpkg-deb', ['--field', strict.deb!, 'Depends'])).stdout, 'nodejs (>= 22.11.0), adduser');
  // A pipeline reading --json sees the warning too: on stderr, stdout stays one JSON document.
  const json = await build(await appWith({}, deps), ['--json']);
  assert.equal(json.exitCode, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).packages.length, 2);
  assert.match(
    json.stderr,
    /^pkgapp: warning: the package needs nodejs >= 22\.11\.0: it will not install on Debian 12/m,
  );
  assert.doesNotMatch(json.stderr, /Node\.js requirement:/, 'only warnings, not the progress log');

  const lowered = await build(await appWith({ pkgapp: { nodeVersion: '>=18' } }, deps));
  assert.equal(lowered.exitCode, 0, lowered.stderr);
  assert.match(
    lowered.stderr,
    /Node\.js requirement: >= 18 \(pkgapp\.nodeVersion ">=18", which replaces the engines\.node floor \(>= 22\.11\.0, set by next@1\.0\.0 \(>=22\.11\.0\)\)\)/,
  );
  assert.doesNotMatch(lowered.stderr, /will not install on Debian 12/);
  assert.equal((await execa('dpkg-deb', ['--field', lowered.deb!, 'Depends'])).stdout, 'nodejs (>= 18), adduser');

  // --node bundled with the running node: too old for 99, fine for the lowered floor.
  const bundledTooOld = await build(await appWith({ engines: { node: '>=99' } }, {}), ['--node', 'bundled']);
  assert.equal(bundledTooOld.exitCode, 2);
  assert.match(
    bundledTooOld.stderr,
    new RegExp(
      `the bundled Node\\.js ${process.versions.node.replace(/\./g, '\\.')} is older than the app needs: >= 99\\.0\\.0`,
    ),
  );
});

test('N-API addons are not pinned to a major; addons compiled against V8 are, and the log says why', async (t) => {
  if (!requireTools(t, ['gcc', 'dpkg-deb', 'rpm'])) return;
  const napiDir = await appWith({ engines: { node: '>=16' } }, { img: { license: 'MIT' }, hash: { license: 'MIT' } });
  await addon(napiDir, 'img', NAPI_ADDON_IMPORTS);
  await addon(napiDir, 'hash', ['napi_create_function', 'node_api_symbol_for']);
  const napi = await build(napiDir);
  assert.equal(napi.exitCode, 0, napi.stderr);
  assert.match(
    napi.stderr,
    /native addon \/opt\/tiny-app\/node_modules\/img\/build\/Release\/img\.node: N-API 5 \(uses napi_add_finalizer\): any Node\.js >= 10\.17\.0, not pinned to a major/,
  );
  assert.match(
    napi.stderr,
    /native addon \/opt\/tiny-app\/node_modules\/hash\/build\/Release\/hash\.node: N-API 9 \(uses node_api_symbol_for\)/,
  );
  assert.match(
    napi.stderr,
    /Node\.js requirement: >= 18\.17\.0 \(set by N-API 9 of \/opt\/tiny-app\/node_modules\/hash\/build\/Release\/hash\.node\)/,
  );
  const depends = (await execa('dpkg-deb', ['--field', napi.deb!, 'Depends'])).stdout;
  assert.equal(
    depends,
    'nodejs (>= 18.17.0), adduser',
    "no upper bound: it loads on Debian 12's node 18 and on any later major",
  );
  assert.doesNotMatch((await execa('rpm', ['-qp', '--requires', napi.rpm!])).stdout, /nodejs\(abi/);

  const v8Dir = await appWith({}, { old: { license: 'MIT' } });
  await addon(v8Dir, 'old', V8_ADDON_IMPORTS);
  const v8 = await build(v8Dir);
  assert.equal(v8.exitCode, 0, v8.stderr);
  assert.match(
    v8.stderr,
    new RegExp(
      `native addon /opt/tiny-app/node_modules/old/build/Release/old\\.node: compiled against V8/Node\\.js C\\+\\+ \\(imports _ZN2v87Isolate10GetCurrentEv, node_module_register\\): loads on Node\\.js ${MAJOR} only`,
    ),
  );
  assert.equal(
    (await execa('dpkg-deb', ['--field', v8.deb!, 'Depends'])).stdout,
    `nodejs (>= ${MAJOR}), nodejs (<< ${MAJOR + 1}), adduser`,
  );
  assert.match(
    (await execa('rpm', ['-qp', '--requires', v8.rpm!])).stdout,
    new RegExp(`^nodejs\\(abi${MAJOR}\\)$`, 'm'),
  );
});
