// Every error pkgapp reports, by code: when it happens and what to do. THE list: docs/errors.md
// is generated from it (npm run docs), the CLI prints an entry's `fix` when an error carries no
// hint of its own, and test/cli/error-catalogue.test.ts fails when a code used in src/ is
// missing here or an entry has no test that triggers it.
import { EXIT_FAILURE, EXIT_USAGE } from './errors.js';

export type CatalogueSection = 'usage' | 'options' | 'app' | 'build' | 'keys' | 'packages' | 'repository' | 'unexpected';

export interface CatalogueEntry {
  /** The stable code printed with the error, e.g. PKGAPP_LOCKFILE_MISSING. */
  code: string;
  /** 2: bad usage or bad input; 1: a step failed; 130: interrupted, 143 when by SIGTERM (docs/errors.md). */
  exitCode: typeof EXIT_USAGE | typeof EXIT_FAILURE | 130;
  section: CatalogueSection;
  /** When it happens, one line, for users. */
  when: string;
  /** What to do about it (also the hint printed when the error has none of its own). */
  fix: string;
}

export const CATALOGUE_SECTIONS: Record<CatalogueSection, string> = {
  usage: 'Command line',
  options: 'Build options',
  app: 'The app: package.json, lockfile, configuration',
  build: 'Building',
  keys: 'Signing keys',
  packages: 'Reading packages (inspect, verify, publish)',
  repository: 'Repositories (publish, promote)',
  unexpected: 'Unexpected failures',
};

const U = EXIT_USAGE;
const F = EXIT_FAILURE;

