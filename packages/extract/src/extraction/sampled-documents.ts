import { deriveSeed } from '@deeplens/core';
import type { DocumentSource, ExtractDocument } from './document-source.js';

/** A model that writes its own documents (a language model sampling stories). */
export interface Sampler {
  sample(options: { steps: number; temperature: number; seed: number }): Promise<Int32Array>;
}

/**
 * `count` documents the model samples itself: document i from seed derive(seed, i), so a resumed
 * extraction regenerates exactly the documents it skipped and continues with the same ones.
 */
export function sampledDocuments(model: Sampler, options: { count: number; steps: number; temperature?: number; seed?: number }): DocumentSource {
  const temperature = options.temperature ?? 1;
  const seed = options.seed ?? 0;
  return {
    description: `${options.count} stories sampled by the model (temperature ${temperature}, seed ${seed})`,
    identity: { kind: 'sample', count: options.count, steps: options.steps, temperature, seed },
    async *documents(skip: number): AsyncIterable<ExtractDocument> {
      for (let i = skip; i < options.count; i++) yield { tokens: await model.sample({ steps: options.steps, temperature, seed: deriveSeed(seed, i) }) };
    },
  };
}
