/**
 * The wasm backend's matmul alone, [1024, 768] · [768, 6144] (the benchmark's encoder shape), best of
 * five products: `tsx bench/roofline/wasm-matmul.ts --threads 2`. Prints one JSON line.
 */
import { parseArgs } from 'node:util';
import { Rng } from '@deeplens/core';
import { WasmBackend } from '@deeplens/backend-wasm';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1' } } });
const backend = new WasmBackend({ threads: Number(values.threads) });
const [m, k, n] = [1024, 768, 6144];
const rng = new Rng(1);
const a = backend.fromArray(Float32Array.from({ length: m * k }, () => rng.normal()), [m, k]);
const b = backend.fromArray(Float32Array.from({ length: k * n }, () => rng.normal()), [k, n]);
let best = 0;
for (let r = 0; r < 5; r++) {
  const t = performance.now();
  backend.matmul(a, b).dispose();
  best = Math.max(best, (2 * m * k * n) / ((performance.now() - t) / 1000) / 1e9);
}
console.log(JSON.stringify({ threads: Number(values.threads), gflops: best, kernels: backend.kernelFlavor }));
backend.dispose();
process.exit(0);
