/**
 * One training-step measurement on a tfjs engine, as bench/train-step.ts measures the other
 * backends (full steps: forward, backward, Adam, decoder renormalisation; GPU queues drained before
 * the clock stops). Bundled for the GPU check:
 *   node step.mjs --engine webgpu --config a [--steps 5]
 */
import { parseArgs } from 'node:util';
import { tfjsBackendPlugin, type TfjsBackend, type TfjsEngine } from '@deeplens/backend-tfjs';
import { Adam, Rng, SparseAutoencoder } from '@deeplens/core';
import { CONFIGS, ENCODER_ROWS } from '../configs.js';

const { values } = parseArgs({ options: { engine: { type: 'string', default: 'webgpu' }, config: { type: 'string', default: 'a' }, steps: { type: 'string', default: '5' }, warmup: { type: 'string', default: '2' } } });
const cfg = CONFIGS[values.config as 'a'];
const backend = (await tfjsBackendPlugin.create({ engine: values.engine as TfjsEngine })) as TfjsBackend;
const rng = new Rng(1);
const sae = SparseAutoencoder.create({ backend, config: { inputDims: cfg.d, nFeatures: cfg.F, k: cfg.k, betaL1: cfg.betaL1 }, seed: 1 });
const opt = new Adam(sae, { lr: 1e-4 });
const x = backend.fromArray(Float32Array.from({ length: cfg.batch * cfg.d }, () => rng.normal()), [cfg.batch, cfg.d]);
const step = async () => {
  const { grads } = await sae.lossAndGrads(x);
  opt.step(grads);
  for (const g of grads.values()) g.dispose();
  sae.postStep();
};
for (let i = 0; i < Number(values.warmup); i++) await step();
await backend.sync();
const steps = Number(values.steps);
const t0 = performance.now();
for (let i = 0; i < steps; i++) await step();
await backend.sync();
const stepSeconds = (performance.now() - t0) / 1000 / steps;
const a = backend.fromArray(Float32Array.from({ length: ENCODER_ROWS * cfg.d }, () => rng.normal()), [ENCODER_ROWS, cfg.d]);
backend.matmul(a, sae.param('W_enc')).dispose();
await backend.sync();
const m0 = performance.now();
for (let i = 0; i < 5; i++) backend.matmul(a, sae.param('W_enc')).dispose();
await backend.sync();
const matmulSeconds = (performance.now() - m0) / 1000 / 5;
console.log(JSON.stringify({
  impl: 'tfjs', kernels: `${backend.engine} engine`, detail: backend.detail, config: cfg.id, steps, stepSeconds, tokensPerSec: cfg.batch / stepSeconds,
  encoderGflops: (2 * ENCODER_ROWS * cfg.d * cfg.F) / matmulSeconds / 1e9,
}));
a.dispose();
x.dispose();
sae.dispose();
opt.dispose();
await backend.dispose();
process.exit(0);