export const ERROR_CATALOGUE: readonly CatalogueEntry[] = [
  // Command line (commander's parse errors, mapped in src/cli/main.ts).
  { code: 'PKGAPP_USAGE_NO_COMMAND', exitCode: U, section: 'usage', when: '`pkgapp` was run without a command.', fix: 'Give a command: build, publish, promote, inspect, verify, init or keygen (`pkgapp --help` lists them)' },
  { code: 'PKGAPP_USAGE_UNKNOWN_COMMAND', exitCode: U, section: 'usage', when: 'The command is not one of pkgapp\'s (a typo such as `pkgapp bild`).', fix: 'Use one of the commands `pkgapp --help` lists; pkgapp suggests the nearest one' },
  { code: 'PKGAPP_USAGE_UNKNOWN_OPTION', exitCode: U, section: 'usage', when: 'An option the command does not have.', fix: 'Check the spelling: `pkgapp COMMAND --help` lists the command\'s options' },
  { code: 'PKGAPP_USAGE_OPTION_ARGUMENT', exitCode: U, section: 'usage', when: 'An option that takes a value was given without one (e.g. `-C` last on the line).', fix: 'Put the value right after the option, e.g. `-C path/to/app`' },
  { code: 'PKGAPP_USAGE_REQUIRED_OPTION', exitCode: U, section: 'usage', when: 'A required option is missing: `--repo` (publish, promote), `--from`/`--to` (promote), `--key` (verify), `--name`/`--email` (keygen).', fix: 'Add the option the message names' },
  { code: 'PKGAPP_USAGE_MISSING_ARGUMENT', exitCode: U, section: 'usage', when: 'The command\'s argument is missing: the package file (inspect, verify, publish) or NAME=VERSION (promote).', fix: 'Add the argument the message names (`pkgapp COMMAND --help` shows the usage)' },
  { code: 'PKGAPP_USAGE_EXCESS_ARGUMENTS', exitCode: U, section: 'usage', when: 'More arguments than the command takes, e.g. `pkgapp build DIR`.', fix: 'Give the app directory with `-C DIR`; quote values that contain spaces' },

  // Build options.
  { code: 'PKGAPP_TARGET_UNKNOWN', exitCode: U, section: 'options', when: '`--target` is neither `deb` nor `rpm`.', fix: 'Use `-t deb`, `-t rpm`, or both' },
  { code: 'PKGAPP_COMPRESSION_UNKNOWN', exitCode: U, section: 'options', when: '`--compression` is not gzip, xz, zstd or none.', fix: 'Use `--compression gzip|xz|zstd|none`' },
  { code: 'PKGAPP_OUT_DIR_INVALID', exitCode: U, section: 'options', when: 'The output directory (`-o`) cannot be created: a file is in the way, or no write access.', fix: 'Pass `-o` a directory you can write to (a relative path is taken from `-C`)' },
  { code: 'PKGAPP_LEVEL_INVALID', exitCode: U, section: 'options', when: '`--level` is not a whole number in the compressor\'s range.', fix: 'Use 1-9 for gzip and xz, 1-19 for zstd, 0 for none, or leave `--level` out' },
  { code: 'PKGAPP_ARCH_INVALID', exitCode: U, section: 'options', when: '`--arch` names an architecture pkgapp does not know.', fix: 'Use all, or a Debian (amd64, arm64, ...) or rpm (x86_64, aarch64, ...) name' },
  { code: 'PKGAPP_NODE_INVALID', exitCode: U, section: 'options', when: '`--node` is neither `system` nor `bundled`.', fix: 'Use `--node system` (depend on the nodejs package) or `--node bundled` (ship node in the package)' },
  { code: 'PKGAPP_RELEASE_INVALID', exitCode: U, section: 'options', when: '`--release` is not a packaging revision (it must start with a digit; no `-`).', fix: 'Use a number such as `--release 2`' },
  { code: 'PKGAPP_VERSION_INVALID', exitCode: U, section: 'options', when: 'package.json `"version"` or `--version` is not a semver version.', fix: 'Use MAJOR.MINOR.PATCH with an optional -prerelease, e.g. 1.2.3 or 1.2.0-beta.1' },
  { code: 'PKGAPP_VERSION_HYPHEN', exitCode: U, section: 'options', when: 'A prerelease or build identifier of the version contains `-` (e.g. `1.0.0-rc-1`), which deb and rpm read as the release separator.', fix: 'Separate identifiers with dots: `1.0.0-rc.1`' },
  { code: 'PKGAPP_SOURCE_DATE_EPOCH_INVALID', exitCode: U, section: 'options', when: 'The `SOURCE_DATE_EPOCH` environment variable is set but not a whole number of seconds.', fix: 'Set it to seconds since 1970, e.g. `SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)`, or unset it' },
  { code: 'PKGAPP_NODE_BINARY_INVALID', exitCode: U, section: 'options', when: '`--node-binary` is not an executable node binary nor a Node.js directory with bin/node.', fix: 'Point it at an official Node.js build, e.g. `node-v20.18.0-linux-x64/`' },
  { code: 'PKGAPP_NODE_BINARY_SHARED', exitCode: U, section: 'options', when: 'The node to bundle is a shared-library build (it loads libnode.so, as Debian\'s does) and would not run alone.', fix: 'Bundle an official Node.js build (nodejs.org tarball or NodeSource) with `--node-binary`' },
  { code: 'PKGAPP_HOST_ARCH_UNKNOWN', exitCode: U, section: 'options', when: 'The app ships native code and the build machine\'s architecture has no deb/rpm name pkgapp knows.', fix: 'Build on amd64, arm64, armhf, i386, ppc64el, s390x or riscv64, or give `--arch` with `--force-arch` when the binaries are for that architecture' },
  { code: 'PKGAPP_ARCH_NATIVE_MISMATCH', exitCode: U, section: 'options', when: '`--arch` asks for another architecture (or `all`) than the one the app\'s native addons were built for.', fix: 'Leave out `--arch`, build on a machine of that architecture, or add `--force-arch` if the binaries really are for it' },

  // The app.
  { code: 'PKGAPP_PACKAGE_JSON_MISSING', exitCode: U, section: 'app', when: 'The app directory has no readable package.json (wrong directory?).', fix: 'Run pkgapp in the app\'s directory or pass `-C DIR`' },
  { code: 'PKGAPP_PACKAGE_JSON_MALFORMED', exitCode: U, section: 'app', when: 'package.json is not valid JSON.', fix: 'Fix the JSON syntax at the position the message gives' },
  { code: 'PKGAPP_PACKAGE_JSON_INVALID', exitCode: U, section: 'app', when: 'package.json holds JSON that is not an object (an array, a string, ...).', fix: 'package.json must be an object with at least "name" and "version"' },
  { code: 'PKGAPP_PACKAGE_JSON_FIELD', exitCode: U, section: 'app', when: 'package.json lacks `"name"` or `"version"`, or it is not a string.', fix: 'Add the field to package.json' },
  { code: 'PKGAPP_NAME_INVALID', exitCode: U, section: 'app', when: 'The package name (from package.json `"name"` or `pkgapp.name`) is not a valid deb/rpm name.', fix: 'Set `"pkgapp": { "name": "my-app" }`: lowercase letters, digits, `+`, `-` and `.`' },
  { code: 'PKGAPP_MAINTAINER_MISSING', exitCode: U, section: 'app', when: 'No maintainer with an email: package.json `"author"` has none and `pkgapp.maintainer` is not set.', fix: 'Set `"author": "Name <email@example.com>"` or `pkgapp.maintainer`' },
  { code: 'PKGAPP_ENGINES_INVALID', exitCode: U, section: 'app', when: 'package.json `"engines.node"` or `pkgapp.nodeVersion` is not a semver range.', fix: 'Use a range such as `">=18"`' },
  { code: 'PKGAPP_BIN_INVALID', exitCode: U, section: 'app', when: 'A package.json `"bin"` entry has an unusable command name or a target that is not a path.', fix: 'Command names: letters, digits, `.`, `_`, `+`, `-`; targets: paths inside the app' },
  { code: 'PKGAPP_SERVICE_ENTRY', exitCode: U, section: 'app', when: 'pkgapp cannot tell how to start the service: no `"start"` script, no `"main"`, no `pkgapp.service.command` or `.entry`.', fix: 'Set `pkgapp.service.command` (or `.entry`), or `"service": false` for an app without a service' },
  { code: 'PKGAPP_START_COMMAND', exitCode: U, section: 'app', when: 'The `"start"` script (or `pkgapp.service.command`) does more than run one program: `&&`, `|`, `;`, `$VAR`, `npm run x`, `cd`, a redirection, `node -e`…; the message names the part.', fix: 'Set `pkgapp.service.command` to `[VAR=value …] node [OPTIONS] FILE [ARGS]` or `BIN [ARGS]` (a production dependency\'s bin), or `.entry` and `.args`' },
  { code: 'PKGAPP_START_BIN', exitCode: U, section: 'app', when: 'The start command runs a command (`next start`) that no production dependency provides in its package.json `"bin"` (a devDependency\'s is not shipped).', fix: 'Add the package that provides it to `"dependencies"`, or set `pkgapp.service.entry` to a script' },
  { code: 'PKGAPP_PATH_OUTSIDE_APP', exitCode: U, section: 'app', when: '`pkgapp.service.entry` or a `"bin"` target points outside the app directory (absolute, or with `..`).', fix: 'Use a path relative to the app directory, inside it' },
  { code: 'PKGAPP_ENTRY_MISSING', exitCode: U, section: 'app', when: 'The service entry or a bin script is not among the app files; the message says which rule left it out (package.json `"files"`, .npmignore, .gitignore for files that are not build output, a secret pattern, `pkgapp.exclude`) or that it does not exist.', fix: 'Create the file, or change the rule named (`pkgapp.include` adds any path); docs/file-selection.md has the rules' },
  { code: 'PKGAPP_CONFIG_FILE_MISSING', exitCode: U, section: 'app', when: 'pkgapp.config.json exists but cannot be read (a directory, or no permission).', fix: 'Make pkgapp.config.json a readable file, or remove it' },
  { code: 'PKGAPP_CONFIG_FILE_MALFORMED', exitCode: U, section: 'app', when: 'pkgapp.config.json is not valid JSON.', fix: 'Fix the JSON syntax at the position the message gives' },
  { code: 'PKGAPP_CONFIG_TWICE', exitCode: U, section: 'app', when: 'Configuration is in both package.json `"pkgapp"` and pkgapp.config.json.', fix: 'Keep one of them: move the keys into one place and delete the other' },
  { code: 'PKGAPP_CONFIG_INVALID', exitCode: U, section: 'app', when: 'The configuration has an unknown key, a value of the wrong type, or contradicts itself; the message names each key path.', fix: 'Fix the keys named; docs/configuration.md lists every key and its type' },
  { code: 'PKGAPP_DEPENDS_INVALID', exitCode: U, section: 'app', when: 'An entry of `pkgapp.depends.deb` or `pkgapp.depends.rpm` is not a Debian relation / rpm requirement.', fix: 'Write one package per entry: `"libfoo1 (>= 1.2)"` for deb, `"libfoo >= 1.2"` for rpm' },
  { code: 'PKGAPP_HOOK_UNREADABLE', exitCode: U, section: 'app', when: 'A `pkgapp.hooks` script cannot be read.', fix: 'Hook paths are relative to the app directory: check the path and that the file exists' },
  { code: 'PKGAPP_HOOK_INVALID', exitCode: U, section: 'app', when: 'A hook script contains a line `PKGAPP_HOOK_EOF`, which pkgapp reserves.', fix: 'Remove or rename that line in the hook script' },
  { code: 'PKGAPP_LOCKFILE_MISSING', exitCode: U, section: 'app', when: 'The app has no lockfile: package-lock.json, npm-shrinkwrap.json, yarn.lock or pnpm-lock.yaml.', fix: 'Run `npm install` (or yarn, pnpm) and commit the lockfile: pkgapp ships exactly what it pins' },
  { code: 'PKGAPP_LOCKFILE_MALFORMED', exitCode: U, section: 'app', when: 'The lockfile cannot be parsed (not valid JSON or YAML, or not what its package manager writes).', fix: 'Regenerate it with the package manager (`npm install`, `yarn install`, `pnpm install`)' },
  { code: 'PKGAPP_LOCKFILE_VERSION', exitCode: U, section: 'app', when: 'The lockfile format is too old for pkgapp (npm 6\'s lockfileVersion 1, an old pnpm lockfile).', fix: 'Upgrade it with a current package manager, e.g. `npm install --package-lock-only`' },
  { code: 'PKGAPP_LOCKFILE_STALE', exitCode: U, section: 'app', when: 'The lockfile does not match package.json\'s dependencies (each difference is listed).', fix: 'Run the package manager\'s install to update the lockfile, then commit it' },
  { code: 'PKGAPP_LINK_OUTSIDE', exitCode: U, section: 'app', when: 'The lockfile links a package from a directory outside the project (e.g. `file:../lib`).', fix: 'Depend on a published version, or make it a workspace of the same monorepo' },
  { code: 'PKGAPP_PACKAGE_MANAGER_UNSUPPORTED', exitCode: U, section: 'app', when: 'package.json `"packageManager"` names a tool pkgapp does not support, or the only lockfile is Bun\'s.', fix: 'Install with npm, Yarn or pnpm and commit its lockfile' },
  { code: 'PKGAPP_PACKAGE_MANAGER_CONFLICT', exitCode: U, section: 'app', when: 'package.json `"packageManager"` disagrees with the lockfile (another tool, or another Yarn generation).', fix: 'Install with the tool `"packageManager"` names and commit its lockfile, or correct `"packageManager"`' },
  { code: 'PKGAPP_PACKAGE_MANAGER_AMBIGUOUS', exitCode: U, section: 'app', when: 'Lockfiles of several package managers, and no `"packageManager"` to choose.', fix: 'Delete the lockfiles you do not use, or set package.json `"packageManager"`' },
  { code: 'PKGAPP_PACKAGE_MANAGER_MISSING', exitCode: U, section: 'app', when: 'The app\'s package manager (pnpm, Yarn) is not on PATH, is the wrong generation, or .yarnrc.yml\'s yarnPath does not exist.', fix: 'Install it (the message says how) or put it first on PATH; commit the Yarn release yarnPath names' },
  { code: 'PKGAPP_YARN_PNP_UNSUPPORTED', exitCode: U, section: 'app', when: 'A Yarn Berry app uses Plug\'n\'Play (no node_modules to package).', fix: 'Add `nodeLinker: node-modules` to .yarnrc.yml and run `yarn install`' },
  { code: 'PKGAPP_YARNRC_MALFORMED', exitCode: U, section: 'app', when: '.yarnrc.yml is not valid YAML.', fix: 'Fix the YAML syntax of .yarnrc.yml' },
  { code: 'PKGAPP_WORKSPACE_CONFIG', exitCode: U, section: 'app', when: 'pnpm-workspace.yaml cannot be read or parsed.', fix: 'Fix the YAML syntax of pnpm-workspace.yaml' },
  { code: 'PKGAPP_WORKSPACE_NOT_FOUND', exitCode: U, section: 'app', when: '`--workspace` names no workspace of the monorepo (or the project has none).', fix: 'Pass a workspace\'s package name or directory (the message lists them), with -C at the monorepo root' },
  { code: 'PKGAPP_NODE_MODULES_MISMATCH', exitCode: U, section: 'app', when: 'With `--no-install`, node_modules does not hold what the lockfile pins (missing or other versions).', fix: 'Install exactly the lockfile (`npm ci`, `pnpm install --frozen-lockfile`, ...), or build without `--no-install`' },
  { code: 'PKGAPP_NODE_MODULES_MISSING', exitCode: U, section: 'app', when: 'With `--no-install`, the app has production dependencies but no node_modules directory at all.', fix: 'Run `npm ci` (or `pnpm install --frozen-lockfile`, `yarn install --immutable`) first, or build without `--no-install`' },
  { code: 'PKGAPP_NATIVE_NOT_BUILT', exitCode: U, section: 'app', when: 'A production package has a binding.gyp but no compiled addon (.node): its install script did not run (ignore-scripts, npm\'s allowScripts, pnpm\'s onlyBuiltDependencies).', fix: 'Let its install script run and build again; with `--no-install`, reinstall node_modules with scripts enabled' },
  { code: 'PKGAPP_LIBRARY_UNMAPPED', exitCode: U, section: 'app', when: 'A native addon or program in the package loads a shared library (DT_NEEDED) that no Debian package is known to provide: neither the build machine\'s dpkg records nor pkgapp\'s table of system libraries name it.', fix: 'Declare its package in `pkgapp.libraries`, e.g. `{ "libvips-cpp.so.42": "libvips42 (>= 8.14)" }`, or map the soname to `false` to ship without a dependency (the server must have the library)' },
  { code: 'PKGAPP_ELF_INVALID', exitCode: U, section: 'app', when: 'A file of the package starts like an ELF object (a native addon, a program) but is truncated or corrupt.', fix: 'Reinstall the package the file belongs to, or leave the file out with `pkgapp.exclude`' },
  { code: 'PKGAPP_NODE_ENGINES_CONFLICT', exitCode: U, section: 'app', when: 'No Node.js version satisfies every `engines.node` of the app and its installed production packages (e.g. `">=20"` and `"<18"`).', fix: 'Update the packages named so their ranges agree, or set `pkgapp.nodeVersion` to the Node.js versions the app really runs on' },
  { code: 'PKGAPP_NODE_ABI_FLOOR', exitCode: U, section: 'app', when: 'A native addon compiled against V8 (not N-API) loads on the Node.js major it was built with only, and that major is below the app\'s Node.js floor, or is not the bundled node\'s major.', fix: 'Build with the Node.js the app runs on (or the one you bundle), use an N-API version of the package, or lower the floor with `pkgapp.nodeVersion`' },
  { code: 'PKGAPP_NODE_TOO_OLD', exitCode: U, section: 'options', when: 'With `--node bundled`, the node to bundle is older than the app\'s Node.js floor (`engines.node` of the app and its packages), or lacks the N-API version an addon uses.', fix: 'Bundle a newer Node.js with `--node-binary`, or lower the floor with `pkgapp.nodeVersion` if the app runs on that node' },
  { code: 'PKGAPP_INIT_EXISTS', exitCode: U, section: 'app', when: '`pkgapp init` found a configuration already (pkgapp.config.json or package.json `"pkgapp"`).', fix: 'Edit the existing configuration; init never overwrites one' },

  // Building.
  { code: 'PKGAPP_NPM_CI', exitCode: F, section: 'build', when: '`npm ci --omit=dev` failed in the staging copy (its output is shown).', fix: 'Fix what npm reports (registry access, .npmrc, a missing tarball), then build again' },
  { code: 'PKGAPP_NPM_CI_NOT_FOUND', exitCode: F, section: 'build', when: '`npm` is not on PATH, so dependencies cannot be installed.', fix: 'Install npm, or build with `--no-install` after `npm ci`' },
  { code: 'PKGAPP_INSTALL_FAILED', exitCode: F, section: 'build', when: 'The production install with pnpm or Yarn failed in the staging copy (its output is shown).', fix: 'Fix what the package manager reports (registry access, its config file), then build again' },
  { code: 'PKGAPP_INSTALL_FAILED_NOT_FOUND', exitCode: F, section: 'build', when: 'pnpm or Yarn was gone when the install started (it was found a moment before).', fix: 'Install the package manager and retry' },
  { code: 'PKGAPP_BUILD_STEP', exitCode: F, section: 'build', when: 'A step of `pkgapp.buildScript` failed: npm ci, `npm run SCRIPT` or npm prune (its output is shown).', fix: 'Fix the build (run `npm run SCRIPT` yourself to see it fail), then build again' },
  { code: 'PKGAPP_BUILD_STEP_NOT_FOUND', exitCode: F, section: 'build', when: '`npm` is not on PATH, so `pkgapp.buildScript` cannot run.', fix: 'Install npm and retry' },
  { code: 'PKGAPP_STRIP_MISSING', exitCode: F, section: 'build', when: 'With CI=true, addons were compiled during the build (node-gyp) but `strip` (binutils) is not on PATH to strip their debug information.', fix: 'Install binutils on the build machine, or pass `--keep-symbols` (`pkgapp.keepSymbols`) to ship the symbols' },
  { code: 'PKGAPP_STRIP_FAILED', exitCode: F, section: 'build', when: '`strip` failed on an addon compiled during the build (its output is shown).', fix: 'Check the file the message names; pass `--keep-symbols` (`pkgapp.keepSymbols`) to ship it unstripped' },
  { code: 'PKGAPP_INTERRUPTED', exitCode: 130, section: 'build', when: '`pkgapp build`, `publish` or `promote` got SIGINT (Ctrl-C; exit 130) or SIGTERM (exit 143): it stopped, removed its temporary files and staging directories, and left the output directory or repository as it was (a publish already putting its new metadata in place finishes first; a second signal exits at once).', fix: 'Run the command again to finish it' },
  { code: 'PKGAPP_PATH_CONFLICT', exitCode: U, section: 'build', when: 'The app ships a file where pkgapp generates one (e.g. `.pkgapp/` in the app directory).', fix: 'Rename or exclude the app\'s file (`pkgapp.exclude`)' },
  { code: 'PKGAPP_COMPRESSOR_NOT_FOUND', exitCode: F, section: 'build', when: '`--compression xz` or `zstd` needs the `xz` or `zstd` program, which is not on PATH.', fix: 'Install it (`apt-get install xz-utils` or `zstd`), or choose `--compression gzip`' },
  { code: 'PKGAPP_RPM_FILE_TOO_LARGE', exitCode: U, section: 'build', when: 'A file of 4 GiB or more would go into an rpm.', fix: 'Build a deb, or keep the file out of the package (`pkgapp.exclude`)' },
  { code: 'PKGAPP_FILE_CHANGED', exitCode: F, section: 'build', when: 'A file of the app changed size while the package was being written.', fix: 'Do not modify the app directory during a build, then retry' },

  // Signing keys.
  { code: 'PKGAPP_SIGN_KEY_MISSING', exitCode: U, section: 'keys', when: 'publish or promote without `--sign-key` or `PKGAPP_SIGN_KEY`: repository metadata must be signed.', fix: 'Pass `--sign-key FILE` or set `PKGAPP_SIGN_KEY`; create a key once with `pkgapp keygen`' },
  { code: 'PKGAPP_SIGN_KEY_UNREADABLE', exitCode: U, section: 'keys', when: 'The `--sign-key` file cannot be read.', fix: 'Check the path given to `--sign-key`' },
  { code: 'PKGAPP_SIGN_KEY_INVALID', exitCode: U, section: 'keys', when: 'The `--sign-key` file or `PKGAPP_SIGN_KEY` is not an OpenPGP key.', fix: 'Give the armored secret key that `pkgapp keygen` or `gpg --export-secret-keys --armor` writes' },
  { code: 'PKGAPP_SIGN_KEY_PUBLIC', exitCode: U, section: 'keys', when: 'A public key was given where the secret key is needed.', fix: 'Pass the secret key (KEY.key from `pkgapp keygen`); the public key goes to servers and `--key`' },
  { code: 'PKGAPP_SIGN_KEY_UNSUPPORTED', exitCode: U, section: 'keys', when: 'The key is not a v4 RSA or Ed25519 key, which rpm 4.x, gpgv and apt need.', fix: 'Create a suitable key with `pkgapp keygen`' },
  { code: 'PKGAPP_SIGN_KEY_EXPIRED', exitCode: U, section: 'keys', when: 'The signing key has expired.', fix: 'Extend it (`gpg --quick-set-expire`) or create a new key with `pkgapp keygen`' },
  { code: 'PKGAPP_SIGN_KEY_UNUSABLE', exitCode: U, section: 'keys', when: 'The key has no valid signing key (revoked, or no signing subkey).', fix: 'Use another key, or create one with `pkgapp keygen`' },
  { code: 'PKGAPP_SIGN_PASSPHRASE_MISSING', exitCode: U, section: 'keys', when: 'The key is passphrase-protected and `PKGAPP_SIGN_PASSPHRASE` is not set.', fix: 'Set `PKGAPP_SIGN_PASSPHRASE`' },
  { code: 'PKGAPP_SIGN_PASSPHRASE_WRONG', exitCode: U, section: 'keys', when: '`PKGAPP_SIGN_PASSPHRASE` does not unlock the key.', fix: 'Set `PKGAPP_SIGN_PASSPHRASE` to the key\'s passphrase' },
  { code: 'PKGAPP_KEY_TYPE', exitCode: U, section: 'keys', when: '`pkgapp keygen --type` is neither rsa nor ed25519.', fix: 'Use `--type rsa` or `--type ed25519`' },
  { code: 'PKGAPP_KEY_EXPIRES', exitCode: U, section: 'keys', when: '`pkgapp keygen --expires` is not a whole number of days.', fix: 'Give days, e.g. `--expires 730`, or 0 for a key that does not expire' },
  { code: 'PKGAPP_KEY_USER_ID', exitCode: U, section: 'keys', when: '`pkgapp keygen --email` is not an email address, or `--name` is empty or contains `<`, `>` or a newline.', fix: 'Use e.g. `--name "Acme Releases" --email releases@acme.example`' },
  { code: 'PKGAPP_KEY_EXISTS', exitCode: U, section: 'keys', when: '`pkgapp keygen` would overwrite BASE.key or BASE.asc.', fix: 'Choose another `--out`, or move the old key away first' },
  { code: 'PKGAPP_KEY_OUT_INVALID', exitCode: U, section: 'keys', when: '`pkgapp keygen --out` points into a directory that does not exist or cannot be written.', fix: 'Create the directory first, or choose another `--out`' },

  // Reading packages.
  { code: 'PKGAPP_FILE_UNREADABLE', exitCode: U, section: 'packages', when: 'A package file given to inspect, verify or publish cannot be read (missing, a directory, ...).', fix: 'Check the path; give the .deb and .rpm files `pkgapp build` wrote' },
  { code: 'PKGAPP_NOT_A_PACKAGE', exitCode: U, section: 'packages', when: 'A file given to inspect, verify or publish is neither a .deb nor an .rpm (by its content, not its name).', fix: 'Give the .deb and .rpm files `pkgapp build` wrote' },
  { code: 'PKGAPP_DEB_UNREADABLE', exitCode: U, section: 'packages', when: 'A .deb could not be read after it was recognised (removed meanwhile, or an I/O error).', fix: 'Check the file and the disk, then retry' },
  { code: 'PKGAPP_DEB_INVALID', exitCode: U, section: 'packages', when: 'A .deb is truncated or malformed, or lacks control fields a repository needs.', fix: 'Rebuild it, or copy it again' },
  { code: 'PKGAPP_CONTROL_INVALID', exitCode: U, section: 'packages', when: 'A control file of a .deb, or a Packages index of the apt repository, is not valid deb822.', fix: 'Rebuild the package; for a damaged repository index, restore DIR/apt from a backup or republish' },
  { code: 'PKGAPP_RPM_UNREADABLE', exitCode: U, section: 'packages', when: 'An .rpm could not be read after it was recognised (removed meanwhile, or an I/O error).', fix: 'Check the file and the disk, then retry' },
  { code: 'PKGAPP_RPM_INVALID', exitCode: U, section: 'packages', when: 'An .rpm is truncated or malformed.', fix: 'Rebuild it, or copy it again' },
  { code: 'PKGAPP_RPM_DAMAGED', exitCode: U, section: 'packages', when: 'An .rpm\'s stored digests do not match its bytes (changed after it was built); publish refuses it.', fix: 'Rebuild it, or copy it again' },
  { code: 'PKGAPP_VERIFY_KEY_UNREADABLE', exitCode: U, section: 'packages', when: 'The `--key` file of verify or inspect cannot be read.', fix: 'Check the path given to `--key`' },
  { code: 'PKGAPP_VERIFY_KEY_INVALID', exitCode: U, section: 'packages', when: 'The `--key` file is not an OpenPGP public key.', fix: 'Give the public key (BASE.asc from `pkgapp keygen`, or the repository\'s pkgapp-archive-keyring.asc)' },
  { code: 'PKGAPP_VERIFY_FAILED', exitCode: F, section: 'packages', when: 'verify (or inspect `--key`): the package is not signed, a signature does not hold, or a digest does not match.', fix: 'Do not install it; rebuild it with `--sign-key`, or download it again' },

  // Repositories.
  { code: 'PKGAPP_PUBLISH_NO_FILES', exitCode: U, section: 'repository', when: 'publish was given no .deb or .rpm (only SBOMs).', fix: 'Pass the packages, e.g. `pkgapp publish --repo DIR dist/*`' },
  { code: 'PKGAPP_PUBLISH_FORMAT_UNSUPPORTED', exitCode: U, section: 'repository', when: 'publish was given a package of a format added with registerFormat() that declares no apt or yum repository.', fix: 'Publish the .deb and .rpm files only; put the other packages where their users fetch them' },
  { code: 'PKGAPP_PROMOTE_SPEC', exitCode: U, section: 'repository', when: 'promote\'s argument is not NAME=VERSION.', fix: 'e.g. `pkgapp promote --repo DIR --from staging --to production acme-hello=1.2.3`' },
  { code: 'PKGAPP_SUITE_INVALID', exitCode: U, section: 'repository', when: '`--suite` (or promote `--to`) is not a plain name.', fix: 'Use letters, digits, `.`, `_` and `-`, e.g. `stable`' },
  { code: 'PKGAPP_APT_NAME_INVALID', exitCode: U, section: 'repository', when: '`--component` (or the suite) is not a plain apt directory name.', fix: 'Use letters, digits, `.`, `_`, `+` and `-`, e.g. `main`' },
  { code: 'PKGAPP_YUM_CHANNEL_INVALID', exitCode: U, section: 'repository', when: 'The yum channel (`--suite`, promote `--from`/`--to`) is not a plain name, or is pool, repodata or Packages.', fix: 'Use another suite name, e.g. `stable`' },
  { code: 'PKGAPP_KEEP_INVALID', exitCode: U, section: 'repository', when: '`--keep` is not a whole number of at least 1.', fix: 'Give how many versions to keep, e.g. `--keep 5`, or leave it out to keep all' },
  { code: 'PKGAPP_REPO_UNWRITABLE', exitCode: U, section: 'repository', when: 'The `--repo` directory cannot be created or written.', fix: 'Give a directory pkgapp can create and write' },
  { code: 'PKGAPP_REPO_LOCKED', exitCode: F, section: 'repository', when: 'Another publish or promote held the repository lock for minutes.', fix: 'Retry when it is done; the lock of a crashed publisher expires after 30 seconds' },
  { code: 'PKGAPP_REPO_URL_INVALID', exitCode: U, section: 'repository', when: '`--repo` has a scheme other than s3://, or its s3:// URL is malformed (no bucket, a bucket name S3 does not allow, `//` or `..` in the prefix).', fix: 'Give a directory or s3://BUCKET/PREFIX, e.g. `--repo s3://acme-packages/repos`' },
  { code: 'PKGAPP_S3_REQUEST_FAILED', exitCode: F, section: 'repository', when: 'A request to the S3 repository failed: no such bucket, access denied, wrong credentials, the endpoint unreachable, or no region configured.', fix: 'Follow the hint printed with the error, which depends on the store\'s answer: create the bucket, fix the credentials or their policy, check `--endpoint`, set AWS_REGION' },
  { code: 'PKGAPP_PROMOTE_NOT_FOUND', exitCode: U, section: 'repository', when: 'promote: NAME=VERSION is not published in the `--from` suite.', fix: 'Publish it there first (`pkgapp publish --suite FROM`); the message lists the versions the suite has' },
  { code: 'PKGAPP_APT_VERSION_EXISTS', exitCode: U, section: 'repository', when: 'A .deb with the same name, version and architecture but other bytes is already published.', fix: 'A published version never changes: bump the version, or rebuild with `--release N`' },
  { code: 'PKGAPP_YUM_VERSION_EXISTS', exitCode: U, section: 'repository', when: 'An .rpm with the same name, version, release and architecture but other bytes is already published.', fix: 'A published version never changes: bump the version, or rebuild with `--release N`' },
  { code: 'PKGAPP_APT_KEY_MISMATCH', exitCode: U, section: 'repository', when: 'The apt repository is signed with another key than the one given.', fix: 'Sign with the repository\'s key; to change keys on purpose, delete DIR/apt/pkgapp-archive-keyring.* first' },
  { code: 'PKGAPP_APT_POOL_DAMAGED', exitCode: F, section: 'repository', when: 'promote: a .deb the suite lists is missing from DIR/apt/pool or has another size.', fix: 'Publish the .deb again to repair the pool' },
  { code: 'PKGAPP_APT_INDEX_INVALID', exitCode: U, section: 'repository', when: 'A Packages index of the apt repository has a stanza without a field apt needs.', fix: 'Restore DIR/apt from a backup, or republish into a new repository' },
  { code: 'PKGAPP_RPM_NAME_INVALID', exitCode: U, section: 'repository', when: 'An .rpm\'s name, version, release or arch has characters that cannot go into a repository path.', fix: 'Rebuild it with a plain name, version and release' },
  { code: 'PKGAPP_RPM_CONTROL_CHARS', exitCode: U, section: 'repository', when: 'An .rpm\'s metadata (summary, description, file names, ...) has control characters the yum metadata cannot carry.', fix: 'Rebuild without control characters in package.json "description" and the other fields' },

  // Unexpected failures (src/cli/main.ts).
  { code: 'PKGAPP_UNEXPECTED', exitCode: F, section: 'unexpected', when: 'Anything else: a bug in pkgapp or a failure of the system (disk full, I/O error); a short report with the versions follows.', fix: 'Check the first line (a full disk?); otherwise report it with the command you ran and the printed lines (PKGAPP_DEBUG=1 prints the whole stack)' },
];

