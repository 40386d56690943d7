import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataFileNotFoundError } from '@deeplens/core';
import { threadsFlag } from '../backends.js';
import type { CommandModule } from '../command.js';
import { resolveTrainConfig } from '../config/resolve-train-config.js';
import { EXIT } from '../errors.js';
import { runTraining } from '../run-training.js';
import { runFullDemo } from '../demo/full-demo.js';

export const DEMO_DATA = 'stories260K-layer3-mlp-hidden-2048.npy';

/** The README's main job: a small real SAE on the bundled activations, with the default backend. */
const command: CommandModule = {
  description: 'train a small SAE on the bundled demo activations',
  usage: `deeplens demo [--out DIR] [--backend NAME] [--threads N] [--tfjs-engine E] [--epochs N] [--quiet]
deeplens demo --full [--out DIR (deeplens-demo)] [--tokens N (30000)] [--backend NAME] [--threads N]

Trains a 4× TopK SAE (172 → 688 latents, k = 16) on 2,048 real MLP activations of the stories260K
language model bundled with DeepLens TS, then prints where the model and metrics were saved.

--full runs the whole loop on the bundled stories260K model: extracts its layer-3 MLP activations from
stories it samples itself, trains a BatchTopK SAE on them, measures CE loss recovered with the SAE
inside the model on other stories, and writes the HTML feature report (a few minutes on 2 cores).`,
  options: { full: { type: 'boolean' }, tokens: { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' }, 'tfjs-engine': { type: 'string' }, epochs: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } },
  async run(v, _p, io) {
    if (v['full'] === true) return runFullDemo(v, io);
    const data = fileURLToPath(new URL(`./data/demo/${DEMO_DATA}`, import.meta.url));
    if (!existsSync(data)) throw new DataFileNotFoundError(`the demo activations are missing (${data})`, { hint: 'reinstall @deeplens/cli; in the repository run pnpm build' });
    const config = resolveTrainConfig({
      input_dims: 172, n_features: 688, activation: 'relu', input_norm: false, k: 16, beta_l1: null, tie_weights: false, unit_norm_decoder: true,
      data: { batch_size: 32, splits: [0.8, 0.2], norm: true },
      optim: { type: 'adam', lr: 1e-2, betas: [0.9, 0.99] },
      trainer: {
        model_name: 'demo', epochs: v['epochs'] ? Number(v['epochs']) : 4, lrs_type: 'cosine', eval_steps: 100_000, log_every_steps: 25,
        output_dir: typeof v['out'] === 'string' ? v['out'] : 'saved_models', device: typeof v['backend'] === 'string' ? v['backend'] : 'auto',
        threads: threadsFlag(v['threads']), tfjs_engine: typeof v['tfjs-engine'] === 'string' ? v['tfjs-engine'] : null,
      },
    }, 'deeplens demo');
    io.out(`DeepLens TS demo: training an SAE on ${DEMO_DATA} (real stories260K layer-3 MLP activations).`);
    const result = await runTraining({ config, activations: data, quiet: v['quiet'] === true, write: io.out, warn: (m) => io.err(`warning: ${m}`), note: (m) => io.err(`note: ${m}`) });
    if (result.runDir) io.out(`Metrics: ${result.runDir}/metrics.jsonl. Evaluate it again with: deeplens eval --checkpoint ${result.runDir} --activations ${data}`);
    return result.status === 'completed' ? EXIT.ok : EXIT.interrupted;
  },
};

export default command;
