import { DataShapeError, ModelFileError, SparseAutoencoder } from '@deeplens/core';
import { ActivationsDatasetBuilder } from '@deeplens/core/node';
import { evaluate } from '@deeplens/trainer';
import { createBackend, threadsFlag } from '../backends.js';
import { loadCheckpoint } from '../checkpoint.js';
import type { CommandModule } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { runInModelEval } from '../eval/in-model-eval.js';

const command: CommandModule = {
  description: 'evaluate a trained SAE on activations, or inside the model (CE loss recovered)',
  usage: `deeplens eval --checkpoint <run-folder|model.safetensors> --activations <file> [--json] [--batch-size N] [--key NAME] [--backend NAME] [--threads N] [--tfjs-engine E]
deeplens eval --checkpoint <run|model|sweep folder>... --model <checkpoint.bin> --tokenizer <tok.bin> --site SITE --layer N (--text PATH | --sample N) [--max-documents N] [--context-size N] [--json]

With --activations: MSE, FVU (fraction of variance unexplained), explained variance, L0 (active
latents per row), the fraction of dead latents (never active on these rows) and nz_frac. Activations
are normalised with the statistics saved with the run, as during training.

With --model: each SAE's reconstruction replaces the site inside the language model on held-out text
(one line per document, or stories the model samples with a seed apart from extraction's); reports
the clean next-token cross-entropy, CE with the SAE spliced in, delta loss (CE_sae − CE_clean), CE
loss recovered = (CE_zero − CE_sae) / (CE_zero − CE_clean) against zero-ablation (and against
mean-ablation), and the KL divergence to the clean model. --checkpoint may repeat; a sweep folder
stands for every SAE in it (one table).`,
  options: {
    checkpoint: { type: 'string', multiple: true },
    model: { type: 'string' },
    tokenizer: { type: 'string' },
    site: { type: 'string' },
    layer: { type: 'string' },
    text: { type: 'string' },
    sample: { type: 'string' },
    seed: { type: 'string' },
    'max-documents': { type: 'string' },
    'context-size': { type: 'string' },
    activations: { type: 'string', short: 'a', multiple: true },
    json: { type: 'boolean' },
    'batch-size': { type: 'string' },
    key: { type: 'string' },
    flatten: { type: 'boolean' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    'tfjs-engine': { type: 'string' },
  },
  async run(v, _p, io) {
    const checkpoints = v['checkpoint'] as string[] | undefined;
    if (!checkpoints?.length) throw new UsageError('eval needs --checkpoint <run-folder|model file>');
    if (typeof v['model'] === 'string') return runInModelEval(v, io);
    if (checkpoints.length > 1) throw new UsageError('--checkpoint may repeat only with --model (in-model evaluation)');
    const acts = v['activations'] as string[] | undefined;
    if (!acts?.length) throw new UsageError('eval needs --activations <file>');
    const batchSize = v['batch-size'] ? Number(v['batch-size']) : 256;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`--batch-size must be a positive integer, got ${String(v['batch-size'])}`);
    const threads = threadsFlag(v['threads']);
    const ckpt = await loadCheckpoint(checkpoints[0]!, (m) => io.err(`warning: ${m}`));
    for (const [name, data] of ckpt.file.params) {
      const bad = data.reduce((n, x) => (Number.isFinite(x) ? n : n + 1), 0);
      if (bad > 0) {
        throw new ModelFileError(ckpt.modelPath, `tensor '${name}' holds ${bad} NaN/Inf value${bad === 1 ? '' : 's'}: the model diverged before it was saved`, {
          tensor: name, hint: 'evaluate an earlier checkpoint (sae_step_N / sae_epoch_N), or retrain with a lower lr or grad_clip_norm',
        });
      }
    }
    const backend = await createBackend(typeof v['backend'] === 'string' ? v['backend'] : 'auto', { threads, tfjsEngine: typeof v['tfjs-engine'] === 'string' ? v['tfjs-engine'] : null }, (m) => io.err(`warning: ${m}`), (m) => io.err(`note: ${m}`));
    const builder = new ActivationsDatasetBuilder({
      activations: acts, splits: [1], shuffle: false, batchSize, inputDims: ckpt.file.config.inputDims,
      norm: ckpt.normStats !== undefined, ...(ckpt.normStats ? { normStats: ckpt.normStats } : {}),
      ...(typeof v['key'] === 'string' ? { key: v['key'] } : {}), flatten: v['flatten'] === true,
    });
    try {
      const { train: loader, info } = await builder.getDataloaders();
      const model = SparseAutoencoder.fromArrays({ backend, config: ckpt.file.config, params: ckpt.file.params, source: ckpt.modelPath });
      const m = await evaluate(model, loader);
      if (!Number.isFinite(m.fvu)) {
        throw new DataShapeError(`${info.source}: the activations have zero variance (every row the same), so FVU and explained variance are undefined`, {
          hint: 'evaluate on activations that vary; MSE alone is ' + m.mse.toPrecision(6),
        });
      }
      const result = {
        checkpoint: ckpt.modelPath, activations: info.source, rows: m.rows,
        mse: m.mse, fvu: m.fvu, explained_variance: m.explainedVariance, l0: m.l0, dead_fraction: m.deadFraction, nz_frac: m.nonZeroFrac, loss: m.loss,
      };
      if (v['json']) io.out(JSON.stringify(result));
      else {
        io.out(`Checkpoint:         ${result.checkpoint}`);
        io.out(`Activations:        ${result.activations} (${result.rows} rows${ckpt.normStats ? ', normalised with the run\'s statistics' : ''})`);
        io.out(`MSE:                ${m.mse.toFixed(6)}`);
        io.out(`FVU:                ${m.fvu.toFixed(6)}`);
        io.out(`Explained variance: ${m.explainedVariance.toFixed(6)}`);
        io.out(`L0:                 ${m.l0.toFixed(2)}`);
        io.out(`Dead fraction:      ${m.deadFraction.toFixed(4)}`);
        io.out(`nz_frac:            ${m.nonZeroFrac.toFixed(6)}`);
      }
      return EXIT.ok;
    } finally {
      await builder.close();
      backend.dispose();
    }
  },
};

export default command;
