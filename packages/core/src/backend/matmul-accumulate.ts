import { addInPlace } from './add-in-place.js';
import type { Backend, MatmulOptions } from './backend.js';
import { matmulAccumulateDims } from './shape-checks.js';
import type { Tensor } from './tensor.js';

/**
 * out += op(a)·op(b) (out [m, n]): the backend's own op when it has one (no [m, n] temporary),
 * else matmul and addInPlace.
 */
export function matmulAccumulate(backend: Backend, out: Tensor, a: Tensor, b: Tensor, options: MatmulOptions = {}): void {
  matmulAccumulateDims('matmulAccumulate', out, a, b, options);
  if (backend.matmulAccumulate) {
    backend.matmulAccumulate(out, a, b, options);
    return;
  }
  const product = backend.matmul(a, b, options);
  try {
    addInPlace(backend, out, product);
  } finally {
    product.dispose();
  }
}
