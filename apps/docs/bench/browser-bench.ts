import { Adam, Rng, SparseAutoencoder, type Backend, type Tensor } from '@deeplens/core';
import { PLAYGROUND_BACKENDS } from '../playground/playground-backends.js';

/** The measured configuration: `pnpm bench`'s config d, small enough for every browser backend. */
export const BENCH_CONFIG = { d: 256, F: 2048, k: 32, batch: 512, encoderRows: 1024 } as const;

export interface BrowserBenchRow {
  backend: string;
  /** How it ran: engine or gpu.js mode, and the renderer (a software renderer says so). */
  detail?: string;
  matmulGflops?: number;
  tokensPerSec?: number;
  stepSeconds?: number;
  /** Why it was not measured here. */
  skipped?: string;
}

export interface BrowserBenchResult {
  userAgent: string;
  hardwareConcurrency: number;
  /** The WebGL renderer string (UNMASKED_RENDERER_WEBGL), which names SwiftShader on a machine without a GPU. */
  webglRenderer: string;
  config: typeof BENCH_CONFIG;
  rows: BrowserBenchRow[];
}

/** The backends the bench measures: the playground's. */
export const BENCH_BACKENDS = PLAYGROUND_BACKENDS.map((b) => b.name);

function createBackend(name: string): Promise<Backend> {
  const backend = PLAYGROUND_BACKENDS.find((b) => b.name === name);
  if (!backend) return Promise.reject(new Error(`unknown backend '${name}' (the page has: ${BENCH_BACKENDS.join(', ')})`));
  return backend.create();
}

function webglRenderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  if (!gl) return 'no WebGL';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

/** Wait for the backend's queued work by reading one number that depends on it. */
async function settle(backend: Backend, t: Tensor): Promise<void> {
  const s = backend.reduce(t, 'sum');
  await backend.read(s);
  s.dispose();
}

async function measure(backend: Backend): Promise<Omit<BrowserBenchRow, 'backend'>> {
  const { d, F, k, batch, encoderRows } = BENCH_CONFIG;
  const rng = new Rng(1);
  const random = (rows: number) => backend.fromArray(Float32Array.from({ length: rows * d }, () => rng.normal()), [rows, d]);
  const sae = SparseAutoencoder.create({ backend, config: { inputDims: d, nFeatures: F, k }, seed: 1 });
  const opt = new Adam(sae, { lr: 1e-4 });
  const x = random(batch);
  const step = async () => {
    const { grads } = await sae.lossAndGrads(x);
    opt.step(grads);
    for (const g of grads.values()) g.dispose();
    sae.postStep();
  };
  await step();
  const steps = 3;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  await settle(backend, sae.param('W_dec'));
  const stepSeconds = (performance.now() - t0) / 1000 / steps;
  const a = random(encoderRows);
  const warm = backend.matmul(a, sae.param('W_enc'));
  await settle(backend, warm);
  warm.dispose();
  const m0 = performance.now();
  const reps = 3;
  for (let i = 0; i < reps; i++) {
    const out = backend.matmul(a, sae.param('W_enc'));
    if (i === reps - 1) await settle(backend, out);
    out.dispose();
  }
  const matmulSeconds = (performance.now() - m0) / 1000 / reps;
  a.dispose();
  x.dispose();
  opt.dispose();
  sae.dispose();
  return { detail: backend.detail ?? backend.name, matmulGflops: (2 * encoderRows * d * F) / matmulSeconds / 1e9, tokensPerSec: batch / stepSeconds, stepSeconds };
}

/** Measure every backend in turn, each on a fresh backend; one that cannot run here is a skipped row. */
export async function runBrowserBench(names: readonly string[], onRow: (row: BrowserBenchRow) => void): Promise<BrowserBenchResult> {
  const rows: BrowserBenchRow[] = [];
  for (const name of names) {
    let backend: Backend | undefined;
    let row: BrowserBenchRow;
    try {
      backend = await createBackend(name);
      row = { backend: name, ...(await measure(backend)) };
    } catch (error) {
      row = { backend: name, skipped: (error as Error).message.split('\n')[0]! };
    } finally {
      await backend?.dispose();
    }
    rows.push(row);
    onRow(row);
  }
  return { userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency, webglRenderer: webglRenderer(), config: BENCH_CONFIG, rows };
}
