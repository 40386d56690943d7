import { describe, expect, it } from 'vitest';
import { ConfigValidationError } from './config-issues.js';
import { isSweepConfig, resolveSweepConfig } from './sweep-config.js';

const base = { input_dims: 64, n_features: 256, k: 8, trainer: { epochs: 2 }, optim: { lr: 1e-3 } };

describe('sweep: section', () => {
  it('forms the grid in the order written; each SAE is the config with its combination', () => {
    const raw = { ...base, sweep: { k: [4, 16], architecture: ['topk', 'batchtopk'], lr: [1e-4, 3e-4] } };
    expect(isSweepConfig(raw)).toBe(true);
    expect(isSweepConfig(base)).toBe(false);
    const s = resolveSweepConfig(raw, 'sweep.yaml');
    expect(s.grid.map((g) => g.path)).toEqual(['k', 'architecture', 'optim.lr']);
    expect(s.members.map((m) => m.name)).toEqual([
      '0-k4-topk-lr0.0001', '1-k4-topk-lr0.0003', '2-k4-batchtopk-lr0.0001', '3-k4-batchtopk-lr0.0003',
      '4-k16-topk-lr0.0001', '5-k16-topk-lr0.0003', '6-k16-batchtopk-lr0.0001', '7-k16-batchtopk-lr0.0003',
    ]);
    const m = s.members[6]!;
    expect(m.overrides).toEqual({ k: 16, architecture: 'batchtopk', 'optim.lr': 1e-4 });
    expect(m.config.model).toMatchObject({ k: 16, architecture: 'batchtopk', nFeatures: 256 });
    expect(m.config.optim.lr).toBe(1e-4);
    expect(m.config.trainer.epochs).toBe(2);
  });

  it('pads indices so names sort, and makes list values and odd characters folder-safe', () => {
    const s = resolveSweepConfig({ ...base, architecture: 'matryoshka', sweep: { matryoshka_prefixes: [[64, 256], [128, 256]], 'optim.weight_decay': [0, 1e-5, 1e-4, 1e-3, 0.01, 0.1] } }, 's');
    expect(s.members).toHaveLength(12);
    expect(s.members[0]!.name).toBe('00-matryoshka_prefixes64x256-weight_decay0');
    expect(s.members[11]!.name).toBe('11-matryoshka_prefixes128x256-weight_decay0.1');
  });

  it('a mapping value sets several keys at once, e.g. an architecture with its own settings', () => {
    const s = resolveSweepConfig({ ...base, sweep: { k: [8, 16], architecture: ['topk', { architecture: 'matryoshka', matryoshka_prefixes: [64, 256] }, { architecture: 'jumprelu', k: null, l0_coefficient: 0.01, lr: 1e-4 }] } }, 's');
    expect(s.members.map((m) => m.name)).toEqual(['0-k8-topk', '1-k8-matryoshka', '2-k8-jumprelu', '3-k16-topk', '4-k16-matryoshka', '5-k16-jumprelu']);
    expect(s.members[4]!.config.model).toMatchObject({ architecture: 'matryoshka', k: 16, matryoshkaPrefixes: [64, 256] });
    expect(s.members[5]!.config.model).toMatchObject({ architecture: 'jumprelu', k: null, l0Coefficient: 0.01 });
    expect(s.members[5]!.config.optim.lr).toBe(1e-4);
    expect(() => resolveSweepConfig({ ...base, sweep: { architecture: [{ architecture: 'topk', 'data.norm': false }] } }, 's')).toThrow(/sweep\.architecture\[\]\.data\.norm: is shared by every SAE/);
  });

  it('reports every bad key and every invalid combination at once, each naming its SAE', () => {
    const attempt = (sweep: unknown) => {
      try {
        resolveSweepConfig({ ...base, sweep }, 'sweep.yaml');
      } catch (error) {
        return (error as ConfigValidationError).issues.map((i) => `${i.path}: ${i.message}`);
      }
      return [];
    };
    expect(attempt({ epochs: [1, 2], 'trainer.epochs': [1, 2], 'data.batch_size': [8], 'trainer.random_seed': [1, 2], kk: [1] })).toEqual([
      'sweep.epochs: is not a model key',
      'sweep.trainer.epochs: is shared by every SAE of a sweep (they train in one pass over the same batches)',
      'sweep.data.batch_size: is shared by every SAE of a sweep (they train in one pass over the same batches)',
      'sweep.kk: is not a model key',
    ]);
    expect(attempt({ k: [] })).toEqual(['sweep.k: must be a non-empty list of values']);
    expect(attempt([1, 2])).toEqual(['sweep: must map keys to lists of values']);
    expect(attempt({ k: [4, 1000], architecture: ['topk', 'jumprelu'] })).toEqual(expect.arrayContaining([
      "sweep 1-k4-jumprelu: k: is not used by architecture 'jumprelu'",
      'sweep 2-k1000-topk: k: must be an integer between 1 and n_features (256), got 1000',
    ]));
    expect(() => resolveSweepConfig({ ...base, sweep: { k: [0] } }, 'sweep.yaml')).toThrow(ConfigValidationError);
  });
});
