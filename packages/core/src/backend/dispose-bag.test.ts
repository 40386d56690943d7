import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { DisposeBag } from './dispose-bag.js';

describe('DisposeBag', () => {
  it('disposes everything it holds, and a released tensor at once and only once', () => {
    const backend = new CpuBackend();
    const bag = new DisposeBag();
    const a = bag.add(backend.zeros([2]));
    const b = bag.add(backend.zeros([3]));
    bag.release(a);
    expect(a.isDisposed).toBe(true);
    expect(b.isDisposed).toBe(false);
    bag.dispose();
    expect(b.isDisposed).toBe(true);
  });
});
