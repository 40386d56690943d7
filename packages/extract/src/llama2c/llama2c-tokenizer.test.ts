import { describe, expect, it } from 'vitest';
import { Llama2cTokenizer } from './llama2c-tokenizer.js';

/** A tokenizer.bin in llama2.c's layout: max length, then (score, length, bytes) per token. */
function tokenizerBytes(pieces: Array<[string, number]>): Uint8Array {
  const enc = new TextEncoder();
  const parts = pieces.map(([p, score]) => {
    const bytes = enc.encode(p);
    const head = new DataView(new ArrayBuffer(8));
    head.setFloat32(0, score, true);
    head.setInt32(4, bytes.length, true);
    return [new Uint8Array(head.buffer), bytes];
  }).flat();
  const out = new Uint8Array(4 + parts.reduce((n, p) => n + p.length, 0));
  new DataView(out.buffer).setInt32(0, 8, true);
  let o = 4;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const specials: Array<[string, number]> = [['<unk>', 0], ['\n<s>\n', 0], ['\n</s>\n', 0]];
const bytePieces: Array<[string, number]> = Array.from({ length: 256 }, (_, b) => [`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0]);
// ids: 259 " ", 260 a, 261 b, 262 c, 263 ab, 264 bc, 265 é
const tok = Llama2cTokenizer.parse(tokenizerBytes([...specials, ...bytePieces, [' ', -1], ['a', -1], ['b', -1], ['c', -1], ['ab', -2], ['bc', -2], ['é', -1]]));

describe('Llama2cTokenizer', () => {
  it('merges the first of equally scored pairs, as llama2.c does', () => {
    expect(Array.from(tok.encode('abc'))).toEqual([1, 259, 263, 262]);
  });

  it('falls back to bytes + 3 for characters without a piece and decodes them back', () => {
    const ids = tok.encode('aü');
    expect(Array.from(ids)).toEqual([1, 259, 260, 0xc3 + 3, 0xbc + 3]);
    expect(tok.decode(ids)).toBe(' aü'.slice(1));
    expect(Array.from(tok.encode('é', { bos: false, eos: true }))).toEqual([259, 265, 2]);
  });

  it('refuses a truncated file and ids outside the vocabulary', () => {
    const bytes = tokenizerBytes([...specials, ...bytePieces]);
    expect(() => Llama2cTokenizer.parse(bytes.subarray(0, bytes.length - 3), 'tok.bin')).toThrow(/tok\.bin: token 258 claims 6 bytes/);
    expect(() => tok.piece(9999)).toThrow(/outside this tokenizer's vocabulary of 266/);
  });
});
