import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from './s3-store.js';
import { FaultProxy, startTestS3, testClient, type TestS3 } from './testing/test-s3-server.js';

let s3: TestS3;
let proxy: FaultProxy;
const big = new Uint8Array(12 << 20).map((_, i) => (i * 31 + (i >> 12)) & 0xff);

beforeAll(async () => {
  s3 = await startTestS3('runs');
  proxy = await new FaultProxy(s3.endpoint).start();
});
afterAll(async () => {
  await proxy.close();
  await s3.close();
});

describe('S3Store', () => {
  it('writes, reads, lists and deletes objects; a missing object reads as undefined', async () => {
    const store = new S3Store({ client: s3.client });
    await store.put('s3://runs/a/config.json', '{"k":32}');
    await store.put('s3://runs/a/sub/x.bin', new Uint8Array([1, 2, 3]));
    expect(new TextDecoder().decode(await store.get('s3://runs/a/config.json'))).toBe('{"k":32}');
    expect((await store.list('s3://runs/a/')).sort()).toEqual(['s3://runs/a/config.json', 's3://runs/a/sub/x.bin']);
    expect(await store.get('s3://runs/a/none')).toBeUndefined();
    await store.delete('s3://runs/a/sub/x.bin');
    expect(await store.list('s3://runs/a/')).toEqual(['s3://runs/a/config.json']);
  });

  it('writes a large file as a multipart upload and copies it back to disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3store-'));
    await writeFile(join(dir, 'big.bin'), big);
    const store = new S3Store({ client: s3.client, partBytes: 5 << 20 });
    await store.putFile('s3://runs/big/model.safetensors', join(dir, 'big.bin'));
    expect(await store.getFile('s3://runs/big/model.safetensors', join(dir, 'back.bin'))).toBe(true);
    expect(Buffer.compare(await readFile(join(dir, 'back.bin')), big)).toBe(0); // (toEqual walks 12 MiB element by element)
    expect(await store.getFile('s3://runs/big/none', join(dir, 'none.bin'))).toBe(false);
  });

  it('leaves no object behind when a multipart upload fails part-way (it appears only when complete)', async () => {
    const store = new S3Store({ client: testClient(proxy.endpoint, 1), partBytes: 5 << 20 });
    proxy.faults.push({ kind: 'status', status: 400, code: 'InvalidPart', times: 1, on: 'upload-part' });
    await expect(store.put('s3://runs/partial/model.safetensors', big)).rejects.toThrow(/s3:\/\/runs\/partial\/model\.safetensors cannot be written/);
    expect(proxy.faults).toEqual([]);
    expect(await store.list('s3://runs/partial/')).toEqual([]);
  });
});
