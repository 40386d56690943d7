/**
 * Per row of x [rows, cols], the k entries of largest |x| (signed values and column indices),
 * in O(cols) expected time per row: quickselect finds the k-th largest magnitude, then one pass
 * takes everything above it and fills ties in column order. NaN counts as the largest magnitude
 * so it propagates to the loss instead of being silently dropped.
 */
export function topKAbsKernel(
  x: Float32Array,
  rows: number,
  cols: number,
  k: number,
  outValues: Float32Array,
  outIndices: Int32Array,
): void {
  const mags = new Float32Array(cols);
  const work = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = Math.abs(x[base + c]);
      mags[c] = v !== v ? Infinity : v;
    }
    work.set(mags);
    const threshold = selectKthSmallest(work, cols - k);
    let taken = 0;
    const o = r * k;
    for (let c = 0; c < cols && taken < k; c++) {
      if (mags[c] > threshold) {
        outValues[o + taken] = x[base + c];
        outIndices[o + taken] = c;
        taken++;
      }
    }
    for (let c = 0; c < cols && taken < k; c++) {
      if (mags[c] === threshold) {
        outValues[o + taken] = x[base + c];
        outIndices[o + taken] = c;
        taken++;
      }
    }
  }
}

/** Value that would sit at position `n` (0-based) if `a` were sorted ascending; reorders `a`. */
function selectKthSmallest(a: Float32Array, n: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as pivot.
    let x = a[lo], y = a[mid], z = a[hi];
    if (x > y) [x, y] = [y, x];
    if (y > z) [y, z] = [z, y];
    if (x > y) [x, y] = [y, x];
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (n <= j) hi = j;
    else if (n >= i) lo = i;
    else return a[n];
  }
  return a[n];
}
