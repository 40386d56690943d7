import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

describe('writeFileAtomic', () => {
  it('replaces the file whole, and a failed write leaves the old content and no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deeplens-atomic-'));
    try {
      const path = join(dir, 'best_model.safetensors');
      await writeFileAtomic(path, ['old ', 'content']);
      expect(await readFile(path, 'utf8')).toBe('old content');
      // The second chunk is not writable data: the write fails half-way through.
      await expect(writeFileAtomic(path, ['new partial ', 42 as unknown as string])).rejects.toThrow();
      expect(await readFile(path, 'utf8')).toBe('old content');
      expect(await readdir(dir)).toEqual(['best_model.safetensors']);
      await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
      expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
