import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataShapeError, type NormStats, type SparseAutoencoder } from '@deeplens/core';
import type { LanguageModelAdapter, ModelAdapter } from '@deeplens/extract';
import { scanFeatures, type FeatureScanOptions, type FeatureStats } from '../feature-scan.js';
import { meanL0, trainingCurves } from '../report-data.js';
import { decoderDirections, saeEncoder } from '../sae-encoder.js';
import { extractionBatches } from './extraction-batches.js';
import { writeReport } from './write-report.js';

export interface BuildReportOptions {
  sae: SparseAutoencoder;
  normStats?: NormStats;
  /** A folder written by deeplens extract (rows with their tokens). */
  activations: string;
  out: string;
  /** The run folder (for metrics.jsonl's curves) and a name for the title. */
  runDir?: string;
  title?: string;
  /** The model the activations came from: token text, and logit effects for language models. */
  adapter?: ModelAdapter;
  inModel?: Record<string, unknown>;
  maxRows?: number;
  scan?: Omit<FeatureScanOptions, 'features'>;
}

/** Scan an SAE's features over an extraction and write the static HTML report; returns index.html's path and the statistics. */
export async function buildFeatureReport(o: BuildReportOptions): Promise<{ index: string; stats: FeatureStats }> {
  const F = o.sae.config.nFeatures;
  const { manifest, rows, batches } = await extractionBatches(o.activations, o.maxRows !== undefined ? { maxRows: o.maxRows } : {});
  if (manifest.width !== o.sae.config.inputDims) {
    throw new DataShapeError(`${o.activations} holds ${manifest.width}-wide activations; the SAE takes ${o.sae.config.inputDims}`, { hint: 'report on the extraction the SAE was trained on' });
  }
  const stats = await scanFeatures(batches, saeEncoder(o.sae, o.normStats), { features: F, ...o.scan });
  const site = { site: manifest.site, layer: manifest.layer };
  const lm = o.adapter && (o.adapter as Partial<LanguageModelAdapter>).kind === 'language-model' ? (o.adapter as LanguageModelAdapter) : undefined;
  const directions = lm ? await decoderDirections(o.sae, o.normStats) : undefined;
  const vocabSize = o.adapter?.vocabSize ?? 0;
  const vocab = Array.from({ length: vocabSize }, (_, i) => o.adapter!.tokenText(i));
  const metricsFile = o.runDir ? join(o.runDir, 'metrics.jsonl') : undefined;
  const curves = metricsFile && existsSync(metricsFile) ? trainingCurves((await readFile(metricsFile, 'utf8')).split('\n'), F) : [];
  const alive = Array.from(stats.count).filter((c) => c > 0).length;
  const c = o.sae.config;
  const arch = c.architecture ?? (c.k !== null ? 'topk' : 'l1');
  const index = await writeReport(o.out, {
    title: o.title ?? `${manifest.model.name} ${manifest.site}@${manifest.layer}`,
    meta: [
      `SAE: ${arch}${c.k !== null ? `, k ${c.k}` : ''}, ${c.inputDims} → ${F} features${o.runDir ? ` (${o.runDir})` : ''}`,
      `Activations: ${manifest.model.name}, ${manifest.site} of layer ${manifest.layer}, ${rows.toLocaleString('en-US')} rows of ${o.activations}`,
    ],
    stats: [
      ['rows', rows.toLocaleString('en-US')], ['features', F.toLocaleString('en-US')], ['alive', `${alive} (${((alive / F) * 100).toFixed(1)}%)`],
      ['dead', `${F - alive}`], ['mean L0', meanL0(stats).toFixed(2)],
      ...(o.inModel ? [['CE loss recovered', ((o.inModel['saes'] as Array<{ ce_loss_recovered: number }>)[0]?.ce_loss_recovered ?? NaN).toFixed(4)] as [string, string]] : []),
    ],
    curves, vocab, ...(o.inModel ? { inModel: o.inModel } : {}),
  }, stats, directions && lm ? (f) => lm.logitEffect(site, directions[f]!) : undefined);
  return { index, stats };
}
