import { assertRank } from './shape-checks.js';
import type { Backend } from './backend.js';
import type { Tensor } from './tensor.js';

/**
 * Each row of x [rows, n] scaled to unit L2 norm in place, rows of norm 0 left as they are: the
 * backend's own op when it has one, else row norms (reduce, sqrt), a guard for zero rows (where) and
 * a broadcast division.
 */
export function normalizeRowsInPlace(backend: Backend, x: Tensor): void {
  assertRank('normalizeRowsInPlace', 'x', x, 2);
  if (backend.normalizeRowsInPlace) {
    backend.normalizeRowsInPlace(x);
    return;
  }
  const held: Tensor[] = [];
  const keep = (t: Tensor) => (held.push(t), t);
  try {
    const norms = keep(backend.sqrt(keep(backend.reduce(x, 'sumSquares', 1))));
    const column = keep(backend.reshape(norms, [x.shape[0]!, 1]));
    const [zero, one] = [keep(backend.fill([1], 0)), keep(backend.fill([1], 1))];
    const safe = keep(backend.where(keep(backend.greater(column, zero)), column, one));
    backend.assignInPlace(x, keep(backend.div(x, safe)));
  } finally {
    for (const t of held) t.dispose();
  }
}
