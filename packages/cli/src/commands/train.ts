import yaml from 'js-yaml';
import type { CommandModule } from '../command.js';
import { createBackend } from '../backends.js';
import { applyFlags, FLAG_PATHS, flaggedPaths, readConfigFile, resolveTrainConfig } from '../config/resolve-train-config.js';
import { EXIT, UsageError } from '../errors.js';
import { checkMemory, configNotes } from '../preflight.js';
import { runTraining } from '../run-training.js';
import { isSweepConfig, resolveSweepConfig } from '@deeplens/trainer';
import { runSweep, sweepMemory } from '../sweep/run-sweep.js';

const BOOLEAN_FLAGS = new Set(['no-shuffle', 'no-norm', 'flatten', 'skip-non-finite', 'optimizer-in-backward', 'bf16', 'wandb']);

const command: CommandModule = {
  description: 'train a sparse autoencoder on activation files',
  usage: `deeplens train --config config.yaml --activations <file|folder|glob|s3://bucket/prefix/> [options]

The config file holds the tutorial's model keys (input_dims, n_features, activation, input_norm, k,
beta_l1, tie_weights, unit_norm_decoder) and optional data:, optim: and trainer: sections. Every
key has a flag that overrides the file (key name with dashes; lists comma-separated):
  model    --input-dims N  --n-features N  --activation relu|silu  --input-norm true|false  --k N
           --beta-l1 X  --tie-weights true|false  --unit-norm-decoder true|false
  beyond   --architecture topk|l1|batchtopk|jumprelu|matryoshka  --matryoshka-prefixes 128,512,2048
  DeepLens --l0-coefficient X  --jumprelu-bandwidth X (0.001)  --jumprelu-init-threshold X  --target-l0 X
           --aux-k-coef X (AuxK, e.g. 0.03125)  --aux-k N (input_dims/2)  --b-dec-init zeros|mean|geometric_median
           --decoder-init xavier|encoder_transpose
  data     --batch-size N  --splits 0.8,0.2  --no-norm  --no-shuffle  --data-seed N
           --key NAME (tensor in a .pt dict)  --flatten  --skip-non-finite  --normalize-activations none|expected_norm
  optim    --optim adam|adamw  --lr X  --betas 0.9,0.999  --eps X  --weight-decay X  --decay-biases true|false
  trainer  --backend auto|cpu|wasm|tfjs|gpujs  --model-name NAME  --epochs N  --eval-steps N  --lrs-type cosine|linear|plateau
           --warmup-fraction X  --grad-clip-norm X  --save-checkpoints true|false  --save-best-only true|false
           --seed N  --out DIR (saved_models)  --log-every-steps N  --bf16  --wandb
           --dead-window-tokens N (10000000)  --remove-parallel-grad true|false  --l1-warmup-steps N
           --optimizer-in-backward (update each parameter as its gradient is made: less memory, no clipping)
           --micro-batch-size N (run each batch in blocks of N rows, one optimiser step: less memory)
           --threads N (worker threads of the wasm backend; default and maximum: one per core)
           --tfjs-engine auto|tensorflow|webgpu|webgl|wasm|cpu (the tfjs backend's engine; implies --backend tfjs)
           --checkpoint-every-steps N  --checkpoint-every-minutes X (default 10: save the training state
           that often, so a killed run loses at most that much; resume with --resume)
Sweeps:    a sweep: section trains a grid of SAEs in one pass over the data, e.g.
             sweep: { k: [16, 32, 64], architecture: [topk, batchtopk], lr: [1e-4, 3e-4] }
           (model keys, lr / optim.<key>, and trainer keys that do not change the data pass). Each SAE
           gets a run folder under saved_models/<model_name>-sweep/run_<timestamp>/; the sweep ends with
           summary.md and pareto.svg there. --resume SWEEP_FOLDER continues it; --dry-run lists the grid.
Runs:      --eval-activations FILE  --init-from MODEL|RUN_FOLDER  --resume RUN_FOLDER
           --force-resume (resume although the data differ from the run's or the state fails its checksum)
           --quiet  --dry-run (print the resolved configuration and the memory estimate, and exit)

Ctrl-C (SIGINT) or SIGTERM finishes the current step, saves the training state and exits with 130;
a second one exits at once, keeping the state saved last.`,
  options: {
    config: { type: 'string', short: 'c' },
    activations: { type: 'string', short: 'a', multiple: true },
    'eval-activations': { type: 'string' },
    'init-from': { type: 'string' },
    resume: { type: 'string' },
    'force-resume': { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    'dry-run': { type: 'boolean' },
    ...Object.fromEntries(Object.keys(FLAG_PATHS).map((flag) => [flag, { type: BOOLEAN_FLAGS.has(flag) ? 'boolean' : 'string' } as const])),
  },
  async run(v, _p, io) {
    if (typeof v['config'] !== 'string') throw new UsageError('train needs --config <config.yaml>', 'the config holds at least input_dims, n_features and k or beta_l1');
    const raw = applyFlags(readConfigFile(v['config']), v);
    const activations = (v['activations'] as string[] | undefined) ?? configActivations(raw);
    if (!activations?.length) {
      throw new UsageError('train needs --activations <file|folder|glob|s3://bucket/prefix/> (or data.activations in the config)', 'e.g. --activations saved_features/features_layer_3_100000.pt');
    }
    if (isSweepConfig(raw)) return trainSweep(raw, v, activations, io);
    const config = resolveTrainConfig(raw, v['config'], flaggedPaths(v));
    if (v['dry-run']) {
      io.out(yaml.dump({ ...config.modelYaml, data: config.data, optim: config.optim, trainer: config.trainer, activations, eval_activations: v['eval-activations'] ?? null, init_from: v['init-from'] ?? null, resume: v['resume'] ?? null }, { lineWidth: 120 }).trimEnd());
      for (const note of configNotes(config)) io.err(`warning: ${note}`);
      const backend = await createBackend(config.trainer.device, { threads: config.trainer.threads, tfjsEngine: config.trainer.tfjs_engine }, (m) => io.err(`warning: ${m}`), (m) => io.err(`note: ${m}`));
      try {
        io.out(`# memory estimate on backend '${backend.name}': ${checkMemory(config, backend)}`);
      } finally {
        backend.dispose();
      }
      return EXIT.ok;
    }
    const result = await runTraining({
      config,
      activations,
      ...(typeof v['eval-activations'] === 'string' ? { evalActivations: v['eval-activations'] } : {}),
      ...(typeof v['init-from'] === 'string' ? { initFrom: v['init-from'] } : {}),
      ...(typeof v['resume'] === 'string' ? { resume: v['resume'], forceResume: v['force-resume'] === true } : {}),
      quiet: v['quiet'] === true,
      write: io.out,
      warn: (m) => io.err(`warning: ${m}`),
      note: (m) => io.err(`note: ${m}`),
    });
    if (result.status === 'interrupted' || result.status === 'stopped') {
      if (result.runDir) io.err(`Training state saved; continue with: deeplens train --config ${v['config']} --activations ${activations.join(' ')} --resume ${result.runDir}`);
      return EXIT.interrupted;
    }
    return EXIT.ok;
  },
};

/** data.activations of the config (a path or a list), when --activations is not given. */
function configActivations(raw: Record<string, unknown>): string[] | undefined {
  const value = (raw['data'] as Record<string, unknown> | undefined)?.['activations'];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) && value.every((x) => typeof x === 'string') ? (value as string[]) : undefined;
}

