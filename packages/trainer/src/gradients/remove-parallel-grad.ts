import type { Tensor } from '@deeplens/core';
import type { GradientTransform } from './gradient-transform.js';

/**
 * remove_parallel_grad: W_dec's gradient loses its component along each feature's direction,
 *   g_i ← g_i − (⟨g_i, w_i⟩ / ‖w_i‖²) · w_i      (rows i of W_dec [F, d]),
 * so with unit-norm decoder rows the step turns directions instead of fighting the renormalisation
 * (OpenAI's and sparsify's practice). `decoder` returns the live W_dec.
 */
export function removeParallelGrad(decoder: () => Tensor): GradientTransform {
  return {
    name: 'remove_parallel_grad',
    apply(grads, backend) {
      const g = grads.get('W_dec');
      if (!g) return;
      const w = decoder();
      const rows = w.shape[0]!;
      const held: Tensor[] = [];
      const keep = (t: Tensor) => (held.push(t), t);
      try {
        const dots = keep(backend.reduce(keep(backend.mul(g, w)), 'sum', 1));
        const norms = keep(backend.reduce(keep(backend.mul(w, w)), 'sum', 1));
        // A zero row has no direction: leave its gradient alone (coefficient 0).
        const safe = keep(backend.where(norms, norms, keep(backend.fill([1], 1))));
        const coef = keep(backend.reshape(keep(backend.div(dots, safe)), [rows, 1]));
        backend.assignInPlace(g, keep(backend.sub(g, keep(backend.mul(w, coef)))));
      } finally {
        for (const t of held) t.dispose();
      }
    },
  };
}
