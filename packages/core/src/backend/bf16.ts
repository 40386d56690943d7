const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round a float32 value to the nearest bfloat16 (ties to even), returned as a float32 value. */
export function roundToBf16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7f800000) === 0x7f800000) {
    // Inf stays Inf; NaN stays NaN (keep a mantissa bit set).
    u32[0] = (bits & 0xffff0000) | ((bits & 0xffff) !== 0 ? 0x10000 : 0);
    return f32[0];
  }
  const lsb = (bits >>> 16) & 1;
  u32[0] = ((bits + 0x7fff + lsb) & 0xffff0000) >>> 0;
  return f32[0];
}
