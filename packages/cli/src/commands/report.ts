import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SparseAutoencoder } from '@deeplens/core';
import type { ModelAdapter } from '@deeplens/extract';
import { readManifest } from '@deeplens/extract/node';
import { buildFeatureReport, writeSweepIndex } from '@deeplens/report/node';
import { createBackend, threadsFlag } from '../backends.js';
import { loadCheckpoint } from '../checkpoint.js';
import type { CommandModule } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { expandCheckpoints } from '../eval/in-model-eval.js';
import { openModel } from '../extract/open-model.js';
import { isSweepFolder } from '../sweep/sweep-state.js';
import { positiveIntFlag } from '../positive-int-flag.js';

const command: CommandModule = {
  description: 'write an HTML feature report for a trained SAE (or each SAE of a sweep)',
  usage: `deeplens report --checkpoint <run|model|sweep folder> --activations <extraction folder> [--out DIR] [--model M.bin --tokenizer T.bin] [--max-rows N] [--top-k 20] [--context 5]

Streams the activations a deeplens extract wrote (rows with their tokens) through the SAE and writes a
static report that opens from disk: training curves from the run's metrics.jsonl, the feature-density
and L0 histograms, and a card per feature (searchable by id, sortable by density or max activation)
with its activation histogram, top activating contexts with the tokens coloured by activation,
samples from equal-width activation intervals, and the tokens its decoder direction promotes and
suppresses (language models). The model is found from the extraction's manifest unless --model and
--tokenizer are given. Default output: <run folder>/report (a sweep: <sweep>/report/<SAE>/ and an index). --in-model-json
takes deeplens eval --model --json's output and shows it in the overview.`,
  options: {
    checkpoint: { type: 'string' },
    activations: { type: 'string' },
    out: { type: 'string' },
    model: { type: 'string' },
    tokenizer: { type: 'string' },
    'max-rows': { type: 'string' },
    'top-k': { type: 'string' },
    context: { type: 'string' },
    'in-model-json': { type: 'string' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    'tfjs-engine': { type: 'string' },
  },
  async run(v, _p, io) {
    const checkpoint = v['checkpoint'];
    const activations = v['activations'];
    if (typeof checkpoint !== 'string') throw new UsageError('report needs --checkpoint <run folder|model file|sweep folder>');
    if (typeof activations !== 'string') throw new UsageError('report needs --activations <folder written by deeplens extract>');
    const topK = positiveIntFlag(v['top-k'], '--top-k', 20);
    const context = positiveIntFlag(v['context'], '--context', 5);
    const maxRows = v['max-rows'] === undefined ? undefined : positiveIntFlag(v['max-rows'], '--max-rows', 1);
    const manifest = existsSync(activations) ? await readManifest(activations) : null;
    let adapter: ModelAdapter | undefined;
    if (typeof v['model'] === 'string') adapter = (await openModel(v['model'], v['tokenizer'] as string | undefined)).adapter;
    else if (manifest?.model_paths?.['checkpoint'] && existsSync(manifest.model_paths['checkpoint'])) adapter = (await openModel(manifest.model_paths['checkpoint'], manifest.model_paths['tokenizer'])).adapter;
    else io.err('note: the model is not known (no --model, and the extraction does not say where it is): tokens are shown as ids, without logit effects');

    // `deeplens eval --model --json`'s output, shown in the report (deeplens demo --full passes it).
    const inModel = typeof v['in-model-json'] === 'string' ? (JSON.parse(v['in-model-json']) as Record<string, unknown>) : undefined;
    const sweep = isSweepFolder(checkpoint);
    const members = expandCheckpoints([checkpoint]);
    const outRoot = typeof v['out'] === 'string' ? v['out'] : sweep ? join(checkpoint, 'report') : join(existsSync(checkpoint) && !checkpoint.endsWith('.safetensors') ? checkpoint : dirname(checkpoint), 'report');
    const backend = await createBackend(typeof v['backend'] === 'string' ? v['backend'] : 'auto', { threads: threadsFlag(v['threads']), tfjsEngine: typeof v['tfjs-engine'] === 'string' ? v['tfjs-engine'] : null }, (m) => io.err(`warning: ${m}`), (m) => io.err(`note: ${m}`));
    const written: Array<{ name: string; index: string }> = [];
    try {
      for (const m of members) {
        const ckpt = await loadCheckpoint(m.path, (msg) => io.err(`warning: ${msg}`));
        const sae = SparseAutoencoder.fromArrays({ backend, config: ckpt.file.config, params: ckpt.file.params, source: ckpt.modelPath });
        const out = sweep ? join(outRoot, m.name) : outRoot;
        io.err(`Scanning ${m.name}'s ${sae.config.nFeatures} features over ${activations}...`);
        try {
          const r = await buildFeatureReport({
            sae, ...(ckpt.normStats ? { normStats: ckpt.normStats } : {}), activations, out, runDir: dirname(ckpt.modelPath), title: m.name,
            ...(adapter ? { adapter } : {}), ...(inModel ? { inModel } : {}), ...(maxRows !== undefined ? { maxRows } : {}), scan: { topK, context },
          });
          written.push({ name: m.name, index: r.index });
          io.out(`Report: ${r.index}`);
        } finally {
          sae.dispose();
        }
      }
    } finally {
      backend.dispose();
    }
    if (sweep) {
      await mkdir(outRoot, { recursive: true });
      io.out(`Sweep index: ${await writeSweepIndex(outRoot, basename(checkpoint), written)}`);
    }
    return EXIT.ok;
  },
};

export default command;
