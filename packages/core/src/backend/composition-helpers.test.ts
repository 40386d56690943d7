import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { adamUpdate } from '../optim/adam-update.js';
import { coreFallbackView } from '../testing/core-fallback-view.js';
import { countingBackend } from '../testing/counting-backend.js';
import { activation, activationGrad, defineActivation, hasNativeActivation, isKnownActivation } from './activations.js';
import { addRowVector } from './add-row-vector.js';
import { normalizeRowsInPlace } from './normalize-rows-in-place.js';
import { scaleInPlace } from './scale-in-place.js';

const hp = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 };

describe('core\'s helpers: the backend\'s own op when it has one, a composition of required ops otherwise', () => {
  it('dispatch to the backend\'s op when present, and compose without it', () => {
    const cases: Array<[string, (b: CpuBackend) => void]> = [
      ['adamUpdate', (b) => adamUpdate(b, b.fromArray([1, 2], [2]), b.fromArray([0.5, -0.5], [2]), b.zeros([2]), b.zeros([2]), hp)],
      ['scaleInPlace', (b) => scaleInPlace(b, b.fromArray([1, 2], [2]), 3)],
      ['normalizeRowsInPlace', (b) => normalizeRowsInPlace(b, b.fromArray([3, 4], [1, 2]))],
      ['addRowVector', (b) => void addRowVector(b, b.fromArray([1, 2], [1, 2]), b.fromArray([1, 1], [2]), 2)],
    ];
    for (const [op, call] of cases) {
      const native = countingBackend(new CpuBackend());
      call(native.backend);
      expect(native.counts.calls.get(op), `${op}: the backend's own`).toBe(1);
      const composed = countingBackend(new CpuBackend());
      call(coreFallbackView(composed.backend) as CpuBackend);
      expect(composed.counts.calls.get(op) ?? 0, `${op}: composed`).toBe(0);
      expect(composed.counts.calls.size, `${op}: composed from other ops`).toBeGreaterThan(0);
    }
  });

  it('the composed Adam refuses mismatched shapes instead of broadcasting them', () => {
    const b = coreFallbackView(new CpuBackend());
    expect(() => adamUpdate(b, b.zeros([2, 3]), b.zeros([3]), b.zeros([2, 3]), b.zeros([2, 3]), hp)).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
    expect(() => adamUpdate(b, b.zeros([2, 3]), b.zeros([2, 3]), b.zeros([1, 3]), b.zeros([2, 3]), hp)).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
    expect(() => normalizeRowsInPlace(b, b.zeros([4]))).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
  });

  it('weight decay: Adam adds it to the gradient, AdamW decays the parameter, 0 changes nothing (composed = fused)', async () => {
    for (const [weightDecay, decoupled] of [[0, false], [0, true], [0.1, false], [0.1, true]] as const) {
      const outs: number[][] = [];
      for (const b of [new CpuBackend(), coreFallbackView(new CpuBackend())]) {
        const p = b.fromArray([1, -2, 3], [3]);
        adamUpdate(b, p, b.fromArray([0.5, 0.25, -1], [3]), b.zeros([3]), b.zeros([3]), { ...hp, weightDecay, decoupled, step: 2 });
        outs.push(Array.from(await b.read(p)));
      }
      outs[1]!.forEach((v, i) => expect(v, `wd ${weightDecay} decoupled ${decoupled}`).toBeCloseTo(outs[0]![i]!, 6));
    }
  });

  it('activations: native kinds go to the backend, others are composed; unknown kinds are refused; new kinds can be registered', async () => {
    const { backend, counts } = countingBackend(new CpuBackend());
    expect(hasNativeActivation(backend, 'relu')).toBe(true);
    const x = backend.fromArray([-1, 0, 2], [3]);
    activation(backend, x, 'relu');
    activationGrad(backend, x, x, 'silu');
    expect(counts.calls.get('activation')).toBe(1);
    expect(counts.calls.get('activationGrad')).toBe(1);
    expect(() => activation(backend, x, 'gelu-not-registered')).toThrow(expect.objectContaining({ code: 'DEEPLENS_INVALID_ARGUMENT', hint: expect.stringMatching(/defineActivation/) }));
    expect(isKnownActivation('softplus-test')).toBe(false);
    defineActivation('softplus-test', {
      forward: (b, t) => {
        const e = b.exp(t);
        const one = b.addScalar(e, 1);
        const out = b.log(one);
        e.dispose();
        one.dispose();
        return out;
      },
      grad: (b, dy, pre) => {
        const s = b.sigmoid(pre);
        const out = b.mul(dy, s);
        s.dispose();
        return out;
      },
    });
    expect(isKnownActivation('softplus-test')).toBe(true);
    const y = activation(backend, x, 'softplus-test');
    Array.from(await backend.read(y)).forEach((v, i) => expect(v).toBeCloseTo(Math.log(1 + Math.exp([-1, 0, 2][i]!)), 6));
    expect(counts.calls.get('activation')).toBe(1); // composed: the cpu backend does not know it
    expect(() => defineActivation('relu', { forward: (b, t) => b.clone(t), grad: (b, d) => b.clone(d) })).toThrow(/built in/);
  });
});
