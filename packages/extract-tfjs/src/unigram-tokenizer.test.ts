import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USE_LITE_PACKAGE } from './use-lite.js';
import { UNK, UnigramTokenizer } from './unigram-tokenizer.js';

const require = createRequire(import.meta.url);
const vocab = JSON.parse(readFileSync(join(dirname(require.resolve(USE_LITE_PACKAGE)), 'vocab.json'), 'utf8')) as Array<[string, number]>;
/** The reference: the tokenizer of @tensorflow-models/universal-sentence-encoder (its own code, over the same vocabulary). */
const { Tokenizer } = require('@tensorflow-models/universal-sentence-encoder/dist/tokenizer') as { Tokenizer: new (v: Array<[string, number]>) => { encode(s: string): number[] } };

describe('UnigramTokenizer against the Universal Sentence Encoder reference tokenizer', () => {
  const ours = new UnigramTokenizer(vocab);
  const reference = new Tokenizer(vocab);

  it('gives the same ids on every line of the bundled corpus and on the README sentences', () => {
    const lines = readFileSync(new URL('../fixtures/stories-corpus.txt', import.meta.url), 'utf8').split('\n').filter((l) => l.trim());
    lines.push('The cat sat on the mat.', 'A kitten was sleeping on the rug.', 'The stock market fell sharply on Monday.', 'Ünïcödé ﬁ ligatures — and “quotes”!');
    let tokens = 0;
    for (const line of lines) {
      expect(Array.from(ours.encode(line)), line).toEqual(reference.encode(line));
      tokens += ours.encode(line).length;
    }
    expect(tokens).toBeGreaterThan(20_000);
  });

  it('maps characters no piece covers to one <unk> per run', () => {
    const ids = Array.from(ours.encode('a \u{E000}\u{E001} b'));
    expect(ids.filter((i) => i === UNK)).toHaveLength(1);
    expect(ours.encode('')).toHaveLength(0);
  });
});
