import { Adam, Rng, SparseAutoencoder, type Backend } from '@deeplens/core';
import { tfjsBackendPlugin } from '@deeplens/backend-tfjs';
const engine = (process.argv[2] ?? 'wasm') as 'wasm';
const backend = await tfjsBackendPlugin.create({ engine });
const times = new Map<string, number>();
const proxied = new Proxy(backend, {
  get(target, prop, recv) {
    const v = Reflect.get(target, prop, recv);
    if (typeof v !== 'function' || prop === 'constructor') return v;
    return (...args: unknown[]) => {
      const t0 = performance.now();
      const r = (v as (...a: unknown[]) => unknown).apply(target, args);
      times.set(String(prop), (times.get(String(prop)) ?? 0) + performance.now() - t0);
      return r;
    };
  },
}) as Backend;
const rng = new Rng(1);
const [d, F, k, B] = [768, 6144, 32, 4096];
const sae = SparseAutoencoder.create({ backend: proxied, config: { inputDims: d, nFeatures: F, k }, seed: 1 });
const opt = new Adam(sae, { lr: 1e-4 });
const x = proxied.fromArray(Float32Array.from({ length: B * d }, () => rng.normal()), [B, d]);
const step = async () => { const { grads } = await sae.lossAndGrads(x); opt.step(grads); for (const g of grads.values()) g.dispose(); sae.postStep(); };
await step();
times.clear();
const t0 = performance.now();
await step(); await step();
console.log('step s', (performance.now() - t0) / 2000);
console.log([...times].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}: ${(v / 2).toFixed(0)} ms`).join('\n'));
await backend.dispose();
