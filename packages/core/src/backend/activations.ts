import { InvalidArgumentError } from '../errors.js';
import type { ActivationKind, Backend } from './backend.js';
import type { Tensor } from './tensor.js';

/**
 * An activation written in the backend's primitives, so it runs on every backend. `grad` is
 * dy ⊙ act′(pre). `signOfPre`: sign(act(x)) = sign(x), which the fused L1 backward relies on.
 */
export interface ActivationDefinition {
  forward(backend: Backend, x: Tensor): Tensor;
  grad(backend: Backend, dy: Tensor, pre: Tensor): Tensor;
}

/** Runs `make` with a [1] tensor of `value`, disposed afterwards. */
function withScalar(backend: Backend, value: number, make: (s: Tensor) => Tensor): Tensor {
  const s = backend.fill([1], value);
  try {
    return make(s);
  } finally {
    s.dispose();
  }
}

const relu: ActivationDefinition = {
  forward: (b, x) => withScalar(b, 0, (zero) => b.maximum(x, zero)),
  // relu′(0) = 0 as in PyTorch; NaN compares false, so its gradient is 0 as well.
  grad: (b, dy, pre) => {
    const mask = withScalar(b, 0, (zero) => b.greater(pre, zero));
    try {
      return b.mul(dy, mask);
    } finally {
      mask.dispose();
    }
  },
};

const silu: ActivationDefinition = {
  forward: (b, x) => {
    const s = b.sigmoid(x);
    try {
      return b.mul(x, s);
    } finally {
      s.dispose();
    }
  },
  // silu′(x) = σ(x)·(1 + x·(1 − σ(x)))
  grad: (b, dy, pre) => {
    const held: Tensor[] = [];
    const keep = (t: Tensor) => (held.push(t), t);
    try {
      const s = keep(b.sigmoid(pre));
      const oneMinus = keep(b.addScalar(keep(b.neg(s)), 1));
      const inner = keep(b.addScalar(keep(b.mul(pre, oneMinus)), 1));
      return b.mul(keep(b.mul(dy, s)), inner);
    } finally {
      for (const t of held) t.dispose();
    }
  },
};

const registry = new Map<string, ActivationDefinition>([['relu', relu], ['silu', silu]]);

/** Make a new activation kind available to every model and backend (e.g. `defineActivation('gelu', …)`). */
export function defineActivation(kind: string, definition: ActivationDefinition): void {
  if (registry.has(kind) && (kind === 'relu' || kind === 'silu')) throw new InvalidArgumentError(`activation '${kind}' is built in and cannot be redefined`);
  registry.set(kind, definition);
}

/** Whether the kind is built in or was registered with `defineActivation`. */
export function isKnownActivation(kind: string): boolean {
  return registry.has(kind);
}

/** The composed definition of an activation kind. */
export function activationDefinition(kind: ActivationKind): ActivationDefinition {
  const def = registry.get(kind);
  if (!def) throw new InvalidArgumentError(`unknown activation '${kind}' (known: ${[...registry.keys()].join(', ')})`, { hint: 'register it with defineActivation' });
  return def;
}

/** Whether the backend computes this activation kind itself. */
export function hasNativeActivation(backend: Backend, kind: ActivationKind): boolean {
  return backend.capabilities.activations?.includes(kind) ?? false;
}

/** act(x): the backend's own op for kinds it declares, else core's composition. */
export function activation(backend: Backend, x: Tensor, kind: ActivationKind): Tensor {
  if (backend.activation && hasNativeActivation(backend, kind)) return backend.activation(x, kind);
  return activationDefinition(kind).forward(backend, x);
}

/** dy ⊙ act′(pre): the backend's own op for kinds it declares, else core's composition. */
export function activationGrad(backend: Backend, dy: Tensor, pre: Tensor, kind: ActivationKind): Tensor {
  if (backend.activationGrad && hasNativeActivation(backend, kind)) return backend.activationGrad(dy, pre, kind);
  return activationDefinition(kind).grad(backend, dy, pre);
}
