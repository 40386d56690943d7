import { describe, expect, it } from 'vitest';
import { ConsoleLogger } from './console-logger.js';
import { fixed3, sci2 } from './format.js';

describe('ConsoleLogger', () => {
  it("prints the tutorial's step line exactly", () => {
    const lines: string[] = [];
    const log = new ConsoleLogger({ write: (l) => void lines.push(l) });
    log.logMetrics({ 'train/loss': 0.18912, 'train/non_zero_frac': 0.03125, 'train/lr': 3e-4, batch: 100, batches_per_epoch: 1000, epoch: 0 });
    expect(lines).toEqual(['Step [100/1000] - train_loss: 0.189 - train_nz_frac: 0.031 - lr: 3.00e-04']);
  });

  it('rounds exact ties half to even like Python', () => {
    expect([0.0625, 0.0635, 0.1875, 2.5e-4, 0.123456].map(fixed3)).toEqual(['0.062', '0.064', '0.188', '0.000', '0.123']);
  });

  it('formats learning rates with two-digit exponents like Python', () => {
    expect([3e-4, 1, 1.5e-10, 2e12, 0.00012345].map(sci2)).toEqual(['3.00e-04', '1.00e+00', '1.50e-10', '2.00e+12', '1.23e-04']);
  });

  it('prints evaluation and final summaries; quiet keeps only the summary', () => {
    const lines: string[] = [];
    const log = new ConsoleLogger({ write: (l) => void lines.push(l) });
    log.logMetrics({ 'eval/loss': 0.5, 'eval/fvu': 0.25, 'eval/explained_variance': 0.75, 'eval/l0': 16, 'eval/dead_frac': 0.01, epoch: 1, global_step: 40 });
    expect(lines[0]).toBe('Eval (epoch 2, step 40) - eval_loss: 0.5000 - fvu: 0.2500 - explained_var: 0.7500 - L0: 16.0 - dead_frac: 0.010');
    const quiet: string[] = [];
    const q = new ConsoleLogger({ write: (l) => void quiet.push(l), quiet: true });
    q.logMetrics({ 'train/loss': 1, 'train/non_zero_frac': 0, 'train/lr': 1, batch: 0, batches_per_epoch: 1 });
    q.logSummary({ status: 'completed', globalStep: 10, epochsCompleted: 1, bestEvalLoss: 0.4, lastEval: undefined, runDir: '/r', bestModelPath: '/r/best_model.safetensors', elapsedSeconds: 2 });
    expect(quiet).toEqual(['Training completed after 10 steps in 2.0 s.', 'Best model: /r/best_model.safetensors', 'Run folder: /r']);
  });
});
