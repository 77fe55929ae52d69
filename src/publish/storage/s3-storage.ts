// A repository in an S3 bucket (Amazon S3, or an S3-compatible store through `endpoint`), behind
// the interface of storage.ts. Semantics follow Amazon's documentation; where a store differs
// (Ceph RGW, see docs/internals/s3-storage.md) the difference is detected and handled here,
// explicitly, without weakening a check for the stores that follow AWS.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { EXIT_FAILURE, isUserError, UserError } from '../../errors.js';
import {
  checkKey,
  checkPrefix,
  type ObjectInfo,
  type PutOptions,
  type PutResult,
  type RepositoryStorage,
  type StoredObject,
  type StreamedObject,
  type WriteCondition,
} from './storage.js';
import { crashPoints } from '../../util/crash-point.js';

export interface S3StorageOptions {
  bucket: string;
  /** Key prefix without leading or trailing '/'; '' for the bucket root. */
  prefix: string;
  /** An S3-compatible store's URL (Ceph RGW, MinIO, R2...); addressed path-style unless forcePathStyle is false. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Default: the SDK's chain (AWS_REGION, the profile's region); with an endpoint and none found, us-east-1. */
  region?: string;
  /** Default: the SDK's chain (environment, shared config/profile, container and instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * How If-Match carries the ETag. 'quoted' (AWS, RFC 9110: the ETag exactly as the store returned
   * it) is tried first; 'auto' (default) switches to 'unquoted' for the rest of the session when the
   * store refuses a quoted ETag that HEAD shows is current (Ceph Pacific compares the bare hex).
   */
  ifMatchStyle?: 'auto' | 'quoted' | 'unquoted';
  /** Attempts per request (the SDK retries throttling and 5xx with backoff). Default 3. */
  maxAttempts?: number;
  /** Called for every HTTP request sent, retries included (scripts/bench-publish.ts counts them). */
  onRequest?: (command: string) => void;
}

/** The largest object one PutObject takes (AWS: 5 GiB); larger needs multipart, which packages never do. */
const SINGLE_PUT_LIMIT = 5 * 1024 ** 3;

export class S3Storage implements RepositoryStorage {
  readonly location: string;
  readonly storesHeaders = true;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private quoting: 'quoted' | 'unquoted';
  private readonly learnQuoting: boolean;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.location = options.prefix === '' ? `s3://${options.bucket}` : `s3://${options.bucket}/${options.prefix}`;
    this.quoting = options.ifMatchStyle === 'unquoted' ? 'unquoted' : 'quoted';
    this.learnQuoting = (options.ifMatchStyle ?? 'auto') === 'auto';
    const endpoint = options.endpoint;
    quietNodeVersionNotice();
    this.client = new S3Client({
      ...(endpoint ? { endpoint, forcePathStyle: options.forcePathStyle ?? true } : {}),
      region: options.region ?? regionProvider(endpoint),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: options.maxAttempts ?? 3,
      // The default (WHEN_SUPPORTED) adds a trailing checksum to streamed bodies, sent with
      // chunked encoding, which Ceph and other stores refuse (411 Length Required).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      logger: quietLogger,
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const onRequest = options.onRequest;
    if (onRequest)
      // The deserialize step runs once per attempt (inside the retry middleware): every request counts.
      this.client.middlewareStack.add(
        (next, context) => (args) => {
          onRequest(context.commandName ?? 'request');
          return next(args);
        },
        { step: 'deserialize', name: 'pkgappRequestCounter' },
      );
  }

  /** How this session sends If-Match: 'quoted' until the store proves it compares bare ETags. */
  get ifMatchStyle(): 'quoted' | 'unquoted' {
    return this.quoting;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const object = await this.getStream(key);
    if (!object) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of object.body) chunks.push(chunk as Buffer);
    const { body: _stream, ...info } = object;
    return { ...info, body: Buffer.concat(chunks) };
  }

