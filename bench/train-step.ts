/**
 * One benchmark measurement in its own process (so peak RSS is this run's):
 *   tsx bench/train-step.ts --backend wasm|wasm-simd|cpu|tfjs-ENGINE|gpujs-MODE --config a --steps 3 --warmup 1 [--optimizer-in-backward] [--micro-batch N] [--no-screen]
 * Prints one JSON line: tokens/s of full training steps (forward, backward, Adam, postStep),
 * encoder-matmul GFLOP/s, and peak RSS.
 */
import { parseArgs } from 'node:util';
import { Adam, checkTrainingMemory, cpuBackendPlugin, estimateTrainingMemory, resolveSaeConfig, Rng, SparseAutoencoder, type Backend, type BackendPlugin, type Tensor } from '@deeplens/core';
import { WasmBackend, wasmBackendPlugin } from '@deeplens/backend-wasm';
import { TfjsBackend, tfjsBackendPlugin, type TfjsEngine } from '@deeplens/backend-tfjs';
import { GpujsBackend, gpujsBackendPlugin, type GpujsMode } from '@deeplens/backend-gpujs';
import { CONFIGS, ENCODER_ROWS } from './configs.js';

const { values } = parseArgs({ options: { backend: { type: 'string' }, config: { type: 'string' }, steps: { type: 'string', default: '3' }, warmup: { type: 'string', default: '1' }, 'optimizer-in-backward': { type: 'boolean', default: false }, 'micro-batch': { type: 'string' }, 'no-screen': { type: 'boolean', default: false } } });
const plugins: Record<string, BackendPlugin> = {
  cpu: cpuBackendPlugin,
  wasm: wasmBackendPlugin as BackendPlugin,
  // The same backend forced onto its plain-SIMD kernels (no fused multiply-add).
  'wasm-simd': { ...wasmBackendPlugin, create: () => wasmBackendPlugin.create({ relaxedSimd: false }) } as BackendPlugin,
  // The tfjs backend on one engine each (tfjs-tensorflow and tfjs-webgpu only where installed).
  ...Object.fromEntries((['wasm', 'cpu', 'tensorflow', 'webgpu'] as TfjsEngine[]).map((engine) => [`tfjs-${engine}`, { ...tfjsBackendPlugin, create: () => tfjsBackendPlugin.create({ engine }) } as BackendPlugin])),
  // The gpu.js backend in one mode each (gpujs-headlessgl only where the optional gl package is built).
  ...Object.fromEntries((['headlessgl', 'webasm', 'cpu'] as GpujsMode[]).map((mode) => [`gpujs-${mode}`, { ...gpujsBackendPlugin, create: () => gpujsBackendPlugin.create({ mode }) } as BackendPlugin])),
};
const cfg = CONFIGS[values.config as 'a'];
// --no-screen: the wasm TopK encoder in float32 at every batch size (no int16 screen), to measure what the screen gains.
const backend = values['no-screen'] ? await wasmBackendPlugin.create({ screen: 'off' }) : await plugins[values.backend!]!.create();
// The runtime's own footprint (Node, V8, worker threads — the plugin's create() waits until the
// workers have started) before any model or data exists.
const idleRssMiB = process.memoryUsage().rss / 2 ** 20;
// What training does before allocating: a model beyond the backend's ceiling is refused with the estimate.
const memoryOptions = { config: resolveSaeConfig({ inputDims: cfg.d, nFeatures: cfg.F, k: cfg.k, betaL1: cfg.betaL1 }), batchSize: cfg.batch, microBatchSize: values['micro-batch'] ? Number(values['micro-batch']) : null, optimizerInBackward: values['optimizer-in-backward'] };
const ceiling = backend.capabilities.maxMemoryBytes;
try {
  checkTrainingMemory(estimateTrainingMemory(memoryOptions), { backend: ceiling ? { name: backend.name, bytes: ceiling } : undefined }, memoryOptions);
} catch (error) {
  // Not a failure of the benchmark: this backend cannot train the configuration (run.ts notes why).
  console.log(JSON.stringify({ skipped: (error as Error).message.split('\n')[0] }));
  await backend.dispose();
  process.exit(0);
}
// gpu.js declares how many elements one tensor may hold in its mode (2^24 on webasm): a configuration
// past it is skipped with the numbers, as the backend would refuse it at the first such op.
const tooLarge = (b: Backend): string | undefined => {
  const largest = Math.max(cfg.batch * cfg.F, cfg.d * cfg.F, ENCODER_ROWS * cfg.F);
  return b instanceof GpujsBackend && largest > b.traits.maxElements
    ? `gpu.js ${b.traits.mode} mode holds at most ${b.traits.maxElements} elements per tensor; this configuration needs ${largest}` : undefined;
};
if (tooLarge(backend)) {
  console.log(JSON.stringify({ skipped: tooLarge(backend) }));
  await backend.dispose();
  process.exit(0);
}
const rng = new Rng(1);
const sae = SparseAutoencoder.create({ backend, config: { inputDims: cfg.d, nFeatures: cfg.F, k: cfg.k, betaL1: cfg.betaL1 }, seed: 1 });
const opt = new Adam(sae, { lr: 1e-4 });
// Made inside a function: a temporary of the module's top level stays reachable from its frame.
const randomTensor = (rows: number): Tensor => backend.fromArray(Float32Array.from({ length: rows * cfg.d }, () => rng.normal()), [rows, cfg.d]);
// --micro-batch N: the batch as row blocks of N rows (the trainer's micro_batch_size), one set of
// gradients accumulated over them.
const microRows = values['micro-batch'] ? Number(values['micro-batch']) : cfg.batch;
const x: Tensor[] = Array.from({ length: Math.ceil(cfg.batch / microRows) }, (_, i) => randomTensor(Math.min(microRows, cfg.batch - i * microRows)));
// The set-up's JavaScript garbage (the initial weights and this batch, generated in JS and copied to
// the backend) is collected before training starts: the peak below is the training steps' own.
(globalThis as { gc?: () => void }).gc?.();

