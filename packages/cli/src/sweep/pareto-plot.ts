import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { SweepMemberState } from './sweep-state.js';

export interface ParetoPoint {
  name: string;
  architecture: string;
  l0: number;
  fvu: number;
  /** On the FVU-vs-L0 frontier: no other SAE has both a lower L0 and a lower FVU. */
  frontier: boolean;
}

/** The evaluated SAEs as points, each marked if it is on the Pareto frontier (lower is better on both axes). */
export function paretoPoints(members: readonly SweepMemberState[]): ParetoPoint[] {
  const points = members.filter((m) => m.eval && Number.isFinite(m.eval.fvu) && Number.isFinite(m.eval.l0))
    .map((m) => ({ name: m.name, architecture: m.architecture, l0: m.eval!.l0, fvu: m.eval!.fvu, frontier: false }));
  for (const p of points) p.frontier = !points.some((q) => q !== p && q.l0 <= p.l0 && q.fvu <= p.fvu && (q.l0 < p.l0 || q.fvu < p.fvu));
  return points;
}

/** FVU against L0, one point per SAE coloured by architecture, the frontier joined by a line — as SVG, rendered by Vega-Lite. */
export async function paretoSvg(members: readonly SweepMemberState[], title: string): Promise<string> {
  const values = paretoPoints(members);
  const x = { field: 'l0', type: 'quantitative', title: 'L0 (active latents per token)', scale: { zero: false } } as const;
  const y = { field: 'fvu', type: 'quantitative', title: 'FVU (fraction of variance unexplained)', scale: { zero: false } } as const;
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    height: 360,
    data: { values },
    layer: [
      { transform: [{ filter: 'datum.frontier' }], mark: { type: 'line', color: '#888', strokeDash: [4, 3] }, encoding: { x, y, order: { field: 'l0' } } },
      { mark: { type: 'point', filled: true, size: 70 }, encoding: { x, y, color: { field: 'architecture', type: 'nominal', title: 'architecture' }, shape: { field: 'frontier', type: 'nominal', title: 'on the frontier' } } },
      { mark: { type: 'text', dx: 6, dy: -6, align: 'left', fontSize: 9 }, encoding: { x, y, text: { field: 'name' } } },
    ],
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
