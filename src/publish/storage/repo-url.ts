// What `--repo` names: a local directory, or s3://BUCKET/PREFIX. Parsed here and nowhere else.
import { UserError } from '../../errors.js';
import { hasControlCharacters } from './storage.js';

export type RepoLocation =
  { kind: 'directory'; dir: string } | { kind: 's3'; bucket: string; prefix: string; url: string };

const CODE = 'PKGAPP_REPO_URL_INVALID';

/**
 * Reads a `--repo` value. Anything with a scheme (`xyz://`) must be `s3://BUCKET[/PREFIX]`; the
 * rest is a directory. The prefix is kept without leading or trailing '/' ('' = bucket root).
 */
export function parseRepoLocation(value: string, option = '--repo'): RepoLocation {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (!scheme) {
    if (value.trim() === '') throw invalid(option, value, 'is empty', 'Give a directory or s3://BUCKET/PREFIX');
    return { kind: 'directory', dir: value };
  }
  if (scheme[1]!.toLowerCase() !== 's3') {
    throw invalid(
      option,
      value,
      `uses ${scheme[1]}://, which pkgapp cannot publish to`,
      'Publish to a directory or to s3://BUCKET/PREFIX; serve it over HTTP(S) from there (docs/repositories.md)',
    );
  }
  const rest = value.slice(scheme[0].length);
  if (/[?#]/.test(rest))
    throw invalid(
      option,
      value,
      'has a query or fragment (? or #)',
      'Write the bucket and prefix only, e.g. s3://my-bucket/repos/acme',
    );
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = (slash === -1 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
  checkBucket(bucket, option, value);
  if (prefix !== '') {
    const segments = prefix.split('/');
    if (segments.some((s) => s === ''))
      throw invalid(option, value, 'has an empty path segment ("//")', 'Remove the doubled "/"');
    if (segments.some((s) => s.startsWith('.')))
      throw invalid(
        option,
        value,
        'has a path segment starting with "." (such as . or ..)',
        'Use plain names for the prefix, e.g. s3://my-bucket/repos/acme',
      );
    if (prefix.includes('\\') || hasControlCharacters(prefix))
      throw invalid(
        option,
        value,
        'has a backslash or a control character in its prefix',
        'Use plain names for the prefix',
      );
  }
  return { kind: 's3', bucket, prefix, url: prefix === '' ? `s3://${bucket}` : `s3://${bucket}/${prefix}` };
}

/** Amazon S3's bucket naming rules (general purpose buckets), which every S3-compatible store accepts. */
function checkBucket(bucket: string, option: string, value: string): void {
  const hint =
    'Bucket names are 3-63 characters: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, e.g. s3://acme-packages/apt';
  if (bucket === '') throw invalid(option, value, 'has no bucket name', hint);
  if (bucket.length < 3 || bucket.length > 63)
    throw invalid(option, value, `bucket "${bucket}" is ${bucket.length} characters long`, hint);
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket))
    throw invalid(
      option,
      value,
      `bucket "${bucket}" has characters S3 does not allow (uppercase, "_", ...) or starts/ends with "." or "-"`,
      hint,
    );
  if (bucket.includes('..')) throw invalid(option, value, `bucket "${bucket}" has ".." in it`, hint);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket))
    throw invalid(
      option,
      value,
      `bucket "${bucket}" looks like an IP address`,
      `${hint}; give the endpoint with --endpoint instead`,
    );
}

function invalid(option: string, value: string, what: string, hint: string): UserError {
  return new UserError(`${option} ${JSON.stringify(value)} ${what}`, { code: CODE, hint });
}
