import { copyFile, mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../io/write-npy.js';
import { openActivations } from './open-activations.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/data/', import.meta.url));
const expected = JSON.parse(await readFile(join(FIXTURES, 'expected.json'), 'utf8')) as {
  files: Record<string, { shape: [number, number]; values: number[] }>;
};

async function readAll(spec: string | string[], options = {}) {
  const src = await openActivations(spec, options);
  try {
    const out = new Float32Array(src.rows * src.cols);
    await src.readRows(0, src.rows, out);
    return { src, out };
  } finally {
    await src.close();
  }
}

describe('activation readers against files written by PyTorch and NumPy', () => {
  for (const [name, want] of Object.entries(expected.files)) {
    it(`${name} reads exactly`, async () => {
      const options = name.startsWith('three_d') ? { flatten: true } : name === 'dict.pt' ? { key: 'acts' } : name === 'multi.safetensors' ? { key: 'acts' } : {};
      const { src, out } = await readAll(join(FIXTURES, name), options);
      expect([src.rows, src.cols]).toEqual(want.shape);
      expect(Array.from(out)).toEqual(want.values.map(Math.fround));
    });
  }

  it('reads row ranges of strided layouts (Fortran npy, transposed and padded .pt)', async () => {
    for (const name of ['f4_fortran.npy', 'transposed.pt', 'padded.pt', 'sliced.pt']) {
      const src = await openActivations(join(FIXTURES, name));
      const out = new Float32Array(3 * src.cols);
      await src.readRows(2, 3, out);
      await src.close();
      expect(Array.from(out)).toEqual(expected.files[name]!.values.slice(2 * src.cols, 5 * src.cols).map(Math.fround));
    }
  });

  it('reads a folder, a glob and a list of shards as one dataset', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deeplens-shards-'));
    try {
      await copyFile(join(FIXTURES, 'f32.pt'), join(dir, 'part_10.pt'));
      await copyFile(join(FIXTURES, 'f4_c.npy'), join(dir, 'part_2.npy'));
      await copyFile(join(FIXTURES, 'f32.safetensors'), join(dir, 'part_1.safetensors'));
      const base = expected.files['f32.pt']!.values.map(Math.fround);
      const npy = expected.files['f4_c.npy']!.values.map(Math.fround);
      const folder = await readAll(dir);
      expect(folder.src.rows).toBe(21);
      // natural order: part_1, part_2, part_10
      expect(Array.from(folder.out)).toEqual([...base, ...npy, ...base]);
      const globbed = await readAll(join(dir, 'part_*.{pt,npy}'));
      expect(globbed.src.rows).toBe(14);
      const listed = await readAll([join(dir, 'part_10.pt'), join(dir, 'part_2.npy')]);
      expect(Array.from(listed.out)).toEqual([...base, ...npy]);
      const src = await openActivations(dir);
      expect(src.locate(9)).toEqual({ file: join(dir, 'part_2.npy'), row: 2 });
      await src.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('bad activation files get typed errors that say what, where and how to fix', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deeplens-bad-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('missing file, empty folder, glob without matches', async () => {
    await expect(openActivations(join(dir, 'nope.pt'))).rejects.toMatchObject({ code: 'DEEPLENS_DATA_NOT_FOUND', message: expect.stringContaining('nope.pt') });
    await expect(openActivations(dir)).rejects.toMatchObject({ code: 'DEEPLENS_DATA_NOT_FOUND', message: expect.stringContaining('holds no activation files') });
    await expect(openActivations(join(dir, '*.npy'))).rejects.toMatchObject({ code: 'DEEPLENS_DATA_NOT_FOUND' });
  });

  it('unknown format', async () => {
    const f = join(dir, 'notes.txt');
    await writeFile(f, 'hello world, not activations');
    await expect(openActivations(f)).rejects.toMatchObject({ code: 'DEEPLENS_FILE_FORMAT', message: expect.stringContaining('not a recognised activation file') });
  });

  it('a legacy (non-zip) torch.save file is named as such, with how to save it again', async () => {
    // What torch.save wrote before PyTorch 1.6: pickle protocol 2, then the magic number 0x1950a86a20f9469cfc6c as a LONG1.
    const f = join(dir, 'legacy.pt');
    await writeFile(f, Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e, 0x80, 0x02]));
    await expect(openActivations(f)).rejects.toMatchObject({ code: 'DEEPLENS_FILE_FORMAT', message: expect.stringMatching(/legacy PyTorch file[\s\S]*hint: save it again in the zip format: python -c/) });
  });

  it('a key on a .npy file is an error, not silently ignored', async () => {
    await expect(openActivations(join(FIXTURES, 'f4_c.npy'), { key: 'acts' })).rejects.toMatchObject({
      code: 'DEEPLENS_INVALID_ARGUMENT', message: expect.stringMatching(/a .npy file holds one array, so key 'acts' cannot select a tensor/),
    });
  });

  it('truncated .npy, .pt and .safetensors', async () => {
    for (const name of ['f4_c.npy', 'f32.safetensors', 'f32.pt']) {
      const f = join(dir, `cut-${name}`);
      await copyFile(join(FIXTURES, name), f);
      const { size } = await stat(f);
      await truncate(f, size - 40);
      await expect(openActivations(f)).rejects.toMatchObject({ code: 'DEEPLENS_FILE_FORMAT', message: expect.stringContaining(f) });
    }
  });

  it('3-D tensors explain how to flatten', async () => {
    for (const name of ['three_d.pt', 'three_d.npy']) {
      await expect(openActivations(join(FIXTURES, name))).rejects.toMatchObject({
        code: 'DEEPLENS_DATA_SHAPE',
        message: expect.stringMatching(/\[2, 3, 5\][\s\S]*reshape\(-1, 5\)[\s\S]*flatten: true/),
      });
    }
  });

  it('integer tensors, unknown dict keys, ambiguous files', async () => {
    await expect(openActivations(join(FIXTURES, 'int64.pt'))).rejects.toMatchObject({ message: expect.stringContaining('LongStorage') });
    await expect(openActivations(join(FIXTURES, 'int32.npy'))).rejects.toMatchObject({ message: expect.stringContaining("'<i4'") });
    await expect(openActivations(join(FIXTURES, 'dict.pt'), { key: 'hidden' })).rejects.toMatchObject({ message: expect.stringContaining("no tensor under key 'hidden'") });
    await expect(openActivations(join(FIXTURES, 'multi.safetensors'))).rejects.toMatchObject({ message: expect.stringContaining('acts, other') });
  });

  it('refuses to execute a malicious pickle', async () => {
    await expect(openActivations(join(FIXTURES, 'malicious.pt'))).rejects.toMatchObject({
      code: 'DEEPLENS_FILE_FORMAT',
      message: expect.stringContaining("refusing global 'os.system'"),
    });
  });

  it('mismatched shard widths', async () => {
    const ok = await openActivations([join(FIXTURES, 'f4_c.npy'), join(FIXTURES, 'transposed.pt'), join(FIXTURES, 'padded.pt')]);
    expect(ok.rows).toBe(21);
    await ok.close();
    await expect(openActivations([join(FIXTURES, 'f4_c.npy'), join(FIXTURES, 'f32.pt'), join(FIXTURES, 'multi.safetensors')], { key: 'other' }))
      .rejects.toMatchObject({ code: 'DEEPLENS_FILE_FORMAT' });
    const wide = join(dir, 'wide.npy');
    await writeNpy(wide, new Float32Array(12), [2, 6]);
    await expect(openActivations([join(FIXTURES, 'f4_c.npy'), wide])).rejects.toMatchObject({ code: 'DEEPLENS_DATA_SHAPE', message: expect.stringContaining('width 6') });
  });
});

describe('files over 4 GiB', () => {
  it('reads rows stored past the 4 GiB mark of a sparse .npy file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deeplens-big-'));
    const f = join(dir, 'big.npy');
    try {
      const cols = 1024;
      const rows = 1_100_000; // 1.1M × 1024 × 4 B ≈ 4.2 GiB
      let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
      header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11, ' ') + '\n';
      const prefix = Buffer.alloc(10);
      prefix.write('\x93NUMPY', 0, 'latin1');
      prefix[6] = 1;
      prefix.writeUInt16LE(header.length, 8);
      await writeFile(f, Buffer.concat([prefix, Buffer.from(header, 'latin1')]));
      const dataStart = 10 + header.length;
      await truncate(f, dataStart + rows * cols * 4); // sparse: no disk space used
      const lastRow = Float32Array.from({ length: cols }, (_, i) => i + 0.5);
      const h = await open(f, 'r+');
      await h.write(Buffer.from(lastRow.buffer), 0, cols * 4, dataStart + (rows - 1) * cols * 4);
      await h.close();
      expect(dataStart + (rows - 1) * cols * 4).toBeGreaterThan(2 ** 32);
      const src = await openActivations(f);
      expect(src.rows).toBe(rows);
      const out = new Float32Array(2 * cols);
      await src.readRows(rows - 2, 2, out);
      await src.close();
      expect(out.subarray(0, cols).every((v) => v === 0)).toBe(true);
      expect(Array.from(out.subarray(cols))).toEqual(Array.from(lastRow));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