  async getStream(key: string): Promise<StreamedObject | undefined> {
    const result = await this.send(
      'GET',
      key,
      () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) })),
      true,
    );
    if (!result) return undefined;
    return { ...infoOf(key, result), body: result.Body as Readable };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const result = await this.send(
      'HEAD',
      key,
      () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) })),
      true,
    );
    return result && infoOf(key, result);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<PutResult> {
    return this.conditionalPut(key, options, () => ({ Body: body }));
  }

  async putFile(key: string, file: string, options: PutOptions): Promise<PutResult> {
    const { size } = await stat(file);
    if (size > SINGLE_PUT_LIMIT) {
      throw new UserError(`${file} is ${size} bytes, more than the 5 GiB one S3 upload takes`, {
        code: 'PKGAPP_S3_REQUEST_FAILED',
        exitCode: EXIT_FAILURE,
        hint: 'Packages that large are not supported; ship data outside the package',
      });
    }
    // The SDK does not retry a stream body (it cannot rewind it): callers repeat failed pool uploads.
    return this.conditionalPut(key, options, () => ({ Body: createReadStream(file), ContentLength: size }));
  }

  async delete(key: string): Promise<void> {
    await this.send(
      'DELETE',
      key,
      () =>
        crashPoints(`delete ${key}`, () =>
          this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) })),
        ),
      false,
    );
  }

  async *listKeys(prefix: string): AsyncIterable<string> {
    for await (const info of this.list(prefix)) yield info.key;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkPrefix(prefix);
    const full = this.prefix === '' ? prefix : `${this.prefix}/${prefix}`;
    let token: string | undefined;
    do {
      const page = await this.send(
        'LIST',
        prefix,
        () =>
          this.client.send(
            new ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: full,
              ...(token ? { ContinuationToken: token } : {}),
            }),
          ),
        false,
      );
      for (const item of page?.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield {
          key: item.Key.slice(this.prefix === '' ? 0 : this.prefix.length + 1),
          size: item.Size ?? 0,
          etag: item.ETag ?? '',
        };
      }
      token = page?.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * PutObject with If-None-Match / If-Match. A 412 (or AWS's 409 ConditionalRequestConflict: a
   * concurrent conditional write won) is the typed result 'precondition-failed'. The Ceph branch:
   * a quoted If-Match refused although HEAD shows the very same ETag means the store compares
   * bare ETags; the put is retried, still conditional, with the bare ETag, and the session keeps
   * sending it that way. A changed object fails either way, so nothing is weakened.
   */
  private async conditionalPut(
    key: string,
    options: PutOptions,
    body: () => Pick<PutObjectCommandInput, 'Body' | 'ContentLength'>,
  ): Promise<PutResult> {
    const attempt = async (condition: WriteCondition | undefined, quoting: 'quoted' | 'unquoted') => {
      const input: PutObjectCommandInput = {
        Bucket: this.bucket,
        Key: this.keyOf(key),
        ContentType: options.contentType,
        ...(options.cacheControl ? { CacheControl: options.cacheControl } : {}),
        ...(condition && 'ifNoneMatch' in condition ? { IfNoneMatch: '*' } : {}),
        ...(condition && 'ifMatch' in condition
          ? { IfMatch: quoting === 'quoted' ? quoted(condition.ifMatch) : unquoted(condition.ifMatch) }
          : {}),
        ...body(),
      };
      try {
        const result = await crashPoints(`put ${key}`, () => this.client.send(new PutObjectCommand(input)));
        return { ok: true as const, etag: result.ETag ?? '' };
      } catch (error) {
        if (isConditionFailure(error)) return { ok: false as const, reason: 'precondition-failed' as const };
        throw this.failure('PUT', key, error);
      }
    };
    const condition = options.condition;
    const first = await attempt(condition, this.quoting);
    if (first.ok || !condition || !('ifMatch' in condition) || this.quoting === 'unquoted' || !this.learnQuoting)
      return first;
    const current = await this.head(key);
    if (!current || unquoted(current.etag) !== unquoted(condition.ifMatch)) return first;
    const second = await attempt(condition, 'unquoted');
    if (second.ok) this.quoting = 'unquoted';
    return second;
  }

  /** Sends a request; 404 gives undefined when `missingOk`, anything else unexpected a UserError. */
  private async send<T>(
    verb: string,
    key: string,
    request: () => Promise<T>,
    missingOk: boolean,
  ): Promise<T | undefined> {
    try {
      return await request();
    } catch (error) {
      if (missingOk && statusOf(error) === 404 && nameOf(error) !== 'NoSuchBucket') return undefined;
      throw this.failure(verb, key, error);
    }
  }

  private failure(verb: string, key: string, error: unknown): UserError {
    // Already explained (no region configured): pass it on as it is.
    if (isUserError(error)) return error;
    const name = nameOf(error);
    const status = statusOf(error);
    const message = (error as Error)?.message;
    // 'UnknownError' is the SDK's text for an answer without a body (HEAD, some 404s): it adds nothing.
    const detail = [
      name,
      status ? `HTTP ${status}` : '',
      message && message !== name && message !== 'UnknownError' ? message : '',
    ]
      .filter(Boolean)
      .join(', ');
    return new UserError(`${this.location}: ${verb} ${key} failed (${detail})`, {
      code: 'PKGAPP_S3_REQUEST_FAILED',
      exitCode: EXIT_FAILURE,
      hint: hintFor(name, status),
      cause: error,
    });
  }

  private keyOf(key: string): string {
    return this.prefix === '' ? checkKey(key) : `${this.prefix}/${checkKey(key)}`;
  }
}

