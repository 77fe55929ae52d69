// The parts of semver pkgapp uses, each required from its own module: the package's index
// requires all of semver (47 modules), these 25. Required, not imported: an ESM import of a
// CommonJS module goes through the ESM loader (resolve, read, lex its exports) once per entry
// point, which for these 14 cost more than the whole index. Import as `* as semver`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const Range = require('semver/classes/range') as typeof import('semver/classes/range.js');
export type Range = InstanceType<typeof Range>;
export const SemVer = require('semver/classes/semver') as typeof import('semver/classes/semver.js');
export type SemVer = InstanceType<typeof SemVer>;
export const coerce = require('semver/functions/coerce') as typeof import('semver/functions/coerce.js');
export const compare = require('semver/functions/compare') as typeof import('semver/functions/compare.js');
export const eq = require('semver/functions/eq') as typeof import('semver/functions/eq.js');
export const gt = require('semver/functions/gt') as typeof import('semver/functions/gt.js');
export const gte = require('semver/functions/gte') as typeof import('semver/functions/gte.js');
export const lt = require('semver/functions/lt') as typeof import('semver/functions/lt.js');
export const major = require('semver/functions/major') as typeof import('semver/functions/major.js');
export const parse = require('semver/functions/parse') as typeof import('semver/functions/parse.js');
export const satisfies = require('semver/functions/satisfies') as typeof import('semver/functions/satisfies.js');
export const intersects = require('semver/ranges/intersects') as typeof import('semver/ranges/intersects.js');
export const minVersion = require('semver/ranges/min-version') as typeof import('semver/ranges/min-version.js');
export const validRange = require('semver/ranges/valid') as typeof import('semver/ranges/valid.js');
