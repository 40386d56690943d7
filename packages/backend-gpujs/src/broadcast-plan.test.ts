import { CpuBackend, type Backend, type Shape } from '@deeplens/core';
import { afterAll, describe, expect, it } from 'vitest';
import { matrixView, planBroadcast } from './broadcast-plan.js';
import { gpujsBackendPlugin } from './gpujs-plugin.js';

describe('matrixView and planBroadcast', () => {
  it('views any shape as [rows, cols]: scalars one element, vectors one row, leading axes folded into rows', () => {
    expect(matrixView([])).toEqual([1, 1]);
    expect(matrixView([5])).toEqual([1, 5]);
    expect(matrixView([3, 4])).toEqual([3, 4]);
    expect(matrixView([2, 3, 4])).toEqual([6, 4]);
    expect(matrixView([3, 0])).toEqual([0, 0]);
  });

  it('names how each operand broadcasts (NumPy\'s rule), and refuses a middle-axis broadcast by name', () => {
    expect(planBroadcast('gpujs', 'add', [[3, 4], [3, 4]])).toEqual({ shape: [3, 4], rows: 3, cols: 4, modes: ['full', 'full'] });
    expect(planBroadcast('gpujs', 'add', [[3, 4], []]).modes).toEqual(['full', 'scalar']);
    expect(planBroadcast('gpujs', 'add', [[1, 1], [3, 4]]).modes).toEqual(['scalar', 'full']);
    expect(planBroadcast('gpujs', 'add', [[3, 4], [4]]).modes).toEqual(['full', 'row']);
    expect(planBroadcast('gpujs', 'add', [[1, 4], [3, 4]]).modes).toEqual(['row', 'full']);
    expect(planBroadcast('gpujs', 'add', [[3, 4], [3, 1]]).modes).toEqual(['full', 'col']);
    expect(planBroadcast('gpujs', 'add', [[3, 1], [1, 4]])).toEqual({ shape: [3, 4], rows: 3, cols: 4, modes: ['col', 'row'] });
    expect(planBroadcast('gpujs', 'add', [[2, 3, 4], [4]])).toMatchObject({ rows: 6, cols: 4, modes: ['full', 'row'] });
    expect(() => planBroadcast('gpujs', 'mul', [[2, 3, 4], [3, 1]])).toThrow(expect.objectContaining({ code: 'DEEPLENS_UNSUPPORTED_OP', message: expect.stringMatching(/mul broadcasting \[2, 3, 4\] with \[3, 1\]/) }));
    // A [4] vector against [4, 1] is an outer broadcast to [4, 4]: the vector is a row, the column a column.
    expect(planBroadcast('gpujs', 'add', [[4], [4, 1]])).toMatchObject({ shape: [4, 4], modes: ['row', 'col'] });
  });
});

describe('broadcasting elementwise ops compute what the reference backend computes (gpu.js cpu mode)', () => {
  let gpu: Backend | undefined;
  const cpu = new CpuBackend();
  afterAll(async () => {
    await gpu?.dispose();
  });
  const cases: Array<[Shape, Shape]> = [[[3, 4], [3, 4]], [[3, 4], []], [[3, 4], [4]], [[1, 4], [3, 4]], [[3, 4], [3, 1]], [[3, 1], [3, 4]], [[3, 1], [1, 4]], [[2, 3, 4], [4]], [[4], [4, 1]]];
  const values = (shape: Shape, seed: number) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7 + seed * 13) % 11) - 5 + 0.25 * seed);
  for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'greater'] as const) {
    it(`${op} for every broadcast pattern`, async () => {
      gpu ??= await gpujsBackendPlugin.create({ mode: 'cpu' });
      for (const [sa, sb] of cases) {
        const run = async (b: Backend) => {
          const a = b.fromArray(values(sa, 1), sa);
          const c = b.fromArray(values(sb, 2), sb);
          const out = b[op](a, c);
          const got = { shape: [...out.shape], data: Array.from(await b.read(out)) };
          for (const t of [a, c, out]) t.dispose();
          return got;
        };
        expect(await run(gpu), `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`).toEqual(await run(cpu));
      }
    });
  }
});
