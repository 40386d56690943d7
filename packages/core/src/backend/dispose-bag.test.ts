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

  it('hands a taken tensor to the caller: the bag no longer disposes it', () => {
    const backend = new CpuBackend();
    const bag = new DisposeBag();
    const kept = bag.take(bag.add(backend.zeros([2])));
    const other = bag.add(backend.zeros([2]));
    bag.dispose();
    expect(other.isDisposed).toBe(true);
    expect(kept.isDisposed).toBe(false);
    kept.dispose();
  });
});
