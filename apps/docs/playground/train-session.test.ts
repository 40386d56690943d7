import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpuBackend, decodeModelFile, openActivationBytes } from '@deeplens/core';
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG_YAML, DEMO_DATA_NAME } from './demo-config.js';
import { parsePlaygroundConfig, TrainSession } from './train-session.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DEMO = join(REPO, 'data/demo', DEMO_DATA_NAME);
const demoSource = async () => openActivationBytes(DEMO_DATA_NAME, new Uint8Array(readFileSync(DEMO)));

/** The playground's training session, in Node on the reference cpu backend (the page runs the same code). */
describe('playground training session', () => {
  it('the demo config is the CLI demo\'s model, parsed and checked as the CLI does', () => {
    const c = parsePlaygroundConfig(DEMO_CONFIG_YAML);
    expect(c.model).toMatchObject({ inputDims: 172, nFeatures: 688, k: 16, activation: 'relu' });
    expect(c.trainer).toMatchObject({ epochs: 4, lrs_type: 'cosine' });
    expect(() => parsePlaygroundConfig(`${DEMO_CONFIG_YAML}\nn_featurs: 5\n`)).toThrow(/n_featurs[\s\S]*n_features/);
    expect(() => parsePlaygroundConfig('input_dims: [')).toThrow(/invalid YAML/);
  });

  it('N steps: the loss falls, it stops at N after an evaluation, and the download is a model deeplens eval reads', async () => {
    const backend = new CpuBackend();
    const steps: number[] = [];
    const lines: string[] = [];
    const session = new TrainSession({ backend, source: await demoSource(), configText: DEMO_CONFIG_YAML, steps: 100, onStep: (s) => void steps.push(s), onLine: (l) => void lines.push(l) });
    const { result, losses, download } = await session.done;
    expect(result.status).toBe('stopped');
    expect(result.globalStep).toBe(100);
    expect(steps).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.8);
    expect(result.lastEval!.fvu).toBeLessThan(0.85);
    expect(lines.some((l) => /Model: 172 → 688 features/.test(l))).toBe(true);
    const file = decodeModelFile(download!.model, 'downloaded');
    expect(file.config).toMatchObject({ inputDims: 172, nFeatures: 688, k: 16 });
    expect(JSON.parse(download!.configJson)).toMatchObject({ input_dims: 172, n_features: 688, k: 16, backend: 'cpu' });
    const dir = mkdtempSync(join(tmpdir(), 'deeplens-pg-'));
    try {
      writeFileSync(join(dir, 'best_model.safetensors'), download!.model);
      writeFileSync(join(dir, 'config.json'), download!.configJson);
      const cli = join(REPO, 'packages/cli/dist/deeplens.mjs');
      const out = JSON.parse(execFileSync(process.execPath, [cli, 'eval', '--checkpoint', dir, '--activations', DEMO, '--json', '--backend', 'cpu'], { encoding: 'utf8' })) as { fvu: number; l0: number };
      // deeplens eval reads the downloaded pair; it evaluates every row, the session its 20% eval split.
      expect(out.l0).toBeGreaterThan(15);
      expect(out.l0).toBeLessThanOrEqual(16);
      expect(Math.abs(out.fvu - result.lastEval!.fvu)).toBeLessThan(0.15);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      backend.dispose();
    }
  });

  it('stop() ends the run after the current step with an evaluation, so there is a best model', async () => {
    const backend = new CpuBackend();
    const session = new TrainSession({ backend, source: await demoSource(), configText: DEMO_CONFIG_YAML, onStep: (s) => { if (s === 7) session.stop(); } });
    const { result, download } = await session.done;
    expect(result.status).toBe('stopped');
    expect(result.globalStep).toBe(7);
    expect(result.lastEval?.trigger).toBe('request');
    expect(download).toBeDefined();
    backend.dispose();
  });
});
