import { InvalidArgumentError } from '@deeplens/core';

/** sentencepiece's word-boundary mark, which replaces spaces and starts every text. */
export const WORD_BOUNDARY = '\u2581';
/** `<unk>`, `<s>`, `</s>` and three extra ids: never produced by segmentation. */
const RESERVED = 6;
export const UNK = 0;

interface TrieNode {
  next: Map<string, TrieNode>;
  id: number;
}

/**
 * The unigram (sentencepiece-style) tokenizer of the Universal Sentence Encoder, over its
 * vocab.json of [piece, log-probability] pairs: NFKC-normalise, mark word starts with ▁, then pick
 * the segmentation with the largest total score (Viterbi over the lattice of vocabulary pieces; on a
 * tie the piece found later wins, as in the reference tokenizer). A character no piece covers becomes
 * `<unk>`, and consecutive `<unk>`s are merged into one.
 */
export class UnigramTokenizer {
  readonly #pieces: string[];
  readonly #scores: Float64Array;
  /** A trie of the pieces by character: each node's children, and the piece ending there (or −1). */
  readonly #root: TrieNode = { next: new Map(), id: -1 };

  constructor(vocabulary: ReadonlyArray<readonly [string, number]>) {
    if (vocabulary.length <= RESERVED) throw new InvalidArgumentError(`a unigram vocabulary needs more than ${RESERVED} entries, got ${vocabulary.length}`);
    this.#pieces = vocabulary.map((v) => v[0]);
    this.#scores = Float64Array.from(vocabulary, (v) => v[1]);
    for (let i = RESERVED; i < vocabulary.length; i++) {
      let node = this.#root;
      for (const ch of this.#pieces[i]!) {
        let child = node.next.get(ch);
        if (!child) node.next.set(ch, (child = { next: new Map(), id: -1 }));
        node = child;
      }
      if (node !== this.#root && node.id < 0) node.id = i;
    }
  }

  get vocabSize(): number {
    return this.#pieces.length;
  }

  piece(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.#pieces.length) throw new InvalidArgumentError(`token id ${id} is outside the vocabulary of ${this.#pieces.length}`);
    return this.#pieces[id]!;
  }

  encode(text: string): Int32Array {
    const normalized = text.normalize('NFKC');
    if (normalized.length === 0) return new Int32Array(0);
    const symbols = [...(WORD_BOUNDARY + normalized.replace(/ /g, WORD_BOUNDARY))];
    const n = symbols.length;
    const best = new Float64Array(n + 1).fill(-Infinity);
    const choice = new Int32Array(n + 1).fill(-1);
    const length = new Int32Array(n + 1);
    best[0] = 0;
    for (let i = 0; i < n; i++) {
      if (best[i] === -Infinity) continue;
      let matched = false;
      let node: TrieNode | undefined = this.#root;
      for (let end = i + 1; end <= n; end++) {
        node = node.next.get(symbols[end - 1]!);
        if (!node) break;
        if (node.id < 0) continue;
        matched = true;
        const score = best[i]! + this.#scores[node.id]!;
        if (score >= best[end]!) {
          best[end] = score;
          choice[end] = node.id;
          length[end] = end - i;
        }
      }
      if (!matched && best[i]! > best[i + 1]!) {
        // No piece starts here: one <unk> symbol, with a score below any real segmentation.
        best[i + 1] = best[i]! - 1e6;
        choice[i + 1] = UNK;
        length[i + 1] = 1;
      }
    }
    const out: number[] = [];
    for (let end = n; end > 0; end -= length[end]!) out.push(choice[end]!);
    out.reverse();
    return Int32Array.from(out.filter((id, i) => !(id === UNK && out[i - 1] === UNK)));
  }
}
