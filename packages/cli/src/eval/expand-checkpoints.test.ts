import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandCheckpoints } from './in-model-eval.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('expandCheckpoints', () => {
  it('a sweep folder stands for each of its finished SAEs, named as the sweep names them; other paths are kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sweep-'));
    dirs.push(dir);
    const members = [
      { name: '00-k16-topk', bestModelPath: '/runs/a/best_model.safetensors', status: 'completed' },
      { name: '01-k32-topk', status: 'failed' },
      { name: '02-k16-batchtopk', bestModelPath: '/runs/c/best_model.safetensors', status: 'completed' },
    ];
    await writeFile(join(dir, 'sweep.json'), JSON.stringify({ version: 1, members }));
    expect(expandCheckpoints([dir, '/runs/x/best_model.safetensors', '/runs/y'])).toEqual([
      { name: '00-k16-topk', path: '/runs/a/best_model.safetensors' },
      { name: '02-k16-batchtopk', path: '/runs/c/best_model.safetensors' },
      { name: 'x', path: '/runs/x/best_model.safetensors' },
      { name: 'y', path: '/runs/y' },
    ]);
    await writeFile(join(dir, 'sweep.json'), JSON.stringify({ version: 1, members: [members[1]] }));
    expect(() => expandCheckpoints([dir])).toThrow(/has no finished SAE to evaluate/);
  });
});
