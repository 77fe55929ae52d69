// The storage backend a parsed `--repo` names (repo-url.ts): the one place that picks it.
import { LocalStorage } from './local-storage.js';
import type { RepoLocation } from './repo-url.js';
import type { S3StorageOptions } from './s3-storage.js';
import type { RepositoryStorage } from './storage.js';

/** Options that only make sense for S3 (`--endpoint`, a region); ignored for a directory. */
export type S3ConnectionOptions = Omit<S3StorageOptions, 'bucket' | 'prefix'>;

/** The AWS SDK is loaded only for s3:// repositories: a directory publish does not pay its start-up. */
export async function openStorage(location: RepoLocation, s3: S3ConnectionOptions = {}): Promise<RepositoryStorage> {
  if (location.kind === 'directory') return new LocalStorage(location.dir);
  const { S3Storage } = await import('./s3-storage.js');
  return new S3Storage({ ...s3, bucket: location.bucket, prefix: location.prefix });
}
