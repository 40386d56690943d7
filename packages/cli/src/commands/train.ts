import yaml from 'js-yaml';
import type { CommandModule } from '../command.js';
import { applyFlags, readConfigFile, resolveTrainConfig } from '../config/resolve-train-config.js';
import { EXIT, UsageError } from '../errors.js';
import { runTraining } from '../run-training.js';

const command: CommandModule = {
  description: 'train a sparse autoencoder on activation files',
  usage: `deeplens train --config config.yaml --activations <file|folder|glob> [options]

The config file holds the tutorial's model keys (input_dims, n_features, activation, input_norm, k,
beta_l1, tie_weights, unit_norm_decoder) and optional data:, optim: and trainer: sections.
Flags override the file:
  --backend auto|cpu|wasm|tfjs|gpujs   --model-name NAME          --epochs N
  --batch-size N                       --lr X                     --optim adam|adamw
  --weight-decay X                     --eval-steps N             --lrs-type cosine|linear|plateau
  --warmup-fraction X                  --grad-clip-norm X         --save-checkpoints true|false
  --save-best-only true|false          --no-shuffle               --no-norm
  --seed N                             --out DIR (saved_models)   --splits 0.8,0.2
  --eval-activations FILE              --init-from MODEL          --resume RUN_FOLDER
  --key NAME (tensor in a .pt dict)    --flatten                  --skip-non-finite
  --optimizer-in-backward (update each parameter as its gradient is made: less memory, no clipping)
  --micro-batch-size N (run each batch in blocks of N rows, one optimiser step: less memory)
  --threads N (worker threads of the wasm backend; default: one per core)
  --bf16    --wandb    --quiet    --dry-run (print the resolved configuration and exit)`,
  options: {
    config: { type: 'string', short: 'c' },
    activations: { type: 'string', short: 'a', multiple: true },
    'eval-activations': { type: 'string' },
    'init-from': { type: 'string' },
    resume: { type: 'string' },
    backend: { type: 'string' },
    'model-name': { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    optim: { type: 'string' },
    'weight-decay': { type: 'string' },
    'eval-steps': { type: 'string' },
    'lrs-type': { type: 'string' },
    'warmup-fraction': { type: 'string' },
    'grad-clip-norm': { type: 'string' },
    'save-checkpoints': { type: 'string' },
    'save-best-only': { type: 'string' },
    'no-shuffle': { type: 'boolean' },
    'no-norm': { type: 'boolean' },
    seed: { type: 'string' },
    out: { type: 'string' },
    splits: { type: 'string' },
    key: { type: 'string' },
    flatten: { type: 'boolean' },
    'skip-non-finite': { type: 'boolean' },
    'optimizer-in-backward': { type: 'boolean' },
    'micro-batch-size': { type: 'string' },
    threads: { type: 'string' },
    bf16: { type: 'boolean' },
    wandb: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    'dry-run': { type: 'boolean' },
  },
  async run(v, _p, io) {
    if (typeof v['config'] !== 'string') throw new UsageError('train needs --config <config.yaml>', 'the config holds at least input_dims, n_features and k or beta_l1');
    const activations = v['activations'] as string[] | undefined;
    if (!activations?.length) throw new UsageError('train needs --activations <file|folder|glob>', 'e.g. --activations saved_features/features_layer_3_100000.pt');
    const config = resolveTrainConfig(applyFlags(readConfigFile(v['config']), v), v['config']);
    if (v['dry-run']) {
      io.out(yaml.dump({ ...config.modelYaml, data: config.data, optim: config.optim, trainer: config.trainer, activations, eval_activations: v['eval-activations'] ?? null, init_from: v['init-from'] ?? null, resume: v['resume'] ?? null }, { lineWidth: 120 }).trimEnd());
      return EXIT.ok;
    }
    const result = await runTraining({
      config,
      activations,
      ...(typeof v['eval-activations'] === 'string' ? { evalActivations: v['eval-activations'] } : {}),
      ...(typeof v['init-from'] === 'string' ? { initFrom: v['init-from'] } : {}),
      ...(typeof v['resume'] === 'string' ? { resume: v['resume'] } : {}),
      quiet: v['quiet'] === true,
      write: io.out,
    });
    if (result.status === 'interrupted' || result.status === 'stopped') {
      if (result.runDir) io.err(`Training state saved; continue with: deeplens train --config ${v['config']} --activations ${activations.join(' ')} --resume ${result.runDir}`);
      return EXIT.interrupted;
    }
    return EXIT.ok;
  },
};

export default command;
