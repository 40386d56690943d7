import { describe, expect, it } from 'vitest';
import { paretoPoints, paretoSvg } from './pareto-plot.js';
import type { SweepMemberState } from './sweep-state.js';

const member = (name: string, l0: number, fvu: number, status: SweepMemberState['status'] = 'completed'): SweepMemberState => ({
  name, overrides: {}, status, architecture: name.split('-')[0]!, ...(status === 'completed' ? { eval: { l0, fvu, explainedVariance: 1 - fvu, deadFraction: 0, loss: fvu } } : {}),
});

describe('Pareto plot of a sweep', () => {
  const members = [member('topk-a', 16, 0.3), member('topk-b', 32, 0.2), member('batchtopk-c', 16, 0.25), member('batchtopk-d', 40, 0.22), member('topk-e', 8, 0.5), member('topk-f', 8, 0, 'failed')];

  it('marks exactly the SAEs no other beats on both L0 and FVU; failed SAEs have no point', () => {
    const pts = paretoPoints(members);
    expect(pts.map((p) => p.name)).toEqual(['topk-a', 'topk-b', 'batchtopk-c', 'batchtopk-d', 'topk-e']);
    expect(pts.filter((p) => p.frontier).map((p) => p.name).sort()).toEqual(['batchtopk-c', 'topk-b', 'topk-e']);
  });

  it('renders an SVG with a point and a label per SAE', async () => {
    const svg = await paretoSvg(members, 'test sweep');
    expect(svg).toMatch(/^<svg [^>]*width="\d+" height="\d+"/);
    for (const m of members.slice(0, 5)) expect(svg).toContain(`>${m.name}</text>`);
    expect(svg).toContain('test sweep');
    expect((svg.match(/class="mark-symbol/g) ?? []).length).toBeGreaterThan(0);
  });
});
