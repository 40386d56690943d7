import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-write.js';

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

describe('removeStaleTempFiles', () => {
  it('removes temp files of writers that are gone and keeps live writers\' and other files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deeplens-stale-'));
    try {
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
      await writeFile(join(dir, `training_state.safetensors.tmp-${dead}-0a1b2c3d`), 'torn');
      await writeFile(join(dir, `best_model.safetensors.tmp-${process.pid}-deadbeef`), 'mine, in flight');
      await writeFile(join(dir, 'notes.tmp-keep'), 'not ours');
      expect(await removeStaleTempFiles(dir)).toEqual([`training_state.safetensors.tmp-${dead}-0a1b2c3d`]);
      expect((await readdir(dir)).sort()).toEqual([`best_model.safetensors.tmp-${process.pid}-deadbeef`, 'notes.tmp-keep']);
      expect(await removeStaleTempFiles(join(dir, 'missing'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a write into a path whose folder is a file is an OutputPathError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deeplens-atomic-'));
    try {
      await writeFile(join(dir, 'f'), 'x');
      await expect(writeFileAtomic(join(dir, 'f', 'model.safetensors'), 'x')).rejects.toMatchObject({ code: 'DEEPLENS_OUTPUT_PATH' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
