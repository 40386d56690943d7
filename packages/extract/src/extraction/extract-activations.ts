import { mkdir } from 'node:fs/promises';
import { InvalidArgumentError } from '@deeplens/core';
import { removeStaleTempFiles } from '@deeplens/core/node';
import type { ModelAdapter } from '../model-adapter.js';
import type { SiteRef } from '../sites.js';
import type { DocumentSource } from './document-source.js';
import { checkResumable, readManifest, writeManifest, type ExtractManifest } from './extract-manifest.js';
import { ShardWriter, type ShardDType } from './shard-writer.js';
import { documentWindows, type Window } from './windows.js';

export interface ExtractProgress {
  tokens: number;
  documents: number;
  /** Tokens per second of this run (not counting rows written before a resume). */
  tokensPerSecond: number;
  maxTokens: number | null;
}

export interface ExtractOptions {
  adapter: ModelAdapter;
  site: SiteRef;
  documents: DocumentSource;
  /** Output folder: shard-NNNNN.safetensors and manifest.json. */
  out: string;
  /** What the manifest records about the model (and checks on resume): name and file hashes. */
  model: { name: string; files: Record<string, string> };
  /** The model's files (absolute paths), recorded for later steps. */
  modelPaths?: Record<string, string>;
  /** Stop after this many rows (tokens). */
  maxTokens?: number;
  /** Tokens per forward pass (BOS included); documents longer than this are split into windows. Default: the model's. */
  contextSize?: number;
  /** Sequences per forward batch (whole documents are kept in one batch). Default 8. */
  batchSize?: number;
  /** Rows per shard (a shard is cut at the first document end past this). Default: about 64 MiB of activations. */
  shardTokens?: number;
  dtype?: ShardDType;
  /** Also write the BOS position's row (excluded by default: an outlier at most sites). */
  includeBos?: boolean;
  /** Stop after the current batch, write what was extracted, and return (resume by running again). */
  signal?: AbortSignal;
  onProgress?: (p: ExtractProgress) => void;
  /**
   * Called after each shard is written and the manifest updated (and after the final manifest),
   * e.g. to copy them to object storage: `shard` is the new shard's file name (null when none was
   * written). Awaited before extraction goes on.
   */
  onFlush?: (written: { shard: string | null; manifest: ExtractManifest }) => Promise<void>;
}

export interface ExtractResult {
  manifest: ExtractManifest;
  /** Rows written by this call. */
  tokensThisRun: number;
  resumedFrom: number;
  interrupted: boolean;
  alreadyComplete: boolean;
}

/**
 * Extract one site's activations of a model over documents, streaming them into safetensors shards
 * (`activations`, `tokens`, `doc`, `pos`: one row per token) so no more than one shard sits in
 * memory. After every shard the manifest records the documents done; running again on the same
 * folder continues from there, and an aborted run writes what it has before returning.
 */
export async function extractActivations(options: ExtractOptions): Promise<ExtractResult> {
  const { adapter, site, out } = options;
  const width = adapter.siteWidth(site);
  const contextSize = options.contextSize ?? adapter.contextSize;
  const batchSize = options.batchSize ?? 8;
  const dtype = options.dtype ?? 'float32';
  const bytesPerValue = dtype === 'float16' ? 2 : 4;
  const shardTokens = options.shardTokens ?? Math.max(1024, Math.floor((64 * 2 ** 20) / (width * bytesPerValue)));
  const maxTokens = options.maxTokens ?? null;
  for (const [name, v, min] of [['context size', contextSize, 2], ['batch size', batchSize, 1], ['shard tokens', shardTokens, 1], ['max tokens', maxTokens ?? 1, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got ${v}`);
  }
  if (contextSize > adapter.contextSize) throw new InvalidArgumentError(`context size ${contextSize} exceeds ${adapter.name}'s ${adapter.contextSize}`);
  await mkdir(out, { recursive: true });
  await removeStaleTempFiles(out);
  const wanted: ExtractManifest = {
    format: 'deeplens-extract', version: 1, model: options.model, ...(options.modelPaths ? { model_paths: options.modelPaths } : {}), site: site.site, layer: site.layer, width, dtype, context_size: contextSize,
    include_bos: options.includeBos ?? false, source: { ...options.documents.identity }, max_tokens: maxTokens, shards: [], documents_done: 0, tokens: 0, complete: false, updated: '',
  };
  const found = await readManifest(out);
  if (found) checkResumable(found, wanted, out);
  const manifest = found ?? wanted;
  const resumedFrom = manifest.tokens;
  if (manifest.complete) return { manifest, tokensThisRun: 0, resumedFrom, interrupted: false, alreadyComplete: true };
  if (!found) await writeManifest(out, manifest);

  const writer = new ShardWriter(out, width, dtype);
  const started = performance.now();
  let written = manifest.tokens;
  let docIndex = manifest.documents_done;
  let interrupted = false;
  const flush = async (documentsEnd: number) => {
    const shard = await writer.flush(manifest.shards.length);
    if (shard) manifest.shards.push({ ...shard, documents_end: documentsEnd });
    manifest.documents_done = documentsEnd;
    manifest.tokens = written;
    await writeManifest(out, manifest);
    await options.onFlush?.({ shard: shard?.file ?? null, manifest });
  };
  const report = () => {
    const seconds = (performance.now() - started) / 1000;
    options.onProgress?.({ tokens: written, documents: docIndex, tokensPerSecond: seconds > 0 ? (written - resumedFrom) / seconds : 0, maxTokens });
  };

  let batch: Array<{ doc: number; windows: Window[] }> = [];
  const runBatch = async (): Promise<boolean> => {
    const seqs = batch.flatMap((b) => b.windows);
    const captured: Float32Array[] = [];
    await adapter.run(seqs.map((w) => w.tokens), { hooks: [{ site, hook: (rows, info) => void (captured[info.sequence] = rows.slice(0, info.positions * width)) }] });
    let s = 0;
    let full = false;
    for (const b of batch) {
      for (const w of b.windows) {
        const acts = captured[s++]!;
        let keep = w.keep;
        if (maxTokens !== null && written + keep.length >= maxTokens) {
          keep = keep.slice(0, maxTokens - written);
          full = true;
        }
        const rows = new Float32Array(keep.length * width);
        keep.forEach((p, i) => rows.set(acts.subarray(p * width, (p + 1) * width), i * width));
        writer.add(rows, keep.map((p) => w.tokens[p]!), b.doc, keep.map((p) => w.pos[p]!));
        written += keep.length;
        if (full) break;
      }
      docIndex = b.doc + 1;
      if (full) break;
    }
    batch = [];
    if (full) {
      await flush(docIndex);
      return true;
    }
    if (writer.bufferedRows >= shardTokens) await flush(docIndex);
    report();
    return false;
  };

  let done = false;
  for await (const document of options.documents.documents(manifest.documents_done)) {
    const tokens = 'tokens' in document ? document.tokens : adapter.tokenize(document.text);
    batch.push({ doc: docIndex + batch.length, windows: documentWindows(tokens, contextSize, adapter.bos, wanted.include_bos) });
    if (batch.reduce((n, b) => n + b.windows.length, 0) >= batchSize) {
      done = await runBatch();
      if (done) break;
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
  }
  if (!done && !interrupted && batch.length > 0) done = await runBatch();
  if (!done) await flush(docIndex);
  manifest.complete = !interrupted;
  await writeManifest(out, manifest);
  await options.onFlush?.({ shard: null, manifest });
  report();
  return { manifest, tokensThisRun: written - resumedFrom, resumedFrom, interrupted, alreadyComplete: false };
}
