import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TRAINING_STATE_FILE, type TrainerHooks } from '@deeplens/trainer';
import type { RunStore } from './run-store.js';

const TEMP = /\.tmp-\d+-[0-9a-f]+$/;

/**
 * Keeps a copy of a local run folder in shared storage: after every checkpoint (model files,
 * config.json, metrics.jsonl, then the training state last, so a state in the store always has the
 * files it was saved with) and at the end. Only files that changed since the last copy are sent.
 */
export class RunMirror {
  readonly #sent = new Map<string, string>();
  #chain: Promise<void> = Promise.resolve();

  constructor(private readonly local: string, private readonly store: RunStore, private readonly prefix: string, private readonly warn: (m: string) => void = () => {}) {}

  /** Copy what changed; calls run one after another. */
  sync(): Promise<void> {
    const next = this.#chain.then(() => this.#sync());
    this.#chain = next.catch(() => {});
    return next;
  }

  /** Hooks that sync after each checkpoint and at the end of training (a failed copy is a warning; the next one retries). */
  hooks(): TrainerHooks {
    const run = async () => {
      try {
        await this.sync();
      } catch (error) {
        this.warn(`copying the run to ${this.store.location(this.prefix)} failed (${(error as Error).message}); the next checkpoint tries again`);
      }
    };
    return { onCheckpointSaved: run, onTrainEnd: run };
  }

  async #sync(): Promise<void> {
    const names = (await readdir(this.local)).filter((n) => !TEMP.test(n)).sort((a, b) => Number(a === TRAINING_STATE_FILE) - Number(b === TRAINING_STATE_FILE));
    for (const name of names) {
      const file = join(this.local, name);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      const tag = `${info.size}:${info.mtimeMs}`;
      if (this.#sent.get(name) === tag) continue;
      await this.store.putFile(`${this.prefix}/${name}`, file);
      this.#sent.set(name, tag);
    }
  }
}

/** Copy a run folder from shared storage to a local folder; true when it holds a training state to resume from. */
export async function fetchRun(store: RunStore, prefix: string, local: string): Promise<boolean> {
  const names = await store.list(prefix);
  for (const name of names) {
    const rel = name.slice(prefix.length + 1);
    if (rel.includes('/')) continue;
    await store.getFile(name, join(local, rel));
  }
  return names.includes(`${prefix}/${TRAINING_STATE_FILE}`);
}
