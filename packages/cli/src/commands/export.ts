import { join } from 'node:path';
import { encodeSafetensors, type SafetensorsInput } from '@deeplens/core';
import { writeFileAtomic } from '@deeplens/core/node';
import { loadCheckpoint } from '../checkpoint.js';
import type { CommandModule } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { toSaeLens } from '../saelens-export.js';

const command: CommandModule = {
  description: 'export a trained SAE to another library\'s layout',
  usage: `deeplens export --checkpoint <run-folder|model.safetensors> --format saelens --out <folder> [--hook-name NAME] [--model-name NAME]

SAELens layout: sae_weights.safetensors (W_enc [d_in, d_sae], b_enc, W_dec [d_sae, d_in], b_dec) and
cfg.json. The run's per-dimension normalisation is folded into the weights, so the exported SAE
takes raw activations. An option SAELens cannot represent is an error naming it.`,
  options: {
    checkpoint: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    'hook-name': { type: 'string' },
    'model-name': { type: 'string' },
  },
  async run(v, _p, io) {
    if (typeof v['checkpoint'] !== 'string') throw new UsageError('export needs --checkpoint <run-folder|model file>');
    if (v['format'] !== 'saelens') throw new UsageError(`--format must be 'saelens'${v['format'] ? `, got '${String(v['format'])}'` : ''}`);
    if (typeof v['out'] !== 'string') throw new UsageError('export needs --out <folder>');
    const ckpt = await loadCheckpoint(v['checkpoint'], (m) => io.err(`warning: ${m}`));
    const { tensors, cfg } = toSaeLens(ckpt, {
      ...(typeof v['hook-name'] === 'string' ? { hookName: v['hook-name'] } : {}),
      ...(typeof v['model-name'] === 'string' ? { modelName: v['model-name'] } : {}),
    });
    await writeFileAtomic(join(v['out'], 'sae_weights.safetensors'), encodeSafetensors(tensors as Map<string, SafetensorsInput>));
    await writeFileAtomic(join(v['out'], 'cfg.json'), `${JSON.stringify(cfg, null, 2)}\n`);
    io.out(`Exported ${ckpt.modelPath} to ${v['out']} (SAELens ${String(cfg['architecture'])}, d_in ${String(cfg['d_in'])}, d_sae ${String(cfg['d_sae'])}${ckpt.normStats ? ', normalisation folded into the weights' : ''})`);
    return EXIT.ok;
  },
};

export default command;
