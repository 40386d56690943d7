import { CpuBackend, Rng, SparseAutoencoder, type NormStats, type SaeConfigInput } from '@deeplens/core';

/** The models of packages/cli/fixtures/saelens-export (one per SAELens architecture we export to). */
export const SAELENS_FIXTURE_CASES: Record<string, Partial<SaeConfigInput>> = {
  topk: { k: 3 },
  jumprelu: { architecture: 'jumprelu', l0Coefficient: 0.01, jumpreluInitThreshold: 0.2 },
  batchtopk: { architecture: 'batchtopk', k: 3, auxKCoef: 1 / 32 },
  matryoshka: { architecture: 'matryoshka', k: 3, matryoshkaPrefixes: [4, 12] },
};

export const FIXTURE_DIMS = { d: 6, f: 12, rows: 9 };

/** Deterministic: a seeded model, a fixed BatchTopK threshold, per-dimension statistics and raw rows. */
export function saeLensFixtureModel(name: string) {
  const { d, f, rows } = FIXTURE_DIMS;
  const backend = new CpuBackend();
  const sae = SparseAutoencoder.create({ backend, config: { inputDims: d, nFeatures: f, ...SAELENS_FIXTURE_CASES[name] }, seed: 11 });
  if (sae.buffers.has('threshold')) sae.setArrays(new Map([['threshold', Float32Array.of(0.35)]]));
  if (name === 'jumprelu') {
    const rng = new Rng(5);
    sae.setArrays(new Map([['threshold', Float32Array.from({ length: f }, () => 0.05 + 0.4 * rng.uniform(0, 1))]]));
  }
  const normStats: NormStats = {
    mean: Float32Array.from({ length: d }, (_, i) => 0.3 * i - 1),
    std: Float32Array.from({ length: d }, (_, i) => 0.5 + 0.25 * i),
    rows: 100,
  };
  const raw = Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i * 1.7) * 2 + 0.5 + 0.1 * Math.cos(i * 0.3));
  return { backend, sae, normStats, raw };
}
