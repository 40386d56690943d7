import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { DataShapeError, SparseAutoencoder } from '@deeplens/core';
import { evaluateInModel, isLanguageModel, saeReconstruct, TRANSFORMER_SITES, type InModelEvalResult } from '@deeplens/extract';
import { sampledDocuments, textDocuments, type Sampler } from '@deeplens/extract/node';
import { createBackend, threadsFlag } from '../backends.js';
import { loadCheckpoint } from '../checkpoint.js';
import type { CommandIO, OptionValues } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { openModel } from '../extract/open-model.js';
import { isSweepFolder, SWEEP_STATE_FILE, type SweepState } from '../sweep/sweep-state.js';

/** Checkpoint arguments to named model files: a sweep folder stands for each finished SAE in it. */
export function expandCheckpoints(paths: readonly string[]): Array<{ name: string; path: string }> {
  return paths.flatMap((p) => {
    if (!isSweepFolder(p)) return [{ name: basename(p) === 'best_model.safetensors' ? basename(dirname(p)) : basename(p), path: p }];
    const state = JSON.parse(readFileSync(`${p}/${SWEEP_STATE_FILE}`, 'utf8')) as SweepState;
    const done = state.members.filter((m) => m.bestModelPath);
    if (done.length === 0) throw new UsageError(`sweep ${p} has no finished SAE to evaluate`, 'resume the sweep first (deeplens train --resume <sweep folder>)');
    return done.map((m) => ({ name: m.name, path: m.bestModelPath! }));
  });
}

/** `deeplens eval --model ...`: every SAE spliced into the language model at its site, one table. */
export async function runInModelEval(v: OptionValues, io: CommandIO, onResult?: (json: Record<string, unknown>) => void): Promise<number> {
  const checkpoints = expandCheckpoints(v['checkpoint'] as string[]);
  const site = String(v['site'] ?? '');
  if (!(TRANSFORMER_SITES as readonly string[]).includes(site)) throw new UsageError(`in-model evaluation needs --site (one of ${TRANSFORMER_SITES.join(', ')})`);
  const layer = Number(v['layer']);
  if (!Number.isInteger(layer) || layer < 0) throw new UsageError(`in-model evaluation needs --layer N (the block the SAE was trained on), got ${String(v['layer'])}`);
  if ((v['text'] === undefined) === (v['sample'] === undefined)) throw new UsageError('in-model evaluation needs held-out text: exactly one of --text PATH and --sample N');
  const { adapter } = await openModel(v['model'] as string, v['tokenizer'] as string | undefined);
  if (!isLanguageModel(adapter)) throw new UsageError(`${adapter.name} has no next-token loss to evaluate against`);
  const siteRef = { site, layer };
  const width = adapter.siteWidth(siteRef);
  const maxDocs = v['max-documents'] === undefined ? Infinity : Number(v['max-documents']);
  const contextSize = v['context-size'] === undefined ? adapter.contextSize : Number(v['context-size']);
  if (!Number.isInteger(contextSize) || contextSize < 2 || contextSize > adapter.contextSize) throw new UsageError(`--context-size must be an integer in 2..${adapter.contextSize}`);
  const sampler = adapter as Partial<Sampler>;
  if (v['sample'] !== undefined && typeof sampler.sample !== 'function') throw new UsageError(`${adapter.name} cannot sample its own text; pass --text`);
  const source = v['sample'] !== undefined
    ? sampledDocuments(sampler as Sampler, { count: Number(v['sample']), steps: contextSize - 1, seed: v['seed'] === undefined ? 1_000_003 : Number(v['seed']) })
    : await textDocuments(v['text'] as string);
  const sequences: Int32Array[] = [];
  for await (const d of source.documents(0)) {
    if (sequences.length >= maxDocs) break;
    const tokens = 'tokens' in d ? d.tokens : adapter.tokenize(d.text);
    sequences.push(tokens.slice(0, contextSize));
  }

  const backend = await createBackend(typeof v['backend'] === 'string' ? v['backend'] : 'auto', { threads: threadsFlag(v['threads']), tfjsEngine: typeof v['tfjs-engine'] === 'string' ? v['tfjs-engine'] : null }, (m) => io.err(`warning: ${m}`), (m) => io.err(`note: ${m}`));
  const saes: Array<{ name: string; model: SparseAutoencoder; reconstruct: ReturnType<typeof saeReconstruct> }> = [];
  try {
    for (const c of checkpoints) {
      const ckpt = await loadCheckpoint(c.path, (m) => io.err(`warning: ${m}`));
      if (ckpt.file.config.inputDims !== width) {
        throw new DataShapeError(`${ckpt.modelPath} takes ${ckpt.file.config.inputDims}-wide activations; ${adapter.name}'s ${site} at layer ${layer} is ${width} wide`, {
          hint: 'pass the --site and --layer the SAE was trained on',
        });
      }
      const model = SparseAutoencoder.fromArrays({ backend, config: ckpt.file.config, params: ckpt.file.params, source: ckpt.modelPath });
      saes.push({ name: c.name, model, reconstruct: saeReconstruct(model, ckpt.normStats) });
    }
    const quiet = v['json'] === true;
    if (!quiet) io.err(`Evaluating ${saes.length} SAE${saes.length === 1 ? '' : 's'} inside ${adapter.name} at ${site} of layer ${layer} on ${sequences.length} documents from ${source.description}`);
    const r = await evaluateInModel({ adapter, site: siteRef, sequences, saes: saes.map((s) => ({ name: s.name, reconstruct: s.reconstruct })) });
    const json = toJson(r, adapter.name);
    if (quiet) io.out(JSON.stringify(json));
    else for (const line of inModelTable(r, adapter.name)) io.out(line);
    onResult?.(json);
    return EXIT.ok;
  } finally {
    for (const s of saes) s.model.dispose();
    backend.dispose();
  }
}

export function toJson(r: InModelEvalResult, model: string): Record<string, unknown> {
  return {
    model, site: r.site.site, layer: r.site.layer, documents: r.sequences, tokens: r.tokens, ce_clean: r.ceClean,
    zero_ablation: r.zeroAblation, mean_ablation: r.meanAblation,
    saes: r.saes.map((s) => ({ name: s.name, ce: s.ce, delta_loss: s.deltaLoss, ce_loss_recovered: s.ceLossRecovered, ce_loss_recovered_mean_ablation: s.ceLossRecoveredMean, kl: s.kl })),
  };
}

export function inModelTable(r: InModelEvalResult, model: string): string[] {
  const f = (x: number) => x.toFixed(4);
  const rows = r.saes.map((s) => [s.name, f(s.ce), f(s.deltaLoss), f(s.ceLossRecovered), f(s.ceLossRecoveredMean), f(s.kl)]);
  const head = ['SAE', 'CE', 'delta loss', 'CE loss recovered', 'vs mean-ablation', 'KL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `In-model evaluation: ${model}, ${r.site.site} of layer ${r.site.layer}, ${r.tokens.toLocaleString('en-US')} next-token predictions in ${r.sequences} documents`,
    `Clean CE ${f(r.ceClean)} · zero-ablation CE ${f(r.zeroAblation.ce)} (KL ${f(r.zeroAblation.kl)}) · mean-ablation CE ${f(r.meanAblation.ce)} (KL ${f(r.meanAblation.kl)})`,
    line(head),
    ...rows.map(line),
  ];
}
