import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { openActivations } from '@deeplens/core/node';
import { encodeSafetensors, type ActivationSource } from '@deeplens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openS3Activations } from './open-s3-activations.js';
import { FaultProxy, startTestS3, testClient, type TestS3 } from './testing/test-s3-server.js';

const BUCKET = 'acts';
const FIXTURES = fileURLToPath(new URL('../../core/fixtures/data/', import.meta.url));
const DEMO_FILE = fileURLToPath(new URL('../../../data/demo/stories260K-layer3-mlp-hidden-2048.npy', import.meta.url));
let s3: TestS3;

async function allRows(source: ActivationSource): Promise<Float32Array> {
  const out = new Float32Array(source.rows * source.cols);
  await source.readRows(0, source.rows, out);
  return out;
}

beforeAll(async () => {
  s3 = await startTestS3(BUCKET);
  for (const name of await readdir(FIXTURES)) {
    if (/\.(npy|pt|safetensors)$/.test(name)) await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `fixtures/${name}`, Body: await readFile(join(FIXTURES, name)) }));
  }
  // The demo file as three shards whose names sort differently as text and as numbers.
  const demo = await openActivations(DEMO_FILE);
  const rows = await allRows(demo);
  const cuts = [0, 700, 1400, demo.rows];
  for (const [i, name] of ['shard_1', 'shard_2', 'shard_10'].entries()) {
    const data = rows.subarray(cuts[i]! * demo.cols, cuts[i + 1]! * demo.cols);
    const body = Buffer.concat(encodeSafetensors(new Map([['activations', { dtype: 'F32' as const, shape: [cuts[i + 1]! - cuts[i]!, demo.cols], data }]])));
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `demo/${name}.safetensors`, Body: body }));
  }
  await demo.close();
});
afterAll(() => s3.close());

describe('openS3Activations', () => {
  it.each(['f32.pt', 'f16.pt', 'bf16.pt', 'sliced.pt', 'transposed.pt', 'f4_c.npy', 'f2_fortran.npy', 'f8_c.npy', 'f32.safetensors', 'bf16.safetensors'])('reads %s exactly as the local reader does', async (name) => {
    const local = await openActivations(join(FIXTURES, name));
    const remote = await openS3Activations(`s3://${BUCKET}/fixtures/${name}`, { client: s3.client });
    expect([remote.rows, remote.cols, remote.dtype]).toEqual([local.rows, local.cols, local.dtype]);
    expect(await allRows(remote)).toEqual(await allRows(local));
    const some = new Float32Array(2 * remote.cols);
    await remote.readRows(1, 2, some);
    expect(some).toEqual((await allRows(local)).subarray(remote.cols, 3 * remote.cols));
    await Promise.all([local.close(), remote.close()]);
  });

  it('selects a tensor by key and flattens N-D tensors like local files', async () => {
    const local = await openActivations(join(FIXTURES, 'three_d.pt'), { flatten: true });
    const remote = await openS3Activations(`s3://${BUCKET}/fixtures/three_d.pt`, { client: s3.client, flatten: true });
    expect(await allRows(remote)).toEqual(await allRows(local));
    await expect(openS3Activations(`s3://${BUCKET}/fixtures/multi.safetensors`, { client: s3.client })).rejects.toThrow(/multi\.safetensors/);
  });

  it('reads a prefix as one dataset of its shards in natural order, and refuses an empty one', async () => {
    const remote = await openS3Activations(`s3://${BUCKET}/demo/`, { client: s3.client });
    const local = await openActivations(DEMO_FILE);
    expect([remote.rows, remote.cols]).toEqual([local.rows, local.cols]);
    expect(await allRows(remote)).toEqual(await allRows(local));
    await expect(openS3Activations(`s3://${BUCKET}/nothing/`, { client: s3.client })).rejects.toThrow(/s3:\/\/acts\/nothing\/ holds no activation files/);
  });

  it('survives dropped connections and 503s while reading rows', async () => {
    const proxy = await new FaultProxy(s3.endpoint).start();
    try {
      const local = await openActivations(DEMO_FILE);
      const remote = await openS3Activations(`s3://${BUCKET}/demo/`, { client: testClient(proxy.endpoint, 1), retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 4 } });
      proxy.faults.push({ kind: 'drop', afterBytes: 4096, times: 2 }, { kind: 'status', status: 503, code: 'SlowDown', times: 2 });
      expect(await allRows(remote)).toEqual(await allRows(local));
      expect(proxy.faults).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
