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
