import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError, parseSafetensors, readSafetensorsFloat32 } from '@deeplens/core';
import { readManifest, type ExtractManifest } from '@deeplens/extract/node';
import type { ActivationBatch } from '../feature-scan.js';

const int32 = (bytes: Uint8Array, header: ReturnType<typeof parseSafetensors>, name: string, file: string): Int32Array => {
  const e = header.tensors.get(name);
  if (!e || e.dtype !== 'I32') throw new FileFormatError(file, `has no I32 tensor '${name}'; a feature report needs the tokens of each row (written by deeplens extract)`);
  return new Int32Array(bytes.slice(header.dataStart + e.begin, header.dataStart + e.end).buffer);
};

/** An extraction folder (deeplens extract) as re-iterable batches of rows with their tokens and documents. */
export async function extractionBatches(dir: string, options: { maxRows?: number; batchRows?: number } = {}): Promise<{ manifest: ExtractManifest; rows: number; batches: () => AsyncIterable<ActivationBatch> }> {
  const manifest = await readManifest(dir);
  if (!manifest) throw new FileFormatError(dir, 'has no manifest.json: a feature report reads a folder written by deeplens extract (it needs each row\'s token)', { hint: 'extract activations with deeplens extract, train on them, then report on that folder' });
  const maxRows = options.maxRows ?? Infinity;
  const batchRows = options.batchRows ?? 1024;
  const rows = Math.min(maxRows, manifest.tokens);
  return {
    manifest, rows,
    async *batches() {
      let left = rows;
      for (const shard of manifest.shards) {
        if (left <= 0) return;
        const file = join(dir, shard.file);
        const bytes = new Uint8Array(await readFile(file));
        const header = parseSafetensors(bytes, file);
        const acts = readSafetensorsFloat32(bytes, header, 'activations', file);
        const tokens = int32(bytes, header, 'tokens', file);
        const doc = int32(bytes, header, 'doc', file);
        const n = Math.min(tokens.length, left);
        const d = manifest.width;
        for (let s = 0; s < n; s += batchRows) {
          const m = Math.min(batchRows, n - s);
          yield { acts: acts.subarray(s * d, (s + m) * d), rows: m, tokens: tokens.subarray(s, s + m), doc: doc.subarray(s, s + m) };
        }
        left -= n;
      }
    },
  };
}