const byCode = new Map(ERROR_CATALOGUE.map((e) => [e.code, e] as const));

/** The catalogue entry of `code`, or undefined for a code the catalogue does not list. */
export function catalogueEntry(code: string): CatalogueEntry | undefined {
  return byCode.get(code);
}

/** docs/errors.md: the catalogue as tables, one per section. */
export function renderErrorReference(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    '# Errors',
    '',
    '<!-- Generated from src/error-catalogue.ts by `npm run docs`; edit the catalogue, not this file. -->',
    '',
    'Every mistake pkgapp can name is reported on stderr in three parts: what is wrong, naming the',
    'file, key or flag; what to do; and a stable code, listed below.',
    '',
    '```',
    'pkgapp: error: release.key: the key is protected by a passphrase',
    '  hint: Set PKGAPP_SIGN_PASSPHRASE to the key\'s passphrase',
    '  code: PKGAPP_SIGN_PASSPHRASE_MISSING (docs/errors.md)',
    '```',
    '',
    'Exit codes: 0 done, 1 a step failed (npm, a signature that does not hold, a locked',
    'repository, an unexpected failure), 2 bad usage or bad input. Nothing is written when a build',
    'or publish fails: the output directory and the repository stay as they were.',
    '',
    'With `--json`, stdout holds exactly one JSON document. When the command fails before it',
    'printed its result, that document is the error, and the exit code is the same as without',
    '`--json` (the message, hint and code go to stderr as well):',
    '',
    '```json',
    '{ "error": { "code": "PKGAPP_SIGN_PASSPHRASE_MISSING", "exitCode": 2, "message": "release.key: the key is protected by a passphrase", "hint": "..." } }',
    '```',
    '',
    '`verify --json` and `inspect --json --key` print their result even when the signatures do not',
    'hold (`"valid": false`) and exit 1 (PKGAPP_VERIFY_FAILED) without a second document.',
    '',
    'An unexpected failure (PKGAPP_UNEXPECTED, exit 1) prints the error, its first stack lines, and',
    'the pkgapp and Node.js versions and platform; with `--json` its document also has `"versions"`.',
    'Set `PKGAPP_DEBUG=1` for the whole stack.',
  ];
  for (const [section, title] of Object.entries(CATALOGUE_SECTIONS)) {
    lines.push('', `## ${title}`, '', '| code | exit | when | what to do |', '|---|---|---|---|');
    for (const e of ERROR_CATALOGUE.filter((x) => x.section === section)) lines.push(`| \`${e.code}\` | ${e.exitCode} | ${cell(e.when)} | ${cell(e.fix)}. |`);
  }
  return `${lines.join('\n')}\n`;
}
