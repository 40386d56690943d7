/**
 * One trainer measurement in its own process, for bench/compare-commits.ts: SAETrainer's full loop
 * (data loading, step, divergence and latent-activity bookkeeping, hooks at the default logging
 * cadence) on synthetic data, on the wasm backend. Uses only API that every compared commit has.
 *   tsx <worktree>/packages/cli/bench-trainer-step.ts --config a --steps 6 --configs-module /abs/bench/configs.ts
 * (compare-commits.ts copies it into each worktree's CLI package, which depends on core, wasm and
 * the trainer, so it runs against that commit's code.)
 * Prints one JSON line: tokens/s over the timed steps and peak RSS.
 */
import { parseArgs } from 'node:util';
import { Adam, ActivationsDatasetBuilder, MemorySource, Rng, SparseAutoencoder } from '@deeplens/core';
import { wasmBackendPlugin } from '@deeplens/backend-wasm';
import { SAETrainer } from '@deeplens/trainer';

const { values } = parseArgs({ options: { config: { type: 'string' }, steps: { type: 'string', default: '6' }, 'configs-module': { type: 'string' } } });
const { CONFIGS } = (await import(values['configs-module']!)) as typeof import('../configs.js');
const cfg = CONFIGS[values.config as 'a'];
const steps = Number(values.steps);
const warmup = 1;
const backend = await wasmBackendPlugin.create();
const idleRssMiB = process.memoryUsage().rss / 2 ** 20;
const rng = new Rng(1);
const rows = cfg.batch * (steps + warmup);
const data = Float32Array.from({ length: rows * cfg.d }, () => rng.normal());
const { train } = await new ActivationsDatasetBuilder({ activations: new MemorySource(data, cfg.d), batchSize: cfg.batch, splits: [1], norm: false, seed: 1 }).getDataloaders();
const model = SparseAutoencoder.create({ backend, config: { inputDims: cfg.d, nFeatures: cfg.F, k: cfg.k, betaL1: cfg.betaL1 }, seed: 1 });
let t0 = 0;
const trainer = new SAETrainer({
  model, trainDataloader: train, optim: new Adam(model, { lr: 1e-4 }), epochs: 1, saveCheckpoints: false, logToWandb: false, handleSignals: false,
  warn: () => {}, logEverySteps: 100,
  // Due once, at the end of the (single) warm-up step: the clock starts there. No other hook or
  // logger is due during the timed steps, so they run at the loop's steady state.
  hooks: [{ hooks: { onStepEnd: () => void (t0 = performance.now()) }, everySteps: steps + warmup + 1 }],
});
const result = await trainer.train();
const timed = result.globalStep - warmup;
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ impl: 'wasm trainer', config: cfg.id, steps: timed, stepSeconds: seconds / timed, tokensPerSec: (cfg.batch * timed) / seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, idleRssMiB }));
await backend.dispose();
process.exit(0);
