/**
 * The issue's targets, checked against one benchmark run's results: a verdict per target with the
 * numbers behind it, for results.md. Speed targets compare best rounds and median rounds; a target
 * is "met" when both reach it.
 */

export interface TargetResult {
  impl: string;
  config: string;
  tokensPerSec: number;
  medianTokensPerSec?: number;
  encoderGflops: number;
  peakRssMiB: number;
  idleRssMiB: number;
  kernels?: string;
  mode?: string;
}

export interface TargetContext<R extends TargetResult> {
  /** (peak − idle) / (params + Adam + batch) of a result. */
  memoryRatio: (r: R) => number;
  /** Describes an implementation row, e.g. "wasm (relaxed-simd), micro-batches of 128". */
  describe: (r: R) => string;
}

/** A result's median-round tokens/s (its best when it ran one round). */
export const median = (r: TargetResult) => r.medianTokensPerSec ?? r.tokensPerSec;
const times = (x: number) => `${x.toFixed(2)}×`;

function verdict(best: number, mid: number, target: number): string {
  if (best >= target && mid >= target) return '**met**';
  return best >= target ? '**met on the best rounds only**' : '**not met**';
}

/** The backend's default row of a configuration: wasm with its default kernels and no trainer option. */
function defaultWasm<R extends TargetResult>(results: readonly R[], config: string): R | undefined {
  const plain = results.filter((r) => r.impl === 'wasm' && r.config === config && !r.mode);
  return plain.find((r) => r.kernels === 'relaxed-simd') ?? plain[0];
}

export function targetLines<R extends TargetResult>(results: readonly R[], ctx: TargetContext<R>): string[] {
  const lines: string[] = [];
  const torch = (config: string, mode: 'dense' | 'sparse') => results.find((r) => r.impl === `pytorch-${mode}` && r.config === config);
  const speed = (config: string, mode: 'dense' | 'sparse', target: number, what: string) => {
    const ours = defaultWasm(results, config);
    const ref = torch(config, mode);
    if (!ours || !ref) return;
    const best = ours.tokensPerSec / ref.tokensPerSec;
    const mid = median(ours) / median(ref);
    lines.push(`- ${what} ≥ ${target}×: ${verdict(best, mid, target)} — ${ctx.describe(ours)} ${times(best)} best, ${times(mid)} median.`);
  };
  speed('a', 'dense', 2, "(a) TopK vs PyTorch's DeepLens step");
  speed('a', 'sparse', 0.8, '(a) TopK vs the sparse-aware PyTorch step');
  speed('b', 'dense', 0.5, "(b) L1 vs PyTorch's DeepLens step");
  const tfjs = results.find((r) => r.impl === 'tfjs' && r.kernels === 'wasm engine' && r.config === 'a');
  const dense = torch('a', 'dense');
  if (tfjs && dense) {
    const best = tfjs.tokensPerSec / dense.tokensPerSec;
    const mid = median(tfjs) / median(dense);
    lines.push(`- (a) TopK on the tfjs backend's wasm engine vs PyTorch's DeepLens step ≥ 0.8×: ${verdict(best, mid, 0.8)} — ${ctx.describe(tfjs)} ${times(best)} best, ${times(mid)} median.`);
  }

  const encoder: string[] = [];
  let encoderMet = true;
  for (const config of [...new Set(results.map((r) => r.config))]) {
    const ours = defaultWasm(results, config);
    const ref = torch(config, 'dense');
    if (!ours || !ref) continue;
    const share = ours.encoderGflops / ref.encoderGflops;
    encoderMet &&= share >= 0.5;
    encoder.push(`(${config}) ${(100 * share).toFixed(0)}% (${ours.encoderGflops.toFixed(1)} of ${ref.encoderGflops.toFixed(1)} GFLOP/s)`);
  }
  if (encoder.length) lines.push(`- Encoder matmul ≥ 50% of PyTorch/OpenBLAS: ${encoderMet ? '**met**' : '**not met**'} — ${encoder.join('; ')}.`);

  const ours = results.filter((r) => !r.impl.startsWith('pytorch'));
  if (ours.length) {
    const within = ours.filter((r) => ctx.memoryRatio(r) <= 1.5);
    const over = ours.filter((r) => ctx.memoryRatio(r) > 1.5);
    const list = (rs: R[]) => rs.map((r) => `(${r.config}) ${ctx.describe(r)} ${ctx.memoryRatio(r).toFixed(2)}`).join('; ');
    lines.push(`- Memory ≤ 1.5× (params + Adam + batch): ${over.length ? `**not met by every row** — within: ${list(within) || 'none'}; over: ${list(over)}` : `**met** by every row — ${list(within)}`}.`);
  }
  return lines;
}
