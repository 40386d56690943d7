/**
 * Plain float64 implementations of the backend ops, written for clarity, not speed. The suite
 * compares every backend (the reference cpu backend included) against these.
 */

export type Arr = ArrayLike<number>;

export function refMatmul(a: Arr, b: Arr, m: number, k: number, n: number, tA = false, tB = false): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i]! : a[i * k + p]!) * (tB ? b[j * k + p]! : b[p * n + j]!);
      out[i * n + j] = s;
    }
  }
  return out;
}

export function refLayerNorm(x: Arr, rows: number, n: number, g: Arr, b: Arr, eps: number) {
  const y = new Float64Array(rows * n);
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < n; c++) s += x[r * n + c]!;
    const mu = s / n;
    let v = 0;
    for (let c = 0; c < n; c++) v += (x[r * n + c]! - mu) ** 2;
    const rs = 1 / Math.sqrt(v / n + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let c = 0; c < n; c++) y[r * n + c] = (x[r * n + c]! - mu) * rs * g[c]! + b[c]!;
  }
  return { y, mean, rstd };
}

/** LayerNorm backward by the explicit Jacobian (independent of the fused formula backends use). */
export function refLayerNormGrad(dy: Arr, x: Arr, rows: number, n: number, g: Arr, eps: number) {
  const { mean, rstd } = refLayerNorm(x, rows, n, g, new Float64Array(n), eps);
  const dx = new Float64Array(rows * n);
  const dGamma = new Float64Array(n);
  const dBeta = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const xh = (c: number) => (x[r * n + c]! - mean[r]!) * rstd[r]!;
    for (let c = 0; c < n; c++) {
      dGamma[c] += dy[r * n + c]! * xh(c);
      dBeta[c] += dy[r * n + c]!;
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) {
        // ∂x̂_j/∂x_i = rstd · (δij − 1/n − x̂_i x̂_j / n)
        const jac = rstd[r]! * ((i === j ? 1 : 0) - 1 / n - (xh(i) * xh(j)) / n);
        s += dy[r * n + j]! * g[j]! * jac;
      }
      dx[r * n + i] = s;
    }
  }
  return { dx, dGamma, dBeta };
}

/** Column indices of the k largest |x| per row, sorted ascending (for set comparison). */
export function refTopKIndices(x: Arr, rows: number, cols: number, k: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const idx = Array.from({ length: cols }, (_, c) => c);
    idx.sort((p, q) => Math.abs(x[r * cols + q]!) - Math.abs(x[r * cols + p]!) || p - q);
    out.push(idx.slice(0, k).sort((p, q) => p - q));
  }
  return out;
}

export function refSparseToDense(values: Arr, indices: Arr, rows: number, k: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) out[r * cols + indices[r * k + j]!]! += values[r * k + j]!;
  return out;
}

export function refTranspose(x: Arr, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  return out;
}

export function refAdam(
  p: Float64Array, g: Arr, m: Float64Array, v: Float64Array,
  hp: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; step: number },
): void {
  for (let i = 0; i < p.length; i++) {
    let gi = g[i]!;
    if (hp.decoupled) p[i]! *= 1 - hp.lr * hp.weightDecay;
    else gi += hp.weightDecay * p[i]!;
    m[i] = hp.beta1 * m[i]! + (1 - hp.beta1) * gi;
    v[i] = hp.beta2 * v[i]! + (1 - hp.beta2) * gi * gi;
    // torch.optim.Adam: denom = √v / √(1 − β2ᵗ) + eps; step = lr / (1 − β1ᵗ)
    const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - hp.beta2 ** hp.step) + hp.eps;
    p[i]! -= ((hp.lr / (1 - hp.beta1 ** hp.step)) * m[i]!) / denom;
  }
}
