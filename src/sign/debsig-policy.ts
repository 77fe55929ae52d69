// The debsig-verify policy that makes dpkg check pkgapp's _gpgorigin signatures (docs/internals/signing.md#debsig-verify-policy).

/**
 * Policy XML for /etc/debsig/policies/KEYID/pkgapp.pol; the key goes, as a binary keyring named
 * `keyring`, to /usr/share/debsig/keyrings/KEYID/.
 */
export function renderDebsigPolicy(keyId: string, keyring = 'pkgapp.gpg', description = 'pkgapp packages'): string {
  const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  return `<?xml version="1.0"?>
<!DOCTYPE Policy SYSTEM "https://www.debian.org/debsig/1.0/policy.dtd">
<Policy xmlns="https://www.debian.org/debsig/1.0/">
  <Origin Name="pkgapp" id="${esc(keyId)}" Description="${esc(description)}"/>
  <Selection>
    <Required Type="origin" File="${esc(keyring)}" id="${esc(keyId)}"/>
  </Selection>
  <Verification MinOptional="0">
    <Required Type="origin" File="${esc(keyring)}" id="${esc(keyId)}"/>
  </Verification>
</Policy>
`;
}