interface ObjectHeaders {
  ContentLength?: number | undefined;
  ETag?: string | undefined;
  ContentType?: string | undefined;
  CacheControl?: string | undefined;
}

function infoOf(key: string, result: ObjectHeaders): ObjectInfo {
  return {
    key,
    size: result.ContentLength ?? 0,
    etag: result.ETag ?? '',
    ...(result.ContentType !== undefined ? { contentType: result.ContentType } : {}),
    ...(result.CacheControl !== undefined ? { cacheControl: result.CacheControl } : {}),
  };
}

/** The SDK's region chain; for a custom endpoint without a configured region, us-east-1 (stores there ignore it or want that). */
function regionProvider(endpoint: string | undefined): () => Promise<string> {
  return async () => {
    const probe = new S3Client({});
    try {
      return await probe.config.region();
    } catch (error) {
      if (endpoint) return 'us-east-1';
      throw new UserError('no AWS region is configured for the S3 repository', {
        code: 'PKGAPP_S3_REQUEST_FAILED',
        exitCode: EXIT_FAILURE,
        hint: 'Set AWS_REGION (or region in the AWS profile), e.g. AWS_REGION=eu-west-1',
        cause: error,
      });
    } finally {
      probe.destroy();
    }
  };
}

/**
 * The SDK warns on the console whenever a request with a stream body fails (it cannot retry such
 * a request), including an expected 412 of a conditional putFile, and logs failed requests as
 * errors (a 404 HEAD). The failure itself reaches the caller as an error or a result; other
 * warnings still reach the console.
 */
const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...content: unknown[]) => {
    if (String(content[0]).includes('non-retryable streaming request')) return;
    console.warn(...content);
  },
  // Failed requests (a 404 HEAD, a 412 conditional put) are expected answers the caller handles.
  error: () => undefined,
};

/**
 * @aws-sdk/core prints a NodeVersionSupportWarning on stderr with the first client on Node < 22:
 * SDK releases after January 2027 will need Node 22. That concerns whoever upgrades pkgapp's
 * dependency (package-lock.json pins the SDK; pkgapp supports Node 20), not the user running a
 * publish, and it reads like a failure in a CI log. The SDK's own switch turns it off
 * (AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true, read by emitWarningIfUnsupportedVersion
 * in @aws-sdk/core); a value the user set, "false" included, is left as it is.
 */
function quietNodeVersionNotice(): void {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
}

function quoted(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

function unquoted(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

function isConditionFailure(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || (status === 409 && nameOf(error) === 'ConditionalRequestConflict');
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string {
  // S3 answers carry a Code; network failures are plain Errors with a Node.js code (ECONNREFUSED).
  const e = error as { name?: string; code?: string; Code?: string };
  return e?.Code ?? (e?.name && e.name !== 'Error' ? e.name : undefined) ?? e?.code ?? 'Error';
}

function hintFor(name: string, status: number | undefined): string {
  if (name === 'NoSuchBucket') return 'Create the bucket first, or check the bucket name in --repo s3://BUCKET/PREFIX';
  if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || status === 403) {
    return 'Check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the instance role) and that their policy allows s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on the bucket';
  }
  if (name === 'CredentialsProviderError')
    return 'Give credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where an instance or container role is available';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'TimeoutError'].includes(name))
    return 'Check that the S3 endpoint (--endpoint) is right and reachable from here';
  return "Check the bucket, the endpoint and the credentials; the message above is the store's answer";
}
