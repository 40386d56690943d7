import { Adam, decodeModelFile } from '@deeplens/core';
import { describe, expect, it } from 'vitest';
import { SAETrainer } from '../sae-trainer.js';
import { smallSetup } from '../test-setup.test-helper.js';
import { MemoryRunStorage } from './memory-run-storage.js';
import { BEST_MODEL_FILE, TRAINING_STATE_FILE } from './run-names.js';

const quiet = { handleSignals: false, logToWandb: false, warn: () => {} };

/** The portable SAETrainer (the browser entry's) keeps its run in memory: same files, same resume. */
describe('SAETrainer with runs in memory', () => {
  it('writes best_model.safetensors, config.json and the training state as bytes a model loads from', async () => {
    const { model, train, eval: ev } = await smallSetup();
    const storage = new MemoryRunStorage();
    const trainer = new SAETrainer({ model, trainDataloader: train, evalDataloader: ev, epochs: 2, evalSteps: 4, storage, ...quiet });
    expect(trainer.storage).toBe(storage);
    const result = await trainer.train();
    expect(result.runDir).toMatch(/^memory:saved_models\/sae\/run_\d{8}_\d{6}$/);
    expect(result.bestModelPath).toBe(`${result.runDir}/${BEST_MODEL_FILE}`);
    const file = decodeModelFile(storage.file(result.bestModelPath!)!, 'best');
    expect(file.config.nFeatures).toBe(64);
    expect(file.normStats).toBeDefined();
    const config = JSON.parse(new TextDecoder().decode(storage.file(`${result.runDir}/config.json`)!)) as Record<string, unknown>;
    expect(config).toMatchObject({ input_dims: 16, n_features: 64, k: 4, backend: 'cpu' });
    expect(storage.file(`${result.runDir}/${TRAINING_STATE_FILE}`)!.length).toBeGreaterThan(4 * 16 * 64 * 2);
    // Best model = the weights at the best eval; after the last eval it equals the final weights here.
    expect([...storage.files.keys()].sort()).toEqual([`${result.runDir}/${BEST_MODEL_FILE}`, `${result.runDir}/config.json`, `${result.runDir}/${TRAINING_STATE_FILE}`]);
  });

  it('a run stopped by a hook resumes from memory to the same weights as an uninterrupted run', async () => {
    const a = await smallSetup();
    await new SAETrainer({ model: a.model, optim: new Adam(a.model, { lr: 1e-2 }), trainDataloader: a.train, epochs: 2, saveCheckpoints: false, ...quiet }).train();
    const storage = new MemoryRunStorage();
    const b = await smallSetup();
    const stopped = await new SAETrainer({
      model: b.model, optim: new Adam(b.model, { lr: 1e-2 }), trainDataloader: b.train, epochs: 2, storage, ...quiet,
      hooks: [{ onStepEnd: (s, _m, c) => { if (s.globalStep === 5) c.requestStop('test'); } }],
    }).train();
    expect(stopped.status).toBe('stopped');
    const c = await smallSetup();
    const resumed = await new SAETrainer({ model: c.model, optim: new Adam(c.model, { lr: 1e-2 }), trainDataloader: c.train, epochs: 2, storage, ...quiet })
      .train({ resumeFrom: stopped.runDir! });
    expect(resumed.globalStep).toBe(16);
    for (const name of a.model.paramNames) {
      expect(await c.model.backend.read(c.model.param(name)), name).toEqual(await a.model.backend.read(a.model.param(name)));
    }
  });

  it('a corrupted state in memory is refused by its checksum, and a missing run says so', async () => {
    const { model, train } = await smallSetup();
    const storage = new MemoryRunStorage();
    const run = (await new SAETrainer({ model, trainDataloader: train, epochs: 1, storage, ...quiet }).train()).runDir!;
    const state = storage.file(`${run}/${TRAINING_STATE_FILE}`)!;
    state[state.length - 3]! ^= 0x10;
    const again = await smallSetup();
    await expect(new SAETrainer({ model: again.model, trainDataloader: again.train, epochs: 2, storage, ...quiet }).train({ resumeFrom: run }))
      .rejects.toMatchObject({ code: 'DEEPLENS_RESUME', message: expect.stringContaining('corrupt') });
    await expect(new SAETrainer({ model: again.model, trainDataloader: again.train, epochs: 2, storage, ...quiet }).train({ resumeFrom: 'memory:nope' }))
      .rejects.toMatchObject({ message: expect.stringContaining('training_state.safetensors is missing') });
  });

  it('two runs in one storage get distinct locations', async () => {
    const storage = new MemoryRunStorage();
    const [a, b] = [await storage.createRun('out', 'm'), await storage.createRun('out', 'm')];
    expect(a).not.toBe(b);
    expect(b).toBe(`${a}_2`);
    expect(await storage.sha256([new TextEncoder().encode('abc')])).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
