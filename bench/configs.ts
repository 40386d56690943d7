/** The benchmark configurations of issue 7 (tokens = activation vectors). */
export interface BenchConfig {
  id: 'a' | 'b' | 'c' | 'd';
  label: string;
  d: number;
  F: number;
  k: number | null;
  betaL1: number | null;
  batch: number;
}

export const CONFIGS: Record<BenchConfig['id'], BenchConfig> = {
  a: { id: 'a', label: 'TopK d=768 F=6144 k=32 B=4096', d: 768, F: 6144, k: 32, betaL1: null, batch: 4096 },
  b: { id: 'b', label: 'L1 d=768 F=6144 beta_l1=1e-3 B=4096', d: 768, F: 6144, k: null, betaL1: 1e-3, batch: 4096 },
  c: { id: 'c', label: 'tutorial d=3072 F=24576 k=768 B=16', d: 3072, F: 24576, k: 768, betaL1: null, batch: 16 },
  // Small enough for every backend, gpu.js's WebAssembly mode included (≤ 2^24 elements per tensor).
  d: { id: 'd', label: 'small TopK d=256 F=2048 k=32 B=512', d: 256, F: 2048, k: 32, betaL1: null, batch: 512 },
};

/** Rows of the stand-alone encoder matmul whose GFLOP/s the benchmark reports. */
export const ENCODER_ROWS = 1024;
