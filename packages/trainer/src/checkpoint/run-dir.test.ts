import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunDir, runDirFor } from './run-dir.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deeplens-rundir-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('createRunDir', () => {
  it('gives every run started in the same second its own folder, also when they race', async () => {
    const at = new Date(2026, 11, 6, 4, 30, 5);
    const dirs = await Promise.all(Array.from({ length: 6 }, () => createRunDir(root, 'sae', at)));
    expect(new Set(dirs).size).toBe(6);
    expect(dirs).toContain(runDirFor(root, 'sae', at));
    expect((await readdir(join(root, 'sae'))).sort()).toEqual(
      ['run_20261206_043005', ...[2, 3, 4, 5, 6].map((n) => `run_20261206_043005_${n}`)].sort(),
    );
    expect(await createRunDir(root, 'sae', at)).toBe(join(root, 'sae', 'run_20261206_043005_7'));
  });

  it('an output root that is a file is an OutputPathError', async () => {
    await writeFile(join(root, 'file'), 'x');
    await expect(createRunDir(join(root, 'file'), 'sae')).rejects.toMatchObject({ code: 'DEEPLENS_OUTPUT_PATH' });
  });
});
