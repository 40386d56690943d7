import { roundToBf16 } from '../backend/bf16.js';

/** Columns of C (and B) processed per block: a block of B rows stays in L2 while A streams. */
const COL_BLOCK = 1024;
/** Rows of B (depth) per block. */
const DEPTH_BLOCK = 128;

/**
 * C[M,N] = A[M,K] · B[K,N] (accumulate: C += A·B), all row-major float32. Cache-blocked i-k-j
 * loop; runs of zeros in A are skipped, which makes products with ReLU latents cheaper for free.
 */
export function matmulKernel(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number, accumulate = false): void {
  if (!accumulate) c.fill(0);
  for (let j0 = 0; j0 < n; j0 += COL_BLOCK) {
    const j1 = Math.min(n, j0 + COL_BLOCK);
    for (let p0 = 0; p0 < k; p0 += DEPTH_BLOCK) {
      const p1 = Math.min(k, p0 + DEPTH_BLOCK);
      for (let i = 0; i < m; i++) {
        const aRow = i * k;
        const cRow = i * n;
        let p = p0;
        // Four depth steps per pass: one load/store of C per four multiply-adds (about 2× faster in V8).
        for (; p + 4 <= p1; p += 4) {
          const a0 = a[aRow + p], a1 = a[aRow + p + 1], a2 = a[aRow + p + 2], a3 = a[aRow + p + 3];
          if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
          const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
          for (let j = j0; j < j1; j++) c[cRow + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
        }
        for (; p < p1; p++) {
          const av = a[aRow + p];
          if (av === 0) continue;
          const bRow = p * n;
          for (let j = j0; j < j1; j++) c[cRow + j] += av * b[bRow + j];
        }
      }
    }
  }
}

/** Row-major transpose of a [rows, cols] matrix into a new [cols, rows] array. */
export function transposeKernel(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = x[r * cols + c];
    }
  }
  return out;
}

export function bf16Copy(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = roundToBf16(x[i]);
  return out;
}
