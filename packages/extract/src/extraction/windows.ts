/** One forward pass's tokens, which of its positions become rows, and their positions in the document. */
export interface Window {
  tokens: Int32Array;
  /** Indices into `tokens` whose activations are kept. */
  keep: number[];
  /** Position in the document of each token of the window. */
  pos: Int32Array;
}

/**
 * Split a document's tokens into forward passes of at most `contextSize` tokens. The first window
 * is the document's start (BOS included where the model uses one); every later window starts with
 * BOS again followed by the next contextSize − 1 tokens, as the model would see a fresh sequence.
 * Every token of the document becomes exactly one row; BOS rows only with `includeBos` (and only
 * the document's own BOS, never one inserted for a window).
 */
export function documentWindows(tokens: Int32Array, contextSize: number, bos: number | null, includeBos: boolean): Window[] {
  const windows: Window[] = [];
  const hasBos = bos !== null && tokens[0] === bos;
  const first = Math.min(tokens.length, contextSize);
  const firstKeep = Array.from({ length: first }, (_, i) => i).filter((i) => includeBos || !(hasBos && i === 0));
  windows.push({ tokens: tokens.slice(0, first), keep: firstKeep, pos: Int32Array.from({ length: first }, (_, i) => i) });
  const step = bos === null ? contextSize : contextSize - 1;
  for (let start = first; start < tokens.length; start += step) {
    const body = tokens.slice(start, start + step);
    const prefix = bos === null ? [] : [bos];
    windows.push({
      tokens: Int32Array.from([...prefix, ...body]),
      keep: Array.from({ length: body.length }, (_, i) => i + prefix.length),
      pos: Int32Array.from([...prefix.map(() => -1), ...Array.from({ length: body.length }, (_, i) => start + i)]),
    });
  }
  return windows.filter((w) => w.keep.length > 0);
}
