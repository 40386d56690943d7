export type StoredFloatDType = 'float32' | 'float16' | 'bfloat16' | 'float64';

/**
 * Random access to a 2-D activation matrix [rows, cols] that may be far larger than memory. Rows are
 * read on demand and converted to float32; nothing is loaded whole.
 */
export interface ActivationSource {
  /** File (and tensor) the rows come from, for messages. */
  readonly description: string;
  readonly rows: number;
  readonly cols: number;
  /** Element type on disk. */
  readonly dtype: StoredFloatDType;
  /** Read rows [start, start + count) into out[0 .. count·cols) as float32. */
  readRows(start: number, count: number, out: Float32Array): Promise<void>;
  /** Which file holds global row `row` and at which local row (sharded sources span files). */
  locate(row: number): { file: string; row: number };
  close(): Promise<void>;
}

export interface OpenActivationsOptions {
  /** Name of the tensor inside a .pt dict or a safetensors file with several tensors. */
  key?: string;
  /** Read an N-D [..., d] tensor as [prod(...), d] (e.g. [batch, seq, d] → [batch·seq, d]). */
  flatten?: boolean;
}
