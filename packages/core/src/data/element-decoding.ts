import { bfloat16ToNumber, float16ToNumber } from '../io/half-float.js';
import type { StoredFloatDType } from './activation-source.js';

export const ELEMENT_BYTES: Readonly<Record<StoredFloatDType, number>> = { float32: 4, float16: 2, bfloat16: 2, float64: 8 };

/**
 * Decode `count` little-endian elements of `bytes`, element i at bytes[(i·stride)·size], into
 * out[outOffset + i·outStride].
 */
export function decodeElements(
  bytes: Uint8Array, dtype: StoredFloatDType, count: number, stride: number,
  out: Float32Array, outOffset: number, outStride: number,
): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32':
      if (stride === 1 && outStride === 1 && bytes.byteOffset % 4 === 0) {
        out.set(new Float32Array(bytes.buffer, bytes.byteOffset, count), outOffset);
        return;
      }
      for (let i = 0; i < count; i++) out[outOffset + i * outStride] = dv.getFloat32(i * stride * 4, true);
      return;
    case 'float16':
      for (let i = 0; i < count; i++) out[outOffset + i * outStride] = float16ToNumber(dv.getUint16(i * stride * 2, true));
      return;
    case 'bfloat16':
      for (let i = 0; i < count; i++) out[outOffset + i * outStride] = bfloat16ToNumber(dv.getUint16(i * stride * 2, true));
      return;
    case 'float64':
      for (let i = 0; i < count; i++) out[outOffset + i * outStride] = dv.getFloat64(i * stride * 8, true);
      return;
  }
}
