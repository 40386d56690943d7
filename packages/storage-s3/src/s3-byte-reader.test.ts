import { PutObjectCommand } from '@aws-sdk/client-s3';
import { encodeSafetensors } from '@deeplens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ByteReader } from './s3-byte-reader.js';
import { S3RequestError, ShardChangedError } from './s3-errors.js';
import { FaultProxy, startTestS3, testClient, type TestS3 } from './testing/test-s3-server.js';

const BUCKET = 'test-bucket';
let s3: TestS3;
let proxy: FaultProxy;
const bytes = new Uint8Array(300_000).map((_, i) => (i * 7 + (i >> 8)) & 0xff);
const shard = (v: number) => Buffer.concat(encodeSafetensors(new Map([['activations', { dtype: 'F32' as const, shape: [4, 2], data: new Float32Array(8).fill(v) }]])));
const fast = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 };

beforeAll(async () => {
  s3 = await startTestS3(BUCKET);
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'blob.bin', Body: bytes }));
  proxy = await new FaultProxy(s3.endpoint).start();
});
afterAll(async () => {
  await proxy.close();
  await s3.close();
});

/** A client through the fault proxy that does not retry by itself, so every retry seen is the reader's. */
const proxied = () => testClient(proxy.endpoint, 1);

describe('S3ByteReader', () => {
  it('reads any byte range with ranged GETs, split into parallel parts', async () => {
    const reader = await S3ByteReader.open(`s3://${BUCKET}/blob.bin`, { client: s3.client, partBytes: 65_536, parallel: 3 });
    expect(reader.size).toBe(bytes.length);
    expect(reader.etag).toMatch(/^"[0-9a-f]+"$/);
    expect(await reader.read(12_345, 200_000)).toEqual(bytes.subarray(12_345, 212_345));
    expect(reader.stats.requests).toBe(4);
    expect(await reader.read(0, 0)).toEqual(new Uint8Array(0));
    await expect(reader.read(bytes.length - 10, 11)).rejects.toThrow(/ended early at byte 300000/);
  });

  it('retries 503 SlowDown and 500 with backoff and then returns the right bytes', async () => {
    const reader = await S3ByteReader.open(`s3://${BUCKET}/blob.bin`, { client: proxied(), retry: fast });
    proxy.faults.push({ kind: 'status', status: 503, code: 'SlowDown', times: 2 }, { kind: 'status', status: 500, code: 'InternalError', times: 1 });
    const retries: number[] = [];
    const got = await S3ByteReader.open(`s3://${BUCKET}/blob.bin`, { client: proxied(), retry: fast, onRetry: (i) => retries.push(i.attempt) }).then((r) => r.read(1000, 5000));
    expect(got).toEqual(bytes.subarray(1000, 6000));
    expect(retries).toEqual([1, 2, 3]);
    expect(await reader.read(0, 10)).toEqual(bytes.subarray(0, 10));
  });

  it('resumes at the byte offset when a connection drops mid-body', async () => {
    proxy.ranges.length = 0;
    const resumes: number[] = [];
    const reader = await S3ByteReader.open(`s3://${BUCKET}/blob.bin`, { client: proxied(), retry: fast, onRetry: (i) => resumes.push(i.resumeAt) });
    proxy.faults.push({ kind: 'drop', afterBytes: 70_000, times: 1 });
    expect(await reader.read(10_000, 250_000)).toEqual(bytes.subarray(10_000, 260_000));
    expect(resumes).toEqual([80_000]);
    expect(proxy.ranges).toEqual(['bytes=10000-259999', 'bytes=80000-259999']);
  });

  it('gives up after maxAttempts with a typed error naming the object and range', async () => {
    const reader = await S3ByteReader.open(`s3://${BUCKET}/blob.bin`, { client: proxied(), retry: { ...fast, maxAttempts: 3 } });
    proxy.faults.push({ kind: 'status', status: 503, code: 'ServiceUnavailable', times: 5 });
    const error = await reader.read(0, 100).catch((e: unknown) => e);
    proxy.faults.length = 0;
    expect(error).toBeInstanceOf(S3RequestError);
    expect((error as Error).message).toMatch(/s3:\/\/test-bucket\/blob\.bin bytes 0–99 could not be read \(3 tries\)/);
  });

  it('does not retry an access error', async () => {
    const reader = await S3ByteReader.open(`s3://${BUCKET}/blob.bin`, { client: proxied(), retry: fast });
    proxy.faults.push({ kind: 'status', status: 403, code: 'AccessDenied', times: 1 });
    const error = await reader.read(0, 100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3RequestError);
    expect((error as Error).message).toMatch(/access denied/);
    expect(reader.stats.retries).toBe(0);
  });

  it('refuses to mix versions when the object is replaced during the run', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'changing.safetensors', Body: shard(0) }));
    const reader = await S3ByteReader.open(`s3://${BUCKET}/changing.safetensors`, { client: s3.client, retry: fast });
    await reader.read(0, 8);
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'changing.safetensors', Body: shard(1) }));
    const error = await reader.read(0, 8).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardChangedError);
    expect((error as ShardChangedError).code).toBe('DEEPLENS_SHARD_CHANGED');
    expect((error as Error).message).toMatch(/changed while the run was reading it \(ETag "/);
  });

  it('says clearly when an object does not exist', async () => {
    await expect(S3ByteReader.open(`s3://${BUCKET}/missing.npy`, { client: s3.client })).rejects.toThrow(/s3:\/\/test-bucket\/missing\.npy does not exist/);
  });
});
