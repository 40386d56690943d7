import { activationGrad, hasNativeActivation } from './activations.js';
import { addInPlace } from './add-in-place.js';
import type { ActivationKind, Backend } from './backend.js';
import { scaleInPlace } from './scale-in-place.js';
import type { Tensor } from './tensor.js';

/**
 * dy ← (dy + l1·sign(pre)) ⊙ act′(pre) in place: the backend's own op for activation kinds it
 * declares, else sign + scaleInPlace + addInPlace (l1 ≠ 0), activationGrad and assignInPlace (one
 * temporary at a time).
 */
export function activationGradInPlace(backend: Backend, dy: Tensor, pre: Tensor, kind: ActivationKind, l1 = 0): void {
  if (backend.activationGradInPlace && hasNativeActivation(backend, kind)) {
    backend.activationGradInPlace(dy, pre, kind, l1);
    return;
  }
  if (l1 !== 0) {
    const term = backend.sign(pre);
    try {
      scaleInPlace(backend, term, l1);
      addInPlace(backend, dy, term);
    } finally {
      term.dispose();
    }
  }
  const grad = activationGrad(backend, dy, pre, kind);
  try {
    backend.assignInPlace(dy, grad);
  } finally {
    grad.dispose();
  }
}
