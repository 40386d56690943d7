import { describe, expect, it } from 'vitest';
import { bDecInitValue } from './b-dec-init.js';

const sumOfDistances = (data: Float32Array, rows: number, d: number, y: ArrayLike<number>) => {
  let s = 0;
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let j = 0; j < d; j++) ss += (data[r * d + j]! - y[j]!) ** 2;
    s += Math.sqrt(ss);
  }
  return s;
};

describe('b_dec_init', () => {
  it('mean: the column means', () => {
    expect(Array.from(bDecInitValue('mean', Float32Array.from([1, 2, 3, 6, -4, 1]), 3, 2))).toEqual([0, 3]);
  });

  it('geometric_median: minimises the sum of distances, and an outlier barely moves it (unlike the mean)', () => {
    // Four corners of a square around (1, 1) and one far outlier.
    const data = Float32Array.from([0, 0, 2, 0, 0, 2, 2, 2, 1000, 1000]);
    const median = bDecInitValue('geometric_median', data, 5, 2);
    const mean = bDecInitValue('mean', data, 5, 2);
    expect(mean[0]).toBeCloseTo(200.8, 4);
    // The outlier pulls with unit force whatever its distance: the median stays inside the square.
    expect(Math.hypot(median[0]! - 1, median[1]! - 1)).toBeLessThan(Math.SQRT2);
    const best = sumOfDistances(data, 5, 2, median);
    for (const [dx, dy] of [[1e-3, 0], [-1e-3, 0], [0, 1e-3], [0, -1e-3]]) {
      expect(sumOfDistances(data, 5, 2, [median[0]! + dx!, median[1]! + dy!])).toBeGreaterThan(best);
    }
  });

  it('geometric_median of three collinear points is the middle one', () => {
    const m = bDecInitValue('geometric_median', Float32Array.from([0, 0, 1, 0, 5, 0]), 3, 2);
    expect(m[0]).toBeCloseTo(1, 5);
    expect(m[1]).toBeCloseTo(0, 6);
  });
});
