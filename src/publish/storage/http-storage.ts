// A repository read over HTTP(S), as apt and dnf read it: the read side of storage.ts (get,
// getStream, head, exists), for `pkgapp check-repo URL`. Read-only: a web server or CDN has no
// writes, and no listing (clients never need one), so `list` is absent.
import { Readable } from 'node:stream';
import { EXIT_FAILURE, UserError } from '../../errors.js';
import { checkKey, type ObjectInfo, type RepositoryReader, type StoredObject, type StreamedObject } from './storage.js';

export class HttpStorage implements RepositoryReader {
  readonly location: string;
  private readonly base: URL;

  /** `url`: http:// or https://, the directory that holds apt/ and yum/ (a trailing '/' is added). */
  constructor(url: string) {
    this.base = new URL(url.endsWith('/') ? url : `${url}/`);
    this.location = this.base.href.replace(/\/$/, '');
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const response = await this.request('GET', key);
    if (!response) return undefined;
    const body = Buffer.from(await response.arrayBuffer());
    return { ...infoOf(key, response, body.length), body };
  }

  async getStream(key: string): Promise<StreamedObject | undefined> {
    const response = await this.request('GET', key);
    if (!response) return undefined;
    const body = response.body
      ? Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>)
      : Readable.from([]);
    return { ...infoOf(key, response), body };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const response = await this.request('HEAD', key);
    return response && infoOf(key, response);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  /** The response, or undefined for 404/410 (apt and dnf read those as "not there"); anything else not 2xx is an error. */
  private async request(method: 'GET' | 'HEAD', key: string): Promise<Response | undefined> {
    const url = new URL(checkKey(key).split('/').map(encodeURIComponent).join('/'), this.base);
    let response: Response;
    try {
      response = await fetch(url, { method, redirect: 'follow' });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new UserError(
        `${method} ${url.href} failed (${cause?.code ?? cause?.message ?? (error as Error).message})`,
        {
          code: 'PKGAPP_HTTP_REQUEST_FAILED',
          exitCode: EXIT_FAILURE,
          hint: 'Check the URL and that the server answers from here',
          cause: error,
        },
      );
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new UserError(`${method} ${url.href} answered ${response.status} ${response.statusText}`, {
        code: 'PKGAPP_HTTP_REQUEST_FAILED',
        exitCode: EXIT_FAILURE,
        hint:
          response.status === 401 || response.status === 403
            ? 'The server refuses anonymous reads: check the bucket policy or CDN rules; a bucket answers 403 for a missing file unless readers have s3:ListBucket (docs/repositories.md)'
            : 'Check the URL and the server',
      });
    }
    return response;
  }
}

function infoOf(key: string, response: Response, knownSize?: number): ObjectInfo {
  const length = response.headers.get('content-length');
  const contentType = response.headers.get('content-type');
  const cacheControl = response.headers.get('cache-control');
  return {
    key,
    size: knownSize ?? (length === null ? -1 : Number(length)),
    etag: response.headers.get('etag') ?? '',
    ...(contentType ? { contentType } : {}),
    ...(cacheControl ? { cacheControl } : {}),
  };
}
