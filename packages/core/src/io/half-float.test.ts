import { describe, expect, it } from 'vitest';
import { encodeFloat16, float16ToNumber, numberToFloat16 } from './half-float.js';

describe('numberToFloat16', () => {
  it('round-trips every finite float16 value exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      expect(numberToFloat16(float16ToNumber(h))).toBe(h);
    }
  });

  it('rounds to nearest, ties to even, in normal and subnormal ranges', () => {
    for (const h of [0x3c00, 0x3c01, 0x0001, 0x0002, 0x03ff, 0x7bfe]) {
      const lo = float16ToNumber(h);
      const hi = float16ToNumber(h + 1);
      const mid = (lo + hi) / 2;
      expect(numberToFloat16(mid)).toBe(h % 2 === 0 ? h : h + 1);
      expect(numberToFloat16(lo + (hi - lo) * 0.49)).toBe(h);
      expect(numberToFloat16(lo + (hi - lo) * 0.51)).toBe(h + 1);
    }
  });

  it('saturates to infinity, flushes tiny values to signed zero and keeps NaN', () => {
    expect(numberToFloat16(65520)).toBe(0x7c00);
    expect(numberToFloat16(65504)).toBe(0x7bff);
    expect(numberToFloat16(-1e6)).toBe(0xfc00);
    expect(numberToFloat16(2 ** -26)).toBe(0);
    expect(numberToFloat16(-(2 ** -26))).toBe(0x8000);
    expect(Number.isNaN(float16ToNumber(numberToFloat16(NaN)))).toBe(true);
    expect(Array.from(encodeFloat16([1, -2, 0.5]))).toEqual([0x3c00, 0xc000, 0x3800]);
  });
});
