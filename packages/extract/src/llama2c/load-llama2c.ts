import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { DataFileNotFoundError } from '@deeplens/core';
import { Llama2cAdapter } from './llama2c-adapter.js';

/** A llama2.c checkpoint and its tokenizer from files (e.g. stories260K.bin + tok512.bin, stories15M.bin + tokenizer.bin). */
export async function loadLlama2c(checkpoint: string, tokenizer: string): Promise<Llama2cAdapter> {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new DataFileNotFoundError(`${what} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
    }
  };
  return Llama2cAdapter.fromBytes(await read(checkpoint, 'checkpoint'), await read(tokenizer, 'tokenizer'), {
    name: basename(checkpoint, extname(checkpoint)), checkpointFile: checkpoint, tokenizerFile: tokenizer,
  });
}
