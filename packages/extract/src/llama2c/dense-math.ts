/** y[r, i] = Σ_j x[r, j] · w[i, j] for `rows` rows: llama2.c's matmul, with W stored [out, in]. */
export function matmulRows(x: Float32Array, w: Float32Array, rows: number, inDim: number, outDim: number, y = new Float32Array(rows * outDim)): Float32Array {
  for (let r = 0; r < rows; r++) {
    const xo = r * inDim;
    const yo = r * outDim;
    for (let i = 0; i < outDim; i++) {
      const wo = i * inDim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j + 3 < inDim; j += 4) {
        s0 += x[xo + j]! * w[wo + j]!;
        s1 += x[xo + j + 1]! * w[wo + j + 1]!;
        s2 += x[xo + j + 2]! * w[wo + j + 2]!;
        s3 += x[xo + j + 3]! * w[wo + j + 3]!;
      }
      for (; j < inDim; j++) s0 += x[xo + j]! * w[wo + j]!;
      y[yo + i] = s0 + s1 + s2 + s3;
    }
  }
  return y;
}

/** RMSNorm of each row: x · w / sqrt(mean(x²) + eps). */
export function rmsNormRows(x: Float32Array, w: Float32Array, rows: number, dim: number, eps: number, out = new Float32Array(rows * dim)): Float32Array {
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += x[o + j]! * x[o + j]!;
    const scale = 1 / Math.sqrt(ss / dim + eps);
    for (let j = 0; j < dim; j++) out[o + j] = w[j]! * (scale * x[o + j]!);
  }
  return out;
}

/** Softmax of a row of logits into probabilities (float64, max-subtracted). */
export function logSoftmax(logits: ArrayLike<number>, offset: number, n: number, out = new Float64Array(n)): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[offset + i]! - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < n; i++) out[i] = logits[offset + i]! - lse;
  return out;
}
