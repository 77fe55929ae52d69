// pkgapp's library API: everything the CLI does is available from here.
export { build, TARGETS, type BuildOptions, type BuiltPackage } from './build.js';
export {
  registerFormat,
  type PackageFormat,
  type PackageJob,
  type PackageReader,
  type WrittenPackage,
} from './formats.js';
export { UserError, isUserError, EXIT_FAILURE, EXIT_USAGE } from './errors.js';
export { configSchema, validateConfig, type PkgappConfig } from './app/config-schema.js';
export type { Manifest } from './manifest/manifest.js';
export type { Compression } from './util/compression.js';
export { inspect, type InspectOptions, type Inspection } from './inspect/inspect-package.js';
export { publish, promote, type PublishResult, type RepositoryOptions } from './publish/publish.js';
export { verify, type VerifyResult } from './verify/verify-package.js';
export { keygen, type KeygenOptions, type KeygenResult } from './sign/keygen.js';
export { loadSigner, type SignKeySource } from './sign/openpgp-signer.js';
export type { Signer } from './sign/signer.js';
export { initConfig, type InitResult } from './init/init-config.js';
