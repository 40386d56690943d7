import type { Backend, Tensor } from '@deeplens/core';

/** √(Σ over all parameters of Σ g²): the norm torch.nn.utils.clip_grad_norm_ clips. */
export async function globalNorm(grads: ReadonlyMap<string, Tensor>, backend: Backend): Promise<number> {
  const sums = [...grads.values()].map((g) => backend.reduce(g, 'sumSquares'));
  try {
    const values = await Promise.all(sums.map((s) => backend.read(s)));
    return Math.sqrt(values.reduce((a, v) => a + v[0]!, 0));
  } finally {
    for (const s of sums) s.dispose();
  }
}
