import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ConcatSource, DataFileNotFoundError, type ActivationSource, type OpenActivationsOptions } from '@deeplens/core';
import { ACTIVATION_EXTENSIONS, openActivationReader } from '@deeplens/core/node';
import type { RetryPolicy } from './retry-policy.js';
import { describeS3Error, S3ByteReader, type S3ReaderOptions } from './s3-byte-reader.js';
import { createS3Client, type S3ConnectionOptions } from './s3-client.js';
import { parseS3Url, s3Url } from './s3-url.js';

export interface OpenS3ActivationsOptions extends OpenActivationsOptions, S3ConnectionOptions {
  /** A client to share (otherwise one is made from the connection options and the environment). */
  client?: S3Client;
  retry?: RetryPolicy;
  partBytes?: number;
  parallel?: number;
  onRetry?: S3ReaderOptions['onRetry'];
}

const natural = new Intl.Collator(undefined, { numeric: true }).compare;

/**
 * Open activations in a bucket: an object (`s3://b/acts/layer3.safetensors`), a prefix whose shards
 * are read in natural name order (`s3://b/acts/`), or a list of those — .npy, .safetensors and
 * torch.save .pt files, with the same parsers, checks and errors as files on disk. Rows are read
 * with ranged GETs as the loader asks for them; nothing is downloaded whole.
 */
export async function openS3Activations(spec: string | readonly string[], options: OpenS3ActivationsOptions = {}): Promise<ActivationSource> {
  const client = options.client ?? createS3Client(options);
  const readerOptions: S3ReaderOptions = {
    client,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.partBytes ? { partBytes: options.partBytes } : {}),
    ...(options.parallel ? { parallel: options.parallel } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
  const urls: string[] = [];
  for (const s of typeof spec === 'string' ? [spec] : spec) urls.push(...(await listS3Shards(client, s)));
  const sources: ActivationSource[] = [];
  try {
    for (const url of urls) sources.push(await openActivationReader(await S3ByteReader.open(url, readerOptions), options));
    return sources.length === 1 ? sources[0]! : new ConcatSource(sources);
  } catch (error) {
    await Promise.all(sources.map((s) => s.close()));
    throw error;
  }
}

/** The activation shards an s3:// spec names: the object itself, or the files directly under the prefix. */
export async function listS3Shards(client: S3Client, url: string): Promise<string[]> {
  const { bucket, key } = parseS3Url(url);
  const isFile = key.length > 0 && !key.endsWith('/') && (ACTIVATION_EXTENSIONS as readonly string[]).some((e) => key.endsWith(e));
  if (isFile) return [url];
  const prefix = key.length === 0 || key.endsWith('/') ? key : `${key}/`;
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) if (o.Key && (ACTIVATION_EXTENSIONS as readonly string[]).some((e) => o.Key!.endsWith(e))) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (error) {
    throw describeS3Error(error, url, 'cannot be listed');
  }
  if (keys.length === 0) {
    throw new DataFileNotFoundError(`${s3Url(bucket, prefix)} holds no activation files`, { hint: `expected objects ending in ${ACTIVATION_EXTENSIONS.join(', ')} directly under the prefix` });
  }
  return keys.sort(natural).map((k) => s3Url(bucket, k));
}
