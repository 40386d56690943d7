import type { Dialect, KernelSpec } from '../kernel-runner.js';
import { position } from './elementwise.js';

/**
 * One pass of the per-row top-k selection by |x| on the GPU (no read-back): column `pass` of the
 * [rows, k] index matrix gets, per row, the best entry ranked strictly below the previous pass's
 * pick; the other columns are copied from `prev`. Ranking as torch.topk: NaN above every number,
 * then larger |x|, ties to the lower column. k passes of rows threads, each scanning its row.
 */
export function topKPassKernel(d: Dialect, rows: number, cols: number, k: number, pass: number): KernelSpec {
  const x = (col: string) => d.at('x', 'r', col, cols);
  const previous = pass === 0 ? '' : `const pc = ${d.at('prev', 'r', String(pass - 1), k)};
const pv = ${x('pc')};
const pn = (pv != pv) ? 1.0 : 0.0;
const pa = Math.abs(pv);`;
  // Is entry j (NaN flag n, magnitude a) ranked strictly below the previous pick?
  const below = pass === 0 ? '' : `let below = 0.0;
  if (pn > n) {
    below = 1.0;
  } else if (pn == n) {
    if (n > 0.5) {
      if (j > pc) {
        below = 1.0;
      }
    } else if (pa > a) {
      below = 1.0;
    } else if (pa == a && j > pc) {
      below = 1.0;
    }
  }
  if (below < 0.5) {
    continue;
  }`;
  return {
    params: ['x', 'prev'],
    rows,
    cols: k,
    loopMax: cols,
    body: `${position(d, k)}
if (c != ${pass}) {
  return ${d.at('prev', 'r', 'c', k)};
}
${previous}
let bc = -1.0;
let ba = 0.0;
let bn = 0.0;
for (let j = 0; j < ${cols}; j++) {
  const v = ${x('j')};
  const n = (v != v) ? 1.0 : 0.0;
  const a = Math.abs(v);
  ${below}
  let better = 0.0;
  if (bc < 0.0) {
    better = 1.0;
  } else if (n > bn) {
    better = 1.0;
  } else if (n == bn && n < 0.5 && a > ba) {
    better = 1.0;
  }
  if (better > 0.5) {
    bc = j;
    ba = a;
    bn = n;
  }
}
return bc;`,
  };
}
