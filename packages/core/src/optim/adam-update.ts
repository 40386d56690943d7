import type { AdamHyperparams, Backend } from '../backend/backend.js';
import { assertSameShape } from '../backend/shape-checks.js';
import type { Tensor } from '../backend/tensor.js';

/**
 * torch.optim.Adam / AdamW's update of one parameter, in place on param, m and v: the backend's fused
 * op when it has one, else composed from primitives (float32 throughout, as torch computes it):
 *   g ← grad + λ·p (Adam's L2 term; AdamW instead multiplies p by 1 − lr·λ)
 *   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *   p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
 */
export function adamUpdate(backend: Backend, param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hp: AdamHyperparams): void {
  if (backend.adamUpdate) {
    backend.adamUpdate(param, grad, m, v, hp);
    return;
  }
  for (const t of [grad, m, v]) assertSameShape('adamUpdate', param, t);
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = hp;
  const held: Tensor[] = [];
  const keep = (t: Tensor) => (held.push(t), t);
  const b = backend;
  try {
    const g = !decoupled && weightDecay !== 0 ? keep(b.add(grad, keep(b.scale(param, weightDecay)))) : grad;
    b.assignInPlace(m, keep(b.add(keep(b.scale(m, beta1)), keep(b.scale(g, 1 - beta1)))));
    b.assignInPlace(v, keep(b.add(keep(b.scale(v, beta2)), keep(b.scale(keep(b.mul(g, g)), 1 - beta2)))));
    const denom = keep(b.addScalar(keep(b.scale(keep(b.sqrt(v)), 1 / Math.sqrt(1 - beta2 ** step))), eps));
    const update = keep(b.scale(keep(b.div(m, denom)), lr / (1 - beta1 ** step)));
    const base = decoupled && weightDecay !== 0 ? keep(b.scale(param, 1 - lr * weightDecay)) : param;
    b.assignInPlace(param, keep(b.sub(base, update)));
  } finally {
    for (const t of held) t.dispose();
  }
}
