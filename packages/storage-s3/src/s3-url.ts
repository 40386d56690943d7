import { InvalidArgumentError } from '@deeplens/core';

/** A bucket and a key (or key prefix) inside it. */
export interface S3Location {
  bucket: string;
  key: string;
}

/** Whether a path names an object or prefix in a bucket (`s3://bucket/key`). */
export function isS3Url(path: string): boolean {
  return path.startsWith('s3://');
}

/** `s3://bucket/some/prefix/` → { bucket: 'bucket', key: 'some/prefix/' }. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match) {
    throw new InvalidArgumentError(`'${url}' is not an s3:// location`, { hint: 'write it as s3://bucket/prefix/ (a folder of shards) or s3://bucket/path/file.safetensors' });
  }
  return { bucket: match[1]!, key: match[2] ?? '' };
}

/** The s3:// URL of a key in a bucket. */
export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Join a prefix and a name with exactly one slash (`s3://b/runs` + `a/b` → `s3://b/runs/a/b`). */
export function joinS3(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ''), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ''))].filter((p) => p.length > 0).join('/');
}
