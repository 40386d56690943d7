/**
 * A seed for a sub-stream (an epoch, a shuffle window) derived from a base seed and integer tags,
 * so each stream can be regenerated on its own (resume) without replaying the ones before it.
 */
export function deriveSeed(seed: number, ...tags: number[]): number {
  let h = (Math.trunc(seed) ^ 0x2545f491) >>> 0;
  let h2 = (Math.floor(Math.abs(seed) / 2 ** 32) ^ 0x9e3779b9) >>> 0;
  for (const t of tags) {
    h = Math.imul(h ^ (t >>> 0), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h2 = Math.imul(h2 ^ h ^ Math.floor(t / 2 ** 32), 0x27d4eb2f) >>> 0;
    h ^= h >>> 16;
  }
  return (h2 >>> 11) * 2 ** 32 + h;
}
