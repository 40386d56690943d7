import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataFileNotFoundError } from '@deeplens/core';
import { threadsFlag } from '../backends.js';
import type { CommandIO, OptionValues } from '../command.js';
import { resolveTrainConfig } from '../config/resolve-train-config.js';
import { EXIT, UsageError } from '../errors.js';
import { runInModelEval } from '../eval/in-model-eval.js';
import { runTraining } from '../run-training.js';

/** The bundled llama2.c model (copied beside the CLI bundle at build time). */
export function demoModel(): { checkpoint: string; tokenizer: string } {
  const dir = fileURLToPath(new URL('./data/models/', import.meta.url));
  const checkpoint = join(dir, 'stories260K.bin');
  const tokenizer = join(dir, 'tok512.bin');
  if (!existsSync(checkpoint) || !existsSync(tokenizer)) throw new DataFileNotFoundError(`the bundled stories260K model is missing (${dir})`, { hint: 'reinstall @deeplens/cli; in the repository run pnpm build' });
  return { checkpoint, tokenizer };
}

/** deeplens demo --full: extract → train → evaluate inside the model → feature report, on stories260K. */
export async function runFullDemo(v: OptionValues, io: CommandIO): Promise<number> {
  const out = typeof v['out'] === 'string' ? v['out'] : 'deeplens-demo';
  const tokens = v['tokens'] === undefined ? 30_000 : Number(v['tokens']);
  if (!Number.isInteger(tokens) || tokens < 2_000) throw new UsageError(`--tokens must be an integer ≥ 2000, got ${String(v['tokens'])}`);
  const { checkpoint, tokenizer } = demoModel();
  const backend = typeof v['backend'] === 'string' ? v['backend'] : 'auto';
  const common = { ...(v['threads'] !== undefined ? { threads: v['threads'] } : {}), backend };
  const acts = join(out, 'activations');
  const step = (n: number, text: string) => io.out(`\n[${n}/4] ${text}`);

  step(1, `Extracting ${tokens.toLocaleString('en-US')} tokens of stories260K's layer-3 MLP activations from stories it samples itself`);
  const extract = (await import('../commands/extract.js')).default;
  const x = await extract.run({ model: checkpoint, tokenizer, layer: '3', site: 'mlp_hidden', sample: '1000', 'max-tokens': String(tokens), out: acts, 'batch-size': '8' }, [], io);
  if (x !== EXIT.ok) return x;

  step(2, 'Training a BatchTopK SAE (172 → 688 latents, k = 16, AuxK, geometric-median b_dec, W_enc = W_decᵀ)');
  const config = resolveTrainConfig({
    input_dims: 172, n_features: 688, activation: 'relu', input_norm: false, k: 16, beta_l1: null, tie_weights: false, unit_norm_decoder: true,
    architecture: 'batchtopk', aux_k_coef: 1 / 32, b_dec_init: 'geometric_median', decoder_init: 'encoder_transpose',
    data: { batch_size: 256, splits: [0.9, 0.1], norm: true },
    optim: { type: 'adam', lr: 2e-3, betas: [0.9, 0.999] },
    trainer: {
      model_name: 'demo-full', epochs: v['epochs'] ? Number(v['epochs']) : 6, lrs_type: 'cosine', eval_steps: 100_000, log_every_steps: 50,
      output_dir: join(out, 'runs'), device: backend, threads: threadsFlag(v['threads']), tfjs_engine: null, dead_window_tokens: tokens,
    },
  }, 'deeplens demo --full');
  const trained = await runTraining({ config, activations: acts, quiet: v['quiet'] === true, write: io.out, warn: (m) => io.err(`warning: ${m}`), note: (m) => io.err(`note: ${m}`) });
  if (trained.status !== 'completed' || !trained.runDir) return EXIT.interrupted;

  step(3, 'Evaluating the SAE inside the model: next-token loss with its reconstruction in place of the activations, on 24 other stories');
  const evalArgs = { checkpoint: [trained.runDir], model: checkpoint, tokenizer, site: 'mlp_hidden', layer: '3', sample: '24', ...common };
  let inModel = '';
  const e = await runInModelEval(evalArgs, io, (json) => void (inModel = JSON.stringify(json)));
  if (e !== EXIT.ok) return e;

  step(4, 'Writing the feature report');
  const report = (await import('../commands/report.js')).default;
  const r = await report.run({ checkpoint: trained.runDir, activations: acts, model: checkpoint, tokenizer, ...common, 'in-model-json': inModel }, [], io);
  if (r !== EXIT.ok) return r;
  const shards = readdirSync(acts).filter((f) => f.endsWith('.safetensors')).length;
  io.out(`\nDone. Activations: ${acts} (${shards} shard${shards === 1 ? '' : 's'}) · SAE: ${trained.runDir} · report: ${join(trained.runDir, 'report', 'index.html')} (open it in a browser)`);
  return EXIT.ok;
}
