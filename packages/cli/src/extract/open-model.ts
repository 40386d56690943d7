import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { DataFileNotFoundError } from '@deeplens/core';
import type { ModelAdapter } from '@deeplens/extract';
import { loadLlama2c } from '@deeplens/extract/node';
import { UsageError } from '../errors.js';

export interface OpenedModel {
  adapter: ModelAdapter;
  /** Name and file hashes, recorded in manifests and checked on resume. */
  identity: { name: string; files: Record<string, string> };
  /** The files, absolute. */
  paths: Record<string, string>;
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** --model / --tokenizer to an adapter: a llama2.c checkpoint (.bin) with its tokenizer. */
export async function openModel(model: string, tokenizer: string | undefined): Promise<OpenedModel> {
  if (!existsSync(model)) throw new DataFileNotFoundError(`model ${model} does not exist`, { hint: 'pass a llama2.c checkpoint (e.g. stories260K.bin) with --tokenizer' });
  if (extname(model) !== '.bin') {
    throw new UsageError(`--model ${model}: only llama2.c checkpoints (.bin) are read by this command`, 'pass a llama2.c checkpoint such as stories260K.bin or stories15M.bin, with --tokenizer');
  }
  if (!tokenizer) throw new UsageError('a llama2.c model needs --tokenizer <file>', 'tok512.bin for stories260K, tokenizer.bin for stories15M/42M/110M');
  const adapter = await loadLlama2c(model, tokenizer);
  const files = { checkpoint: `${basename(model)} sha256:${await sha256(model)}`, tokenizer: `${basename(tokenizer)} sha256:${await sha256(tokenizer)}` };
  return { adapter, identity: { name: adapter.name, files }, paths: { checkpoint: resolve(model), tokenizer: resolve(tokenizer) } };
}
