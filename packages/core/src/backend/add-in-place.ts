import type { Backend } from './backend.js';
import type { Tensor } from './tensor.js';

/** a += b (same shape): the backend's own op when it has one, else add + assignInPlace. */
export function addInPlace(backend: Backend, a: Tensor, b: Tensor): void {
  if (backend.addInPlace) {
    backend.addInPlace(a, b);
    return;
  }
  const sum = backend.add(a, b);
  try {
    backend.assignInPlace(a, sum);
  } finally {
    sum.dispose();
  }
}
