import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors } from '@deeplens/core';
import { openAnyActivations } from '../remote/open-any-activations.js';
import { readFile } from 'node:fs/promises';
import { loadCheckpoint } from '../checkpoint.js';
import type { CommandModule } from '../command.js';
import { EXIT, UsageError } from '../errors.js';

const command: CommandModule = {
  description: 'show what an activation file, model file or run folder holds',
  usage: `deeplens info <file|folder> [--json] [--key NAME] [--rows N]

Activation files (.pt, .npy, .safetensors, folders of shards): shape, dtype and statistics over the
first N rows (default 100000). Model files and run folders: the model config and tensor shapes.`,
  options: { json: { type: 'boolean' }, key: { type: 'string' }, rows: { type: 'string' }, flatten: { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: '<file|folder>' },
  async run(v, [path], io) {
    const target = path!;
    const report = (await isModel(target)) ? await modelInfo(target, (m) => io.err(`warning: ${m}`)) : await activationInfo(target, v);
    if (v['json']) io.out(JSON.stringify(report));
    else for (const [k, val] of Object.entries(report)) io.out(`${`${k}:`.padEnd(22)} ${typeof val === 'object' ? JSON.stringify(val) : String(val)}`);
    return EXIT.ok;
  },
};

async function isModel(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  if (statSync(path).isDirectory()) return existsSync(join(path, 'best_model.safetensors'));
  if (!path.endsWith('.safetensors')) return false;
  const header = parseSafetensors(await readFile(path), path);
  return header.metadata['format'] === 'deeplens-sae' || header.tensors.has('W_enc');
}

async function modelInfo(path: string, warn: (message: string) => void): Promise<Record<string, unknown>> {
  const c = await loadCheckpoint(path, warn);
  const trainer = c.runConfig?.['trainer'] as Record<string, unknown> | undefined;
  return {
    kind: 'sae model',
    file: c.modelPath,
    config: Object.fromEntries(Object.entries(c.file.config)),
    tensors: Object.fromEntries([...c.file.params].map(([n, d]) => [n, d.length])),
    parameters: [...c.file.params.values()].reduce((a, d) => a + d.length, 0),
    normalised_inputs: c.normStats !== undefined,
    ...(trainer ? { trainer } : {}),
  };
}

async function activationInfo(path: string, v: Record<string, unknown>): Promise<Record<string, unknown>> {
  const src = await openAnyActivations(path, { ...(typeof v['key'] === 'string' ? { key: v['key'] } : {}), flatten: v['flatten'] === true });
  try {
    const limit = v['rows'] ? Number(v['rows']) : 100_000;
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--rows must be a positive integer, got ${String(v['rows'])}`);
    const n = Math.min(src.rows, limit);
    let sum = 0, sumSq = 0, min = Infinity, max = -Infinity, positive = 0, zero = 0, nonFinite = 0, norms = 0;
    const chunk = 4096;
    const buf = new Float32Array(chunk * src.cols);
    for (let r = 0; r < n; r += chunk) {
      const m = Math.min(chunk, n - r);
      await src.readRows(r, m, buf);
      for (let i = 0; i < m; i++) {
        let ss = 0;
        for (let j = 0; j < src.cols; j++) {
          const x = buf[i * src.cols + j]!;
          if (!Number.isFinite(x)) { nonFinite++; continue; }
          sum += x; sumSq += x * x; ss += x * x;
          if (x < min) min = x;
          if (x > max) max = x;
          if (x > 0) positive++;
          else if (x === 0) zero++;
        }
        norms += Math.sqrt(ss);
      }
    }
    const count = n * src.cols - nonFinite;
    const mean = sum / count;
    return {
      kind: 'activations',
      source: src.description,
      shape: [src.rows, src.cols],
      dtype: src.dtype,
      rows_summarised: n,
      mean, std: Math.sqrt(Math.max(0, sumSq / count - mean * mean)), min, max,
      fraction_positive: positive / count, fraction_zero: zero / count, non_finite_values: nonFinite, mean_row_l2_norm: norms / n,
    };
  } finally {
    await src.close();
  }
}

export default command;
