import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeFloat16 } from '../io/half-float.js';
import { encodeSafetensors, parseSafetensors, type SafetensorsInput } from '../io/safetensors.js';
import { bytesReader } from './byte-reader.js';
import { openActivationBytes } from './open-activation-bytes.js';
import { openActivationFile } from './open-activations.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/data/', import.meta.url));
const expected = JSON.parse(await readFile(join(FIXTURES, 'expected.json'), 'utf8')) as {
  files: Record<string, { shape: [number, number]; values: number[] }>;
};
const optionsFor = (name: string) => (name.startsWith('three_d') ? { flatten: true } : name === 'dict.pt' || name === 'multi.safetensors' ? { key: 'acts' } : {});

async function readAllBytes(name: string, bytes: Uint8Array, options = {}): Promise<{ shape: number[]; values: number[] }> {
  const src = await openActivationBytes(name, bytes, options);
  const out = new Float32Array(src.rows * src.cols);
  await src.readRows(0, src.rows, out);
  await src.close();
  return { shape: [src.rows, src.cols], values: Array.from(out) };
}

/** The in-memory path a web page takes (a dropped File's bytes) reads what the file path reads. */
describe('activations from bytes in memory (the browser path)', () => {
  for (const [name, want] of Object.entries(expected.files)) {
    it(`${name} reads exactly as written by PyTorch/NumPy`, async () => {
      const got = await readAllBytes(name, new Uint8Array(await readFile(join(FIXTURES, name))), optionsFor(name));
      expect(got.shape).toEqual(want.shape);
      expect(got.values).toEqual(want.values.map(Math.fround));
    });
  }

  it('a strided row range reads the same rows as the file reader', async () => {
    const strided = (await readdir(FIXTURES)).filter((n) => /^(f4_fortran\.npy|f2_fortran\.npy|transposed\.pt|padded\.pt|sliced\.pt)$/.test(n));
    expect(strided).toHaveLength(5);
    for (const name of strided) {
      const fromFile = await openActivationFile(join(FIXTURES, name));
      const fromBytes = await openActivationBytes(name, new Uint8Array(await readFile(join(FIXTURES, name))));
      const a = new Float32Array(2 * fromFile.cols);
      const b = new Float32Array(2 * fromFile.cols);
      await fromFile.readRows(1, 2, a);
      await fromBytes.readRows(1, 2, b);
      expect(Array.from(b), name).toEqual(Array.from(a));
      await fromFile.close();
    }
  });

  it('bad bytes get the same typed errors, naming the file', async () => {
    const cut = async (name: string) => (await readFile(join(FIXTURES, name))).subarray(0, -40);
    for (const name of ['f4_c.npy', 'f32.safetensors', 'f32.pt']) {
      await expect(openActivationBytes(`dropped-${name}`, await cut(name))).rejects.toMatchObject({ code: 'DEEPLENS_FILE_FORMAT', message: expect.stringContaining(`dropped-${name}`) });
    }
    await expect(openActivationBytes('x.bin', new TextEncoder().encode('hello world, not activations'))).rejects.toMatchObject({
      code: 'DEEPLENS_FILE_FORMAT', message: expect.stringContaining('not a recognised activation file'),
    });
    await expect(openActivationBytes('int64.pt', new Uint8Array(await readFile(join(FIXTURES, 'int64.pt'))))).rejects.toMatchObject({ message: expect.stringContaining('LongStorage') });
    await expect(openActivationBytes('malicious.pt', new Uint8Array(await readFile(join(FIXTURES, 'malicious.pt'))))).rejects.toMatchObject({ code: 'DEEPLENS_FILE_FORMAT' });
    await expect(openActivationBytes('dict.pt', new Uint8Array(await readFile(join(FIXTURES, 'dict.pt'))), { key: 'hidden' })).rejects.toMatchObject({ message: expect.stringContaining("no tensor under key 'hidden'") });
  });

  it("an extract shard's 'activations' tensor is read without a key; F16 and I32 tensors encode as safetensors stores them", async () => {
    const acts = encodeFloat16([0.5, -1, 2, 65504]);
    const bytes = new Uint8Array(Buffer.concat(encodeSafetensors(new Map<string, SafetensorsInput>([
      ['activations', { shape: [2, 2], data: acts }], ['tokens', { shape: [2], data: Int32Array.of(7, 9) }], ['pos', { shape: [2], data: Int32Array.of(1, 2) }],
    ]))));
    const header = parseSafetensors(bytes, 'shard');
    expect(header.tensors.get('tokens')).toMatchObject({ dtype: 'I32', shape: [2] });
    expect(header.tensors.get('activations')).toMatchObject({ dtype: 'F16', shape: [2, 2] });
    expect(await readAllBytes('shard.safetensors', bytes)).toEqual({ shape: [2, 2], values: [0.5, -1, 2, 65504] });
    const two = new Uint8Array(Buffer.concat(encodeSafetensors(new Map<string, SafetensorsInput>([['a', { shape: [1, 1], data: Float32Array.of(1) }], ['b', { shape: [1, 1], data: Float32Array.of(2) }]]))));
    await expect(openActivationBytes('two.safetensors', two)).rejects.toMatchObject({ message: expect.stringContaining('say which one') });
  });

  it('bytesReader refuses reads past the end instead of returning short data', async () => {
    const r = bytesReader('five.bin', new Uint8Array([1, 2, 3, 4, 5]));
    expect(Array.from(await r.read(1, 3))).toEqual([2, 3, 4]);
    await expect(r.read(3, 3)).rejects.toMatchObject({ code: 'DEEPLENS_FILE_FORMAT', message: expect.stringContaining('five.bin') });
    await expect(r.read(-1, 2)).rejects.toMatchObject({ code: 'DEEPLENS_INVALID_ARGUMENT' });
  });
});

