// The yum repository's public key, yum/RPM-GPG-KEY-pkgapp (armored): exported for the .repo
// files' gpgkey=, and compared with the signer's to know when every channel must be re-signed
// (publish-yum-store.ts).

/** The exported public key, yum/RPM-GPG-KEY-pkgapp (armored), named by every .repo file. */
export const YUM_KEY_FILE = 'RPM-GPG-KEY-pkgapp';
