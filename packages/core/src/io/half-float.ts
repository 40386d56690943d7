/** IEEE 754 binary16 bits → number. */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits → number (the upper half of a float32). */
export function bfloat16ToNumber(b: number): number {
  bf16Scratch[0] = (b & 0xffff) << 16;
  return bf16View[0]!;
}

const bf16Scratch = new Uint32Array(1);
const bf16View = new Float32Array(bf16Scratch.buffer);

/** Decode little-endian half-precision bytes (float16 or bfloat16) into float32. */
export function decodeHalf(bytes: Uint8Array, kind: 'float16' | 'bfloat16', out: Float32Array = new Float32Array(bytes.length >>> 1)): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const f = kind === 'float16' ? float16ToNumber : bfloat16ToNumber;
  for (let i = 0; i < out.length; i++) out[i] = f(dv.getUint16(2 * i, true));
  return out;
}

const f16Scratch = new Float32Array(1);
const f16Bits = new Uint32Array(f16Scratch.buffer);

/** number → IEEE 754 binary16 bits, rounding to nearest even (via float32, as numpy's astype does). */
export function numberToFloat16(x: number): number {
  f16Scratch[0] = x;
  const bits = f16Bits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const kept = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rest > half || (rest === half && kept & 1) ? kept + 1 : kept);
  }
  const r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  return sign | (rest > 0x1000 || (rest === 0x1000 && r & 1) ? r + 1 : r);
}

/** Encode numbers as float16 bits (the data of an F16 safetensors tensor or a '<f2' .npy). */
export function encodeFloat16(values: ArrayLike<number>, out = new Uint16Array(values.length)): Uint16Array {
  for (let i = 0; i < values.length; i++) out[i] = numberToFloat16(values[i]!);
  return out;
}
