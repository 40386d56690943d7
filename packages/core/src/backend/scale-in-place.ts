import type { Backend } from './backend.js';
import type { Tensor } from './tensor.js';

/** x ← s·x: the backend's own op when it has one, else scale + assignInPlace. */
export function scaleInPlace(backend: Backend, x: Tensor, s: number): void {
  if (backend.scaleInPlace) {
    backend.scaleInPlace(x, s);
    return;
  }
  const scaled = backend.scale(x, s);
  try {
    backend.assignInPlace(x, scaled);
  } finally {
    scaled.dispose();
  }
}
