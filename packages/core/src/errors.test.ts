import { describe, expect, it } from 'vitest';
import { DeepLensError, IndexOutOfRangeError, InvalidArgumentError, ShapeMismatchError } from './errors.js';

describe('DeepLensError', () => {
  it('instanceof DeepLensError holds for errors of another copy of @deeplens/core (a plugin beside the bundled CLI)', async () => {
    // A second copy of this module: a fresh module instance under another URL, as a second install would be.
    const other = (await import(/* @vite-ignore */ `${new URL('./errors.ts', import.meta.url).href}?copy=2`)) as typeof import('./errors.js');
    expect(other.DeepLensError).not.toBe(DeepLensError);
    const foreign = new other.InvalidArgumentError('bad engine', { hint: 'use wasm' });
    expect(foreign).toBeInstanceOf(DeepLensError);
    expect((foreign as DeepLensError).kind).toBe('user');
    expect(new Error('plain')).not.toBeInstanceOf(DeepLensError);
    expect({ code: 'DEEPLENS_X' }).not.toBeInstanceOf(DeepLensError);
    expect(null).not.toBeInstanceOf(DeepLensError);
    // Subclasses keep the ordinary prototype check.
    expect(new InvalidArgumentError('x')).toBeInstanceOf(InvalidArgumentError);
    expect(new ShapeMismatchError('x')).not.toBeInstanceOf(InvalidArgumentError);
    expect(new IndexOutOfRangeError('op', 5, 3)).toBeInstanceOf(DeepLensError);
  });
});