/** `deeplens train` on a config with a sweep: section. */
async function trainSweep(raw: Record<string, unknown>, v: Record<string, unknown>, activations: string[], io: Parameters<CommandModule['run']>[2]): Promise<number> {
  const sweep = resolveSweepConfig(raw, String(v['config']), flaggedPaths(v));
  if (sweep.members[0]!.config.trainer.output_dir.startsWith('s3://')) {
    throw new UsageError('a one-pass sweep writes its run folders on this machine; --out s3://… is for single runs', 'write the sweep to a local folder, or run it across machines with deeplens sweep submit --out s3://…');
  }
  if (typeof v['init-from'] === 'string') throw new UsageError('--init-from starts one model from another; a sweep trains its SAEs from their own initialisation', 'train the SAEs without --init-from, or start single runs from the model');
  const warn = (m: string) => io.err(`warning: ${m}`);
  const note = (m: string) => io.err(`note: ${m}`);
  if (v['dry-run']) {
    const base = sweep.members[0]!.config;
    io.out(yaml.dump({ sweep: Object.fromEntries(sweep.grid.map((g) => [g.path, g.values])), saes: sweep.members.map((m) => ({ name: m.name, ...m.overrides })), data: base.data, trainer: base.trainer, activations }, { lineWidth: 120 }).trimEnd());
    const backend = await createBackend(base.trainer.device, { threads: base.trainer.threads, tfjsEngine: base.trainer.tfjs_engine }, warn, note);
    try {
      io.out(`# memory estimate on backend '${backend.name}': ${sweepMemory(sweep, backend)}`);
    } finally {
      backend.dispose();
    }
    return EXIT.ok;
  }
  const { dir, result, members } = await runSweep({
    sweep, activations,
    ...(typeof v['eval-activations'] === 'string' ? { evalActivations: v['eval-activations'] } : {}),
    ...(typeof v['resume'] === 'string' ? { resume: v['resume'], forceResume: v['force-resume'] === true } : {}),
    quiet: v['quiet'] === true, write: io.out, warn, note,
  });
  if (result.status !== 'completed') {
    io.err(`Training states saved; continue the sweep with: deeplens train --config ${String(v['config'])} --activations ${activations.join(' ')} --resume ${dir}`);
    return EXIT.interrupted;
  }
  const failed = members.filter((m) => m.status === 'failed');
  if (failed.length) {
    io.err(`${failed.length} of ${members.length} SAEs failed (${failed.map((m) => m.name).join(', ')}); the others finished. Reasons in ${dir}/summary.md`);
    return EXIT.user;
  }
  return EXIT.ok;
}

export default command;
