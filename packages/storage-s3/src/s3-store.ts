import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describeS3Error } from './s3-byte-reader.js';
import { createS3Client, type S3ConnectionOptions } from './s3-client.js';
import { parseS3Url, s3Url } from './s3-url.js';

export interface S3StoreOptions extends S3ConnectionOptions {
  client?: S3Client;
  /** Objects larger than this are written in parts of this size (multipart upload). Default 8 MiB (S3's minimum part is 5 MiB). */
  partBytes?: number;
  /** Parts uploaded at once. Default 4. */
  queueSize?: number;
}

/**
 * Whole objects in a bucket, for run folders and extraction shards. A write is a single PUT or a
 * multipart upload: the object appears only when the upload completes (a failed upload is aborted
 * and leaves nothing), as atomic writes do on disk.
 */
export class S3Store {
  readonly client: S3Client;
  readonly #partBytes: number;
  readonly #queueSize: number;

  constructor(options: S3StoreOptions = {}) {
    this.client = options.client ?? createS3Client(options);
    this.#partBytes = options.partBytes ?? 8 << 20;
    this.#queueSize = options.queueSize ?? 4;
  }

  /** Write `s3://bucket/key` from bytes, text or a stream. */
  async put(url: string, body: Uint8Array | string | Readable): Promise<void> {
    const { bucket, key } = parseS3Url(url);
    try {
      const upload = new Upload({ client: this.client, params: { Bucket: bucket, Key: key, Body: body }, partSize: this.#partBytes, queueSize: this.#queueSize, leavePartsOnError: false });
      await upload.done();
    } catch (error) {
      throw describeS3Error(error, url, 'cannot be written');
    }
  }

  /** Write a local file to `url`. */
  putFile(url: string, file: string): Promise<void> {
    return this.put(url, createReadStream(file));
  }

  /** The object's bytes, or undefined when there is no such object. */
  async get(url: string): Promise<Uint8Array | undefined> {
    const body = await this.#body(url);
    if (!body) return undefined;
    const chunks: Uint8Array[] = [];
    for await (const c of body) chunks.push(c as Uint8Array);
    return Buffer.concat(chunks);
  }

  /** Copy the object to a local file (written beside it, then renamed); false when there is no such object. */
  async getFile(url: string, file: string): Promise<boolean> {
    const body = await this.#body(url);
    if (!body) return false;
    const temp = `${file}.${process.pid}.download`;
    try {
      await pipeline(body, createWriteStream(temp));
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw describeS3Error(error, url, 'cannot be downloaded');
    }
    return true;
  }

  /** The s3:// URLs of every object under a prefix (recursively). */
  async list(prefixUrl: string): Promise<string[]> {
    const { bucket, key } = parseS3Url(prefixUrl);
    const urls: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ...(token ? { ContinuationToken: token } : {}) }));
        for (const o of page.Contents ?? []) if (o.Key) urls.push(s3Url(bucket, o.Key));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw describeS3Error(error, prefixUrl, 'cannot be listed');
    }
    return urls;
  }

  async delete(url: string): Promise<void> {
    const { bucket, key } = parseS3Url(url);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      throw describeS3Error(error, url, 'cannot be deleted');
    }
  }

  async #body(url: string): Promise<Readable | undefined> {
    const { bucket, key } = parseS3Url(url);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return response.Body as Readable;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw describeS3Error(error, url, 'cannot be read');
    }
  }
}
