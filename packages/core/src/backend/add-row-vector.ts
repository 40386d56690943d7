import type { Backend } from './backend.js';
import { assertRank } from './shape-checks.js';
import type { Tensor } from './tensor.js';

/** a + alpha·v, v [n] broadcast over the rows of a [rows, n]: the backend's fused op, or add (and scale). */
export function addRowVector(backend: Backend, a: Tensor, v: Tensor, alpha = 1): Tensor {
  if (backend.addRowVector) return backend.addRowVector(a, v, alpha);
  assertRank('addRowVector', 'a', a, 2);
  assertRank('addRowVector', 'v', v, 1);
  if (alpha === 1) return backend.add(a, v);
  if (alpha === -1) return backend.sub(a, v);
  const scaled = backend.scale(v, alpha);
  try {
    return backend.add(a, scaled);
  } finally {
    scaled.dispose();
  }
}
