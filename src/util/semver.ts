// The parts of semver pkgapp uses, each from its own module: the package's index requires all of
// semver (47 modules, ~17 ms of a build's start-up), these 25. Import as `* as semver`.
export { default as Range } from 'semver/classes/range.js';
export { default as SemVer } from 'semver/classes/semver.js';
export { default as coerce } from 'semver/functions/coerce.js';
export { default as compare } from 'semver/functions/compare.js';
export { default as eq } from 'semver/functions/eq.js';
export { default as gt } from 'semver/functions/gt.js';
export { default as gte } from 'semver/functions/gte.js';
export { default as lt } from 'semver/functions/lt.js';
export { default as major } from 'semver/functions/major.js';
export { default as parse } from 'semver/functions/parse.js';
export { default as satisfies } from 'semver/functions/satisfies.js';
export { default as intersects } from 'semver/ranges/intersects.js';
export { default as minVersion } from 'semver/ranges/min-version.js';
export { default as validRange } from 'semver/ranges/valid.js';
