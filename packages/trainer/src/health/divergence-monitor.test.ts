import { CpuBackend } from '@deeplens/core';
import { describe, expect, it } from 'vitest';
import { DivergenceMonitor } from './divergence-monitor.js';

describe('DivergenceMonitor', () => {
  const b = new CpuBackend();
  const run = async (steps: Array<[number, number]>, from = 1) => {
    const m = new DivergenceMonitor();
    steps.forEach(([loss, norm], i) => {
      const [l, z, n] = [b.fromArray([loss], [1]), b.fromArray([1], [1]), b.fromArray([norm], [1])];
      m.record(b, from + i, [l, z], n);
      for (const t of [l, z, n]) t.dispose();
    });
    const pending = m.pending;
    const result = pending ? m.resolve(await b.read(pending), from + steps.length - 1) : undefined;
    expect(m.pending, 'nothing pending after resolve').toBeUndefined();
    m.dispose();
    return result;
  };

  it('names the first step and what was not finite, keeping the earliest of several', async () => {
    expect(await run([[1, 1], [1, 1]])).toBeUndefined();
    expect(await run([[1, 1], [1, NaN], [NaN, NaN], [1, Infinity]])).toEqual({ step: 2, what: 'the gradient norm' });
    expect(await run([[1, 1], [Infinity, 1], [1, NaN]])).toEqual({ step: 2, what: 'the loss' });
    expect(await run([[1, 1], [NaN, NaN]])).toEqual({ step: 2, what: 'the loss' });
    expect(await run([[1, 1], [1, 1], [NaN, 1]], 1001)).toEqual({ step: 1003, what: 'the loss' });
  });

  it('starts a fresh record after each check', async () => {
    const m = new DivergenceMonitor();
    const rec = (step: number, v: number) => {
      const [l, n] = [b.fromArray([v], [1]), b.fromArray([1], [1])];
      m.record(b, step, [l], n);
      l.dispose();
      n.dispose();
    };
    rec(1, 1);
    rec(2, 1);
    expect(m.resolve(await b.read(m.pending!), 2)).toBeUndefined();
    rec(3, 1);
    rec(4, NaN);
    expect(m.resolve(await b.read(m.pending!), 4)).toEqual({ step: 4, what: 'the loss' });
    m.dispose();
    expect(b.memory().tensors).toBe(0);
  });
});