const inBackward = values['optimizer-in-backward'];
const step = async () => {
  if (inBackward) {
    // The trainer's optimizerInBackward: each gradient is applied (and freed) as soon as it exists.
    const update = opt.beginStep();
    await sae.lossAndGrads(x, {
      onGradient: (name, g) => {
        update.update(name, g);
        g.dispose();
      },
    });
    update.finish();
  } else {
    const { grads } = await sae.lossAndGrads(x);
    opt.step(grads);
    for (const g of grads.values()) g.dispose();
  }
  sae.postStep();
};
for (let i = 0; i < Number(values.warmup); i++) await step();
const t0 = performance.now();
const steps = Number(values.steps);
for (let i = 0; i < steps; i++) await step();
// GPU engines queue work: wait for it before stopping the clock.
await backend.sync?.();
const stepSeconds = (performance.now() - t0) / 1000 / steps;
// Peak RSS of set-up and training, read before the stand-alone matmul below allocates its own
// [rows, F] output and packed copy of W_enc.
const peakRssMiB = process.resourceUsage().maxRSS / 1024;

// Encoder matmul alone: [1024, d] · W_enc [d, F] (the same shape on the PyTorch side).
const a = randomTensor(ENCODER_ROWS);
backend.matmul(a, sae.param('W_enc')).dispose();
const m0 = performance.now();
for (let i = 0; i < 3; i++) backend.matmul(a, sae.param('W_enc')).dispose();
await backend.sync?.();
const matmulSeconds = (performance.now() - m0) / 1000 / 3;

console.log(JSON.stringify({
  impl: values.backend === 'wasm-simd' ? 'wasm' : backend.name, config: cfg.id, steps, stepSeconds, tokensPerSec: cfg.batch / stepSeconds,
  encoderGflops: (2 * ENCODER_ROWS * cfg.d * cfg.F) / matmulSeconds / 1e9, peakRssMiB, idleRssMiB,
  kernels: backend instanceof WasmBackend ? backend.kernelFlavor : backend instanceof TfjsBackend ? `${backend.engine} engine` : backend instanceof GpujsBackend ? `${backend.traits.mode} mode` : undefined,
  mode: [inBackward ? 'optimizer in backward' : '', x.length > 1 ? `micro-batches of ${microRows}` : '', values['no-screen'] ? 'float32 encoder (int16 screen off)' : ''].filter(Boolean).join(', ') || undefined,
}));
await backend.dispose();
process.exit(0);
