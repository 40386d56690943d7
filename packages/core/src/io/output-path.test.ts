import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputPathError } from '../errors.js';
import { ensureDir, toOutputPathError } from './output-path.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deeplens-outpath-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ensureDir', () => {
  it('creates every missing level and accepts an existing folder', async () => {
    await ensureDir(join(dir, 'a', 'b', 'c'));
    expect((await stat(join(dir, 'a', 'b', 'c'))).isDirectory()).toBe(true);
    await ensureDir(join(dir, 'a', 'b'));
  });

  it('a file in the way is an OutputPathError naming the path', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(ensureDir(join(dir, 'file'))).rejects.toMatchObject({ code: 'DEEPLENS_OUTPUT_PATH', osCode: 'EEXIST', message: expect.stringContaining('exists and is not a folder') });
    await expect(ensureDir(join(dir, 'file', 'sub'))).rejects.toMatchObject({ osCode: 'ENOTDIR', path: join(dir, 'file', 'sub') });
  });

  it('paths under /proc and /sys fail at once instead of spinning', async () => {
    await expect(ensureDir('/proc/deeplens-test/x')).rejects.toBeInstanceOf(OutputPathError);
    await expect(ensureDir('/sys/deeplens-test')).rejects.toBeInstanceOf(OutputPathError);
  });
});

describe('toOutputPathError', () => {
  it('maps file-system codes to a message and a hint, and leaves other errors alone', () => {
    const full = toOutputPathError(Object.assign(new Error('write failed'), { code: 'ENOSPC' }), '/data/run/x.safetensors') as OutputPathError;
    expect(full).toBeInstanceOf(OutputPathError);
    expect(full.message).toMatch(/^\/data\/run\/x.safetensors: cannot be written: no space left on the device\n {2}hint: free disk space/);
    expect((toOutputPathError(Object.assign(new Error('x'), { code: 'EROFS' }), '/p') as OutputPathError).message).toMatch(/read-only file system/);
    expect((toOutputPathError(Object.assign(new Error('x'), { code: 'EACCES' }), '/p') as OutputPathError).message).toMatch(/permission denied[\s\S]*hint: choose a folder you can write to/);
    const odd = toOutputPathError(Object.assign(new Error('strange'), { code: 'EWEIRD' }), '/p') as OutputPathError;
    expect(odd.message).toMatch(/EWEIRD \(strange\)/);
    const bug = new TypeError('not fs');
    expect(toOutputPathError(bug, '/p')).toBe(bug);
  });
});
