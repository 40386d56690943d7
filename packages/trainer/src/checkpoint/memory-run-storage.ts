import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeModelFile, InvalidArgumentError, type LoadedModelFile } from '@deeplens/core';
import { runTimestamp } from './run-names.js';
import type { RunStorage } from './run-storage.js';

/**
 * Runs kept in memory (the browser entry's default): the same files a run folder would hold, as
 * bytes, so a web page can offer `best_model.safetensors` and `config.json` for download or resume
 * a run it stopped. Locations look like `memory:saved_models/demo/run_20261206_120000`.
 */
export class MemoryRunStorage implements RunStorage {
  readonly kind = 'memory';
  readonly #files = new Map<string, Uint8Array>();
  readonly #runs = new Set<string>();

  createRun(outputDir: string, modelName: string): Promise<string> {
    const base = `memory:${outputDir}/${modelName}/run_${runTimestamp()}`;
    let run = base;
    for (let n = 2; this.#runs.has(run); n++) run = `${base}_${n}`;
    this.#runs.add(run);
    return Promise.resolve(run);
  }

  path(run: string, file: string): string {
    return `${run}/${file}`;
  }

  write(path: string, data: readonly Uint8Array[] | string): Promise<void> {
    if (typeof data === 'string') {
      this.#files.set(path, new TextEncoder().encode(data));
    } else {
      const bytes = new Uint8Array(data.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of data) {
        bytes.set(p, at);
        at += p.length;
      }
      this.#files.set(path, bytes);
    }
    return Promise.resolve();
  }

  read(path: string): Promise<Uint8Array> {
    const bytes = this.#files.get(path);
    return bytes ? Promise.resolve(bytes) : Promise.reject(new InvalidArgumentError(`${path} does not exist in this memory storage`));
  }

  async readModelFile(path: string): Promise<LoadedModelFile> {
    return decodeModelFile(await this.read(path), path);
  }

  prepareResume(): Promise<void> {
    return Promise.resolve();
  }

  /** Pure JavaScript (@noble/hashes), so it works where WebCrypto does not (pages served over plain http). */
  sha256(parts: readonly Uint8Array[]): Promise<string> {
    const hash = sha256.create();
    for (const p of parts) hash.update(p);
    return Promise.resolve(`sha256:${bytesToHex(hash.digest())}`);
  }

  /** Every file written, by location. */
  get files(): ReadonlyMap<string, Uint8Array> {
    return this.#files;
  }

  /** The bytes of one file (undefined if it was never written). */
  file(path: string): Uint8Array | undefined {
    return this.#files.get(path);
  }
}
