import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DataFileNotFoundError, FileFormatError, InvalidArgumentError, type ByteReader } from '@deeplens/core';
import { DEFAULT_RETRY_POLICY, isRetryableS3Error, retryDelayMs, sleep, type RetryPolicy } from './retry-policy.js';
import { S3RequestError, ShardChangedError } from './s3-errors.js';
import { parseS3Url } from './s3-url.js';

export interface S3ReaderOptions {
  client: S3Client;
  retry?: RetryPolicy;
  /** A large read is split into ranged GETs of this many bytes, run `parallel` at a time. Default 8 MiB. */
  partBytes?: number;
  /** Ranged GETs in flight at once for one read. Default 4. */
  parallel?: number;
  /** Told about every retry (for logs and tests). */
  onRetry?: (info: { url: string; attempt: number; delayMs: number; resumeAt: number; error: unknown }) => void;
  /** Source of jitter in [0, 1) (tests pass a fixed one). */
  random?: () => number;
}

/** What a reader has done so far. */
export interface S3ReadStats {
  requests: number;
  retries: number;
  bytes: number;
}

/**
 * Random access to one object through ranged GETs. The object's size and ETag are taken when it is
 * opened and every later response must carry the same ETag (and is requested with If-Match), so an
 * object replaced during a run fails with ShardChangedError instead of mixing two versions. Failed
 * or cut-off responses are retried with backoff, continuing at the byte where the last one stopped.
 */
export class S3ByteReader implements ByteReader {
  readonly stats: S3ReadStats = { requests: 0, retries: 0, bytes: 0 };
  readonly #bucket: string;
  readonly #key: string;
  readonly #retry: RetryPolicy;
  readonly #partBytes: number;
  readonly #parallel: number;

  private constructor(readonly name: string, readonly size: number, readonly etag: string | undefined, private readonly options: S3ReaderOptions) {
    ({ bucket: this.#bucket, key: this.#key } = parseS3Url(name));
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#partBytes = options.partBytes ?? 8 << 20;
    this.#parallel = options.parallel ?? 4;
  }

  /** Open `s3://bucket/key`: one HEAD for its size and ETag. */
  static async open(url: string, options: S3ReaderOptions): Promise<S3ByteReader> {
    const { bucket, key } = parseS3Url(url);
    try {
      const head = await options.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return new S3ByteReader(url, head.ContentLength ?? 0, head.ETag, options);
    } catch (error) {
      throw describeS3Error(error, url, 'cannot be opened');
    }
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    if (position < 0 || length < 0 || !Number.isSafeInteger(position + length)) throw new InvalidArgumentError(`${this.name}: cannot read ${length} bytes at byte ${position}`);
    if (position + length > this.size) throw new FileFormatError(this.name, `ended early at byte ${this.size} (needed ${position + length}; truncated?)`);
    const out = new Uint8Array(length);
    const parts: [number, number][] = [];
    for (let at = 0; at < length; at += this.#partBytes) parts.push([at, Math.min(length, at + this.#partBytes)]);
    let next = 0;
    const worker = async () => {
      while (next < parts.length) {
        const [from, to] = parts[next++]!;
        await this.#fetchRange(position + from, out.subarray(from, to));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#parallel, parts.length) }, worker));
    return out;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Fill `into` with the bytes from `start`, retrying and resuming where a response stopped. */
  async #fetchRange(start: number, into: Uint8Array): Promise<void> {
    let got = 0;
    let failures = 0;
    while (got < into.length) {
      const before = got;
      try {
        this.stats.requests++;
        const end = start + into.length - 1;
        const response = await this.options.client.send(new GetObjectCommand({
          Bucket: this.#bucket, Key: this.#key, Range: `bytes=${start + got}-${end}`, ...(this.etag ? { IfMatch: this.etag } : {}),
        }));
        if (this.etag && response.ETag && response.ETag !== this.etag) throw this.#changed(response.ETag);
        for await (const chunk of response.Body as AsyncIterable<Uint8Array>) {
          if (got + chunk.length > into.length) throw new S3RequestError(`${this.name}: the server sent more bytes than the range asked for`);
          into.set(chunk, got);
          got += chunk.length;
          this.stats.bytes += chunk.length;
        }
        if (got < into.length) throw Object.assign(new Error(`response body ended after ${got - before} of ${into.length - before} bytes`), { name: 'BodyTruncated' });
      } catch (error) {
        if (error instanceof ShardChangedError || error instanceof S3RequestError) throw error;
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 412 || (error as Error).name === 'PreconditionFailed') throw this.#changed(undefined);
        if (status === 404 || (error as Error).name === 'NoSuchKey') {
          throw new ShardChangedError(`${this.name} was deleted while the run was reading it`, { hint: 'restore the object, or start the run again on the data as they are now' });
        }
        failures = got > before ? 1 : failures + 1;
        if (!isRetryableS3Error(error) || failures >= this.#retry.maxAttempts) {
          throw describeS3Error(error, this.name, `bytes ${start + got}–${start + into.length - 1} could not be read (${failures} tries)`);
        }
        const delayMs = retryDelayMs(this.#retry, failures, (this.options.random ?? Math.random)());
        this.stats.retries++;
        this.options.onRetry?.({ url: this.name, attempt: failures, delayMs, resumeAt: start + got, error });
        await sleep(delayMs);
      }
    }
  }

  #changed(now: string | undefined): ShardChangedError {
    return new ShardChangedError(`${this.name} changed while the run was reading it (ETag ${this.etag}${now ? ` → ${now}` : ''})`, {
      hint: 'shards must not be rewritten during a run: write new data under a new prefix, and start (or resume with --force-resume) on it',
    });
  }
}

/** A typed, readable error for a failed S3 request. */
export function describeS3Error(error: unknown, url: string, what: string): Error {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const detail = `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;
  if (status === 404 || e.name === 'NotFound' || e.name === 'NoSuchKey' || e.name === 'NoSuchBucket') {
    return new DataFileNotFoundError(`${url} does not exist (${detail})`, { cause: error, hint: 'check the bucket and key; a folder of shards is written s3://bucket/prefix/' });
  }
  if (status === 403 || status === 401) {
    return new S3RequestError(`${url} ${what}: access denied (${detail})`, {
      cause: error, hint: 'set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and AWS_ENDPOINT_URL for a server other than AWS',
    });
  }
  return new S3RequestError(`${url} ${what}: ${detail}`, { cause: error, hint: 'is the endpoint reachable (AWS_ENDPOINT_URL)? the read is retried with backoff before this error' });
}
