import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError, InvalidArgumentError } from '@deeplens/core';
import { writeFileAtomic } from '@deeplens/core/node';
import type { ShardDType } from './shard-writer.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'deeplens-extract';

/** What an extraction folder holds, kept up to date after every shard (atomic writes). */
export interface ExtractManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  model: { name: string; files: Record<string, string> };
  /** Where the model's files were (absolute paths), so later steps (report, eval) can find them; not checked on resume. */
  model_paths?: Record<string, string>;
  site: string;
  layer: number;
  width: number;
  dtype: ShardDType;
  context_size: number;
  include_bos: boolean;
  source: Record<string, string | number>;
  max_tokens: number | null;
  shards: Array<{ file: string; rows: number; documents_end: number }>;
  /** Documents fully written (the next run resumes at this index). */
  documents_done: number;
  tokens: number;
  complete: boolean;
  updated: string;
}

export async function readManifest(dir: string): Promise<ExtractManifest | null> {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  let m: Partial<ExtractManifest>;
  try {
    m = JSON.parse(await readFile(path, 'utf8')) as Partial<ExtractManifest>;
  } catch (error) {
    throw new FileFormatError(path, `is not valid JSON (${(error as Error).message})`, { cause: error, hint: 'delete the folder, or pass another --out' });
  }
  if (m.format !== MANIFEST_FORMAT || m.version !== 1 || !Array.isArray(m.shards)) {
    throw new FileFormatError(path, `is not a DeepLens extraction manifest (format ${String(m.format)}, version ${String(m.version)})`, { hint: 'pass another --out' });
  }
  return m as ExtractManifest;
}

export async function writeManifest(dir: string, m: ExtractManifest): Promise<void> {
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify({ ...m, updated: new Date().toISOString() }, null, 2)}\n`);
}

/** The fields that must match for a folder to continue an extraction. */
const IDENTITY = ['model', 'site', 'layer', 'width', 'dtype', 'context_size', 'include_bos', 'source', 'max_tokens'] as const;

export function checkResumable(found: ExtractManifest, wanted: ExtractManifest, dir: string): void {
  for (const key of IDENTITY) {
    const a = JSON.stringify(found[key]);
    const b = JSON.stringify(wanted[key]);
    if (a !== b) {
      throw new InvalidArgumentError(`${dir} holds an extraction with ${key} ${a}; this one asks for ${b}`, {
        hint: 'run the same command to continue that extraction, or pass another --out',
      });
    }
  }
}
