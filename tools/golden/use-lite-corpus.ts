/**
 * Writes packages/extract-tfjs/fixtures/stories-corpus.txt: 300 short stories sampled from the
 * bundled stories260K model (temperature 0.8, seeds 1..300), one per line — the text corpus bundled
 * for extracting USE-lite activations. Run: pnpm tsx --conditions=@deeplens/source tools/golden/use-lite-corpus.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Llama2cAdapter } from '../../packages/extract/src/index.js';

const fixture = (f: string) => readFileSync(fileURLToPath(new URL(`../../packages/extract/fixtures/${f}`, import.meta.url)));
const model = Llama2cAdapter.fromBytes(fixture('stories260K.bin'), fixture('tok512.bin'), { name: 'stories260K' });
const lines: string[] = [];
for (let seed = 1; seed <= 300; seed++) {
  const text = model.decode(await model.sample({ steps: 256, temperature: 0.8, seed })).replace(/\s+/g, ' ').trim();
  if (text.length > 0) lines.push(text);
}
writeFileSync(fileURLToPath(new URL('../../packages/extract-tfjs/fixtures/stories-corpus.txt', import.meta.url)), `${lines.join('\n')}\n`);
console.log(`${lines.length} stories`);
