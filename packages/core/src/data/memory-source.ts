import { InvalidArgumentError, ShapeMismatchError } from '../errors.js';
import type { ActivationSource } from './activation-source.js';

/** Activations already in memory, [rows, cols] row-major. */
export class MemorySource implements ActivationSource {
  readonly dtype = 'float32' as const;
  readonly rows: number;

  constructor(readonly data: Float32Array, readonly cols: number, readonly description = 'in-memory activations') {
    if (!Number.isInteger(cols) || cols < 1 || data.length % cols !== 0) {
      throw new ShapeMismatchError(`${description}: ${data.length} values do not form rows of width ${cols}`);
    }
    this.rows = data.length / cols;
  }

  locate(row: number): { file: string; row: number } {
    return { file: this.description, row };
  }

  async readRows(start: number, count: number, out: Float32Array): Promise<void> {
    if (start < 0 || start + count > this.rows) throw new InvalidArgumentError(`rows [${start}, ${start + count}) are outside [0, ${this.rows})`);
    out.set(this.data.subarray(start * this.cols, (start + count) * this.cols));
  }

  async close(): Promise<void> {}
}
