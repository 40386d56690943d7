/**
 * Row-sparse kernels for TopK latents: values/indices are [rows, k]. Each costs O(rows·k·n).
 * "W [cols, n]" means feature j is row j of W; the transposed variants read W [n, cols]
 * (feature j is column j), as for the tied decoder Wᵀ_enc.
 */

/** out[r,:] = Σ_j v[r,j]·W[idx[r,j], :] → out [rows, n]. */
export function sparseMatmulKernel(
  values: Float32Array, indices: Int32Array, rows: number, k: number,
  w: Float32Array, cols: number, n: number, transposeB: boolean, out: Float32Array,
): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let j = 0; j < k; j++) {
      const v = values[r * k + j];
      if (v === 0) continue;
      const f = indices[r * k + j];
      if (transposeB) {
        for (let c = 0; c < n; c++) out[o + c] += v * w[c * cols + f];
      } else {
        const wRow = f * n;
        for (let c = 0; c < n; c++) out[o + c] += v * w[wRow + c];
      }
    }
  }
}

/** out[r,j] = ⟨a[r,:], W[idx[r,j], :]⟩ → out [rows, k]. */
export function sampledMatmulKernel(
  a: Float32Array, indices: Int32Array, rows: number, k: number,
  w: Float32Array, cols: number, n: number, transposeB: boolean, out: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const aRow = r * n;
    for (let j = 0; j < k; j++) {
      const f = indices[r * k + j];
      let s = 0;
      if (transposeB) {
        for (let c = 0; c < n; c++) s += a[aRow + c] * w[c * cols + f];
      } else {
        const wRow = f * n;
        for (let c = 0; c < n; c++) s += a[aRow + c] * w[wRow + c];
      }
      out[r * k + j] = s;
    }
  }
}

/**
 * out[idx[r,j], :] += v[r,j]·(y[r,:] − offset) → out [cols, n]; transposeOut writes out[:, idx] of
 * [n, cols]. Each y − offset is rounded to float32 first, as a separate subtraction would be.
 */
export function sparseTransposeMatmulKernel(
  values: Float32Array, indices: Int32Array, rows: number, k: number,
  y: Float32Array, cols: number, n: number, transposeOut: boolean, out: Float32Array, offset?: Float32Array,
): void {
  out.fill(0);
  const shifted = offset ? new Float32Array(n) : undefined;
  for (let r = 0; r < rows; r++) {
    let src = y;
    let yRow = r * n;
    if (shifted) {
      for (let c = 0; c < n; c++) shifted[c] = y[yRow + c]! - offset![c]!;
      src = shifted;
      yRow = 0;
    }
    for (let j = 0; j < k; j++) {
      const v = values[r * k + j];
      if (v === 0) continue;
      const f = indices[r * k + j];
      if (transposeOut) {
        for (let c = 0; c < n; c++) out[c * cols + f] += v * src[yRow + c];
      } else {
        const oRow = f * n;
        for (let c = 0; c < n; c++) out[oRow + c] += v * src[yRow + c];
      }
    }
  }
}
