import { describe, expect, it } from 'vitest';
import { contentHash } from './content-hash.js';

describe('contentHash', () => {
  it('is 16 hex digits, stable, independent of chunking and sensitive to every byte', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 255);
    const h = contentHash([bytes]);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(contentHash([bytes.subarray(0, 100), bytes.subarray(100)])).toBe(h);
    // Pinned: a change to the mixing constants would silently invalidate every stored fingerprint.
    expect(contentHash([])).toBe('488bdcb81aee8d83');
    expect(contentHash([new TextEncoder().encode('deeplens')])).toBe('813fad4647fd21b8');
    for (const at of [0, 150, 299]) {
      const flipped = bytes.slice();
      flipped[at]! ^= 1;
      expect(contentHash([flipped])).not.toBe(h);
    }
    expect(contentHash([new Uint8Array([1, 2])])).not.toBe(contentHash([new Uint8Array([2, 1])]));
  });
});
