import type { Backend, Tensor } from '@deeplens/core';

/**
 * Σ over all parameters of Σ g², as a new [1] tensor on the backend (nothing is read back; the
 * caller disposes it). Its square root is the norm torch.nn.utils.clip_grad_norm_ clips.
 */
export function globalNormSquared(grads: ReadonlyMap<string, Tensor>, backend: Backend): Tensor {
  let total: Tensor | undefined;
  for (const g of grads.values()) {
    const s = backend.reduce(g, 'sumSquares');
    if (!total) {
      total = s;
      continue;
    }
    const next = backend.add(total, s);
    total.dispose();
    s.dispose();
    total = next;
  }
  return total ?? backend.zeros([1]);
}

/** √(Σ over all parameters of Σ g²), read back: for reports and tests, not for the training loop. */
export async function globalNorm(grads: ReadonlyMap<string, Tensor>, backend: Backend): Promise<number> {
  const sq = globalNormSquared(grads, backend);
  try {
    return Math.sqrt((await backend.read(sq))[0]!);
  } finally {
    sq.dispose();
  }
}
