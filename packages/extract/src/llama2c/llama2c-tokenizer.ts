import { FileFormatError, InvalidArgumentError } from '@deeplens/core';

export const BOS = 1;
export const EOS = 2;
/** Bytes without a piece of their own are encoded as byte value + 3 (after `<unk>`, `<s>`, `</s>`). */
const BYTE_FALLBACK_OFFSET = 3;

const latin1 = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

/**
 * llama2.c's sentencepiece-style BPE tokenizer (`tokenizer.bin` / `tok512.bin`): a max piece
 * length, then for each token a float32 merge score, an int32 byte length and the bytes.
 */
export class Llama2cTokenizer {
  /** Each piece's bytes, as a binary string (one char per byte). */
  readonly #pieces: string[];
  readonly #scores: Float32Array;
  readonly #ids = new Map<string, number>();
  readonly maxTokenLength: number;

  private constructor(pieces: string[], scores: Float32Array, maxTokenLength: number) {
    this.#pieces = pieces;
    this.#scores = scores;
    this.maxTokenLength = maxTokenLength;
    pieces.forEach((p, i) => {
      if (!this.#ids.has(p)) this.#ids.set(p, i);
    });
  }

  static parse(bytes: Uint8Array, file = 'tokenizer'): Llama2cTokenizer {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 4) throw new FileFormatError(file, 'is too short for a llama2.c tokenizer');
    const maxTokenLength = view.getInt32(0, true);
    const pieces: string[] = [];
    const scores: number[] = [];
    let o = 4;
    while (o < bytes.byteLength) {
      if (o + 8 > bytes.byteLength) throw new FileFormatError(file, `ends inside token ${pieces.length}'s header (byte ${o})`);
      scores.push(view.getFloat32(o, true));
      const len = view.getInt32(o + 4, true);
      o += 8;
      if (len < 0 || o + len > bytes.byteLength) throw new FileFormatError(file, `token ${pieces.length} claims ${len} bytes at byte ${o}, past the end`);
      pieces.push(latin1(bytes.subarray(o, o + len)));
      o += len;
    }
    if (pieces.length < BYTE_FALLBACK_OFFSET + 256) {
      throw new FileFormatError(file, `holds ${pieces.length} tokens; a llama2.c tokenizer has at least ${BYTE_FALLBACK_OFFSET + 256} (3 specials and 256 byte pieces)`);
    }
    return new Llama2cTokenizer(pieces, Float32Array.from(scores), maxTokenLength);
  }

  get vocabSize(): number {
    return this.#pieces.length;
  }

  /** Encode as llama2.c's `encode`: BOS, a leading " " piece, code points (or their bytes), then best-score merges. */
  encode(text: string, options: { bos?: boolean; eos?: boolean } = {}): Int32Array {
    const tokens: number[] = [];
    if (options.bos ?? true) tokens.push(BOS);
    if (text.length > 0) {
      const space = this.#ids.get(' ');
      if (space !== undefined) tokens.push(space);
    }
    for (const ch of text) {
      const piece = latin1(new TextEncoder().encode(ch));
      const id = this.#ids.get(piece);
      if (id !== undefined) tokens.push(id);
      else for (let i = 0; i < piece.length; i++) tokens.push(piece.charCodeAt(i) + BYTE_FALLBACK_OFFSET);
    }
    const start = options.bos ?? true ? 1 : 0;
    for (;;) {
      let best = -1e10;
      let bestId = -1;
      let bestAt = -1;
      for (let i = start; i < tokens.length - 1; i++) {
        const id = this.#ids.get(this.#pieces[tokens[i]!]! + this.#pieces[tokens[i + 1]!]!);
        if (id !== undefined && this.#scores[id]! > best) {
          best = this.#scores[id]!;
          bestId = id;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      tokens.splice(bestAt, 2, bestId);
    }
    if (options.eos) tokens.push(EOS);
    return Int32Array.from(tokens);
  }

  /** The bytes token `id` stands for after `prev` (llama2.c's `decode`: no leading space after BOS, `<0xXX>` pieces are raw bytes). */
  tokenBytes(prev: number, id: number): Uint8Array {
    this.#check(id);
    let piece = this.#pieces[id]!;
    if (prev === BOS && piece.startsWith(' ')) piece = piece.slice(1);
    const raw = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
    if (raw) return Uint8Array.of(Number.parseInt(raw[1]!, 16));
    return Uint8Array.from(piece, (c) => c.charCodeAt(0));
  }

  /** Text of a token sequence (BOS and EOS dropped; bytes joined before UTF-8 decoding). */
  decode(tokens: ArrayLike<number>): string {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i]!;
      if (id === BOS || id === EOS) continue;
      parts.push(this.tokenBytes(i > 0 ? tokens[i - 1]! : BOS, id));
    }
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return new TextDecoder().decode(all);
  }

  /** A token's piece for display (byte pieces as `<0xXX>`, specials as `<s>`, `</s>`). */
  piece(id: number): string {
    this.#check(id);
    const p = this.#pieces[id]!;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(p, (c) => c.charCodeAt(0)));
    } catch {
      return p;
    }
  }

  #check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.#pieces.length) {
      throw new InvalidArgumentError(`token id ${id} is outside this tokenizer's vocabulary of ${this.#pieces.length}`);
    }
  }
}
