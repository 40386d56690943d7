import type { TrainerLogger, TrainResult } from '@deeplens/trainer';
import { fixed3, sci2 } from './format.js';

export interface ConsoleLoggerOptions {
  /** Where lines go (default: process.stdout in Node, console.log elsewhere). */
  write?: (line: string) => void;
  /** Print nothing but errors and the final summary. */
  quiet?: boolean;
}

/**
 * DeepLens's console output: at the trainer's cadence
 *   Step [100/1000] - train_loss: 0.189 - train_nz_frac: 0.031 - lr: 3.00e-04
 * (train_loss is the batch MSE; Step counts batches within the epoch), an evaluation summary after
 * each evaluation, and a final summary with where the model was saved.
 */
export class ConsoleLogger implements TrainerLogger {
  readonly name = 'console';
  readonly #write: (line: string) => void;
  readonly #quiet: boolean;

  constructor(options: ConsoleLoggerOptions = {}) {
    this.#write = options.write ?? defaultWrite();
    this.#quiet = options.quiet ?? false;
  }

  logHyperparams(config: Readonly<Record<string, unknown>>): void {
    if (this.#quiet) return;
    const model = config['model'] as Record<string, unknown> | undefined;
    const trainer = config['trainer'] as Record<string, unknown> | undefined;
    const dataset = config['dataset'] as Record<string, unknown> | undefined;
    if (model) {
      const sparsity = describeSparsity(model);
      this.#write(`Model: ${String(model['input_dims'])} → ${String(model['n_features'])} features, ${String(model['activation'])}, ${sparsity}${model['input_norm'] ? ', input LayerNorm' : ''}${model['tie_weights'] ? ', tied' : ''}`);
    }
    if (dataset) this.#write(`Data: ${String(dataset['train_rows'])} train rows, ${String(dataset['eval_rows'])} eval rows, batch ${String(dataset['batch_size'])}`);
    if (trainer) this.#write(`Training: ${String(trainer['epochs'])} epochs on backend '${String(config['backend'])}'${config['run_dir'] ? `, saving to ${String(config['run_dir'])}` : ''}`);
  }

  logMetrics(m: Readonly<Record<string, number>>): void {
    if (this.#quiet) return;
    if ('train/loss' in m) {
      this.#write(`Step [${m['batch']}/${m['batches_per_epoch']}] - train_loss: ${fixed3(m['train/loss']!)} - train_nz_frac: ${fixed3(m['train/non_zero_frac']!)} - lr: ${sci2(m['train/lr']!)}`);
    } else if ('eval/loss' in m) {
      this.#write(
        `Eval (epoch ${m['epoch']! + 1}, step ${m['global_step']}) - eval_loss: ${m['eval/loss']!.toFixed(4)} - fvu: ${m['eval/fvu']!.toFixed(4)} - ` +
          `explained_var: ${m['eval/explained_variance']!.toFixed(4)} - L0: ${m['eval/l0']!.toFixed(1)} - dead_frac: ${fixed3(m['eval/dead_frac']!)}`,
      );
    }
  }

  logSummary(r: TrainResult): void {
    const lines = [`Training ${r.status}${r.reason ? ` (${r.reason})` : ''} after ${r.globalStep} steps in ${r.elapsedSeconds.toFixed(1)} s.`];
    if (r.lastEval) lines.push(`Final eval: loss ${r.lastEval.loss.toFixed(4)}, FVU ${r.lastEval.fvu.toFixed(4)}, L0 ${r.lastEval.l0.toFixed(1)}, dead ${fixed3(r.lastEval.deadFraction)}`);
    if (r.bestModelPath) lines.push(`Best model: ${r.bestModelPath}`);
    if (r.runDir) lines.push(`Run folder: ${r.runDir}`);
    for (const l of lines) this.#write(l);
  }

  flush(): void {}

  close(): void {}
}

function defaultWrite(): (line: string) => void {
  const stdout = (globalThis as { process?: { stdout?: { write(s: string): unknown } } }).process?.stdout;
  return stdout ? (line) => void stdout.write(`${line}\n`) : (line) => console.log(line);
}

/** DeepLens's TopK / L1 wording, and the architectures beyond it with their settings. */
function describeSparsity(model: Record<string, unknown>): string {
  const arch = model['architecture'] as string | undefined;
  const aux = typeof model['aux_k_coef'] === 'number' && model['aux_k_coef'] > 0 ? `, AuxK ${String(model['aux_k_coef'])}` : '';
  if (arch === 'batchtopk') return `BatchTopK k=${String(model['k'])}${aux}`;
  if (arch === 'matryoshka') return `Matryoshka BatchTopK k=${String(model['k'])} prefixes ${JSON.stringify(model['matryoshka_prefixes'])}${aux}`;
  if (arch === 'jumprelu') return `JumpReLU l0_coefficient=${String(model['l0_coefficient'])}${model['target_l0'] != null ? ` target_l0=${String(model['target_l0'])}` : ''}`;
  return (model['k'] !== null && model['k'] !== undefined ? `TopK k=${String(model['k'])}` : `L1 beta_l1=${String(model['beta_l1'])}`) + aux;
}
