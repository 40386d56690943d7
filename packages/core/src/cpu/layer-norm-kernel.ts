/** LayerNorm over the last axis of x [rows, n] (biased variance, as torch.nn.LayerNorm). */
export function layerNormKernel(
  x: Float32Array, rows: number, n: number, gamma: Float32Array, beta: Float32Array, eps: number,
  y: Float32Array, mean: Float32Array, rstd: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let s = 0;
    for (let c = 0; c < n; c++) s += x[o + c];
    const mu = s / n;
    let ss = 0;
    for (let c = 0; c < n; c++) {
      const d = x[o + c] - mu;
      ss += d * d;
    }
    const rs = 1 / Math.sqrt(ss / n + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let c = 0; c < n; c++) y[o + c] = (x[o + c] - mu) * rs * gamma[c] + beta[c];
  }
}

/**
 * Backward of layerNormKernel. With x̂ = (x − μ)·rstd and g = dy ⊙ γ:
 * dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)), dγ = Σ_rows dy ⊙ x̂, dβ = Σ_rows dy.
 */
export function layerNormGradKernel(
  dy: Float32Array, x: Float32Array, rows: number, n: number,
  mean: Float32Array, rstd: Float32Array, gamma: Float32Array,
  dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array,
): void {
  const dg = new Float64Array(n);
  const db = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const mu = mean[r];
    const rs = rstd[r];
    let sumG = 0;
    let sumGX = 0;
    for (let c = 0; c < n; c++) {
      const xh = (x[o + c] - mu) * rs;
      const g = dy[o + c] * gamma[c];
      sumG += g;
      sumGX += g * xh;
      dg[c] += dy[o + c] * xh;
      db[c] += dy[o + c];
    }
    const mG = sumG / n;
    const mGX = sumGX / n;
    for (let c = 0; c < n; c++) {
      const xh = (x[o + c] - mu) * rs;
      dx[o + c] = rs * (dy[o + c] * gamma[c] - mG - xh * mGX);
    }
  }
  for (let c = 0; c < n; c++) {
    dGamma[c] = dg[c];
    dBeta[c] = db[c];
  }
}
