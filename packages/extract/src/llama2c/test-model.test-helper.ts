import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Llama2cAdapter } from './llama2c-adapter.js';

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

/** The bundled stories260K checkpoint and tok512 tokenizer. */
export function stories260K(): Llama2cAdapter {
  return Llama2cAdapter.fromBytes(readFileSync(fixturePath('stories260K.bin')), readFileSync(fixturePath('tok512.bin')), { name: 'stories260K' });
}
