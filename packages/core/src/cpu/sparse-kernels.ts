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

/** out[idx[r,j], :] += v[r,j]·y[r,:] → out [cols, n]; transposeOut writes out[:, idx] of [n, cols]. */
export function sparseTransposeMatmulKernel(
  values: Float32Array, indices: Int32Array, rows: number, k: number,
  y: Float32Array, cols: number, n: number, transposeOut: boolean, out: Float32Array,
): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const yRow = r * n;
    for (let j = 0; j < k; j++) {
      const v = values[r * k + j];
      if (v === 0) continue;
      const f = indices[r * k + j];
      if (transposeOut) {
        for (let c = 0; c < n; c++) out[c * cols + f] += v * y[yRow + c];
      } else {
        const oRow = f * n;
        for (let c = 0; c < n; c++) out[oRow + c] += v * y[yRow + c];
      }
    }
  }
}
