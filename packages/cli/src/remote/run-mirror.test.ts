import { mkdir, mkdtemp, readFile, utimes, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchRun, RunMirror } from './run-mirror.js';
import { directoryRunStore, type RunStore } from './run-store.js';

let dir: string;
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'deeplens-mirror-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A store that records the order of writes. */
function recording(store: RunStore, log: string[]): RunStore {
  return { ...store, putFile: (name, file) => (log.push(name), store.putFile(name, file)) };
}

describe('RunMirror and fetchRun on a shared directory', () => {
  it('copies changed files only, the training state last, leaves temporary files out, and copies a run back down', async () => {
    const local = join(dir, 'local');
    const shared = directoryRunStore(join(dir, 'shared'));
    const log: string[] = [];
    const mirror = new RunMirror(local, recording(shared, log), 'sweep/0-k8');
    await mkdir(local, { recursive: true });
    await writeFile(join(local, 'training_state.safetensors'), 'state-1');
    await writeFile(join(local, 'best_model.safetensors'), 'model-1');
    await writeFile(join(local, 'metrics.jsonl'), '{"step":1}\n');
    await writeFile(join(local, 'best_model.safetensors.tmp-123-deadbeef'), 'partial');
    await mirror.sync();
    expect(log).toEqual(['sweep/0-k8/best_model.safetensors', 'sweep/0-k8/metrics.jsonl', 'sweep/0-k8/training_state.safetensors']);
    log.length = 0;
    await writeFile(join(local, 'metrics.jsonl'), '{"step":1}\n{"step":2}\n');
    await utimes(join(local, 'metrics.jsonl'), new Date(), new Date(Date.now() + 5000));
    await mirror.sync();
    expect(log).toEqual(['sweep/0-k8/metrics.jsonl']);
    expect(await shared.list('sweep/0-k8')).toEqual(['sweep/0-k8/best_model.safetensors', 'sweep/0-k8/metrics.jsonl', 'sweep/0-k8/training_state.safetensors']);

    const back = join(dir, 'back');
    await mkdir(back, { recursive: true });
    expect(await fetchRun(shared, 'sweep/0-k8', back)).toBe(true);
    expect(await readFile(join(back, 'metrics.jsonl'), 'utf8')).toBe('{"step":1}\n{"step":2}\n');
    expect(await fetchRun(shared, 'sweep/none', back)).toBe(false);
    expect(await shared.getText('sweep/none/x')).toBeUndefined();
  });
});
