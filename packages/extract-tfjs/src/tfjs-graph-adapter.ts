import { InvalidArgumentError } from '@deeplens/core';
import { checkSite, type ModelAdapter, type RunOptions, type RunOutput, type SiteName, type SiteRef } from '@deeplens/extract';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';

/** One site of a graph model: the node whose output it is, and how that output lays out tokens. */
export interface GraphSite {
  site: SiteName;
  layer: number;
  /** The graph node's name (GraphModel.execute's output names). */
  node: string;
  width: number;
  /** `tokens`: [1, all tokens of the batch in order, width]; `padded`: [sequences, longest, width]. */
  layout: 'tokens' | 'padded';
}

export interface GraphTokenizer {
  readonly vocabSize: number;
  encode(text: string): Int32Array;
  piece(id: number): string;
}

export interface TfjsGraphAdapterOptions {
  name: string;
  model: GraphModel;
  tokenizer: GraphTokenizer;
  sites: readonly GraphSite[];
  layers: number;
  contextSize: number;
  /** The graph's inputs for a batch of token sequences. */
  inputs: (sequences: readonly Int32Array[]) => NamedTensorMap;
}

/**
 * A TensorFlow.js graph model as a model adapter: any internal node is a site, read with
 * `GraphModel.executeAsync(inputs, outputNames)` on the engine @deeplens/backend-tfjs selected.
 * Hooks see the activations but cannot replace them (a graph runs in one call), so in-model
 * evaluation needs a language-model adapter.
 */
export class TfjsGraphAdapter implements ModelAdapter {
  readonly bos = null;
  readonly #o: TfjsGraphAdapterOptions;

  constructor(options: TfjsGraphAdapterOptions) {
    this.#o = options;
  }

  get name(): string {
    return this.#o.name;
  }

  get layers(): number {
    return this.#o.layers;
  }

  get contextSize(): number {
    return this.#o.contextSize;
  }

  get vocabSize(): number {
    return this.#o.tokenizer.vocabSize;
  }

  get sites(): SiteName[] {
    return [...new Set(this.#o.sites.map((s) => s.site))];
  }

  #site(ref: SiteRef): GraphSite {
    checkSite(ref, this.sites, this.layers, this.name);
    const s = this.#o.sites.find((g) => g.site === ref.site && g.layer === ref.layer);
    if (!s) throw new InvalidArgumentError(`${this.name} has no ${ref.site} at layer ${ref.layer}`);
    return s;
  }

  siteWidth(site: SiteRef): number {
    return this.#site(site).width;
  }

  tokenize(text: string): Int32Array {
    return this.#o.tokenizer.encode(text).slice(0, this.contextSize);
  }

  tokenText(id: number): string {
    return this.#o.tokenizer.piece(id);
  }

  decode(tokens: ArrayLike<number>): string {
    return Array.from(tokens, (t) => this.#o.tokenizer.piece(t)).join('').replace(/\u2581/g, ' ').trim();
  }

  async run(sequences: readonly Int32Array[], options: RunOptions = {}): Promise<RunOutput> {
    if (options.logits) throw new InvalidArgumentError(`${this.name} has no next-token logits`);
    const hooks = (options.hooks ?? []).map((h) => ({ ...h, graph: this.#site(h.site) }));
    if (hooks.length === 0 || sequences.length === 0) return {};
    for (const [i, s] of sequences.entries()) {
      if (s.length === 0) throw new InvalidArgumentError(`sequence ${i} is empty`);
      if (s.length > this.contextSize) throw new InvalidArgumentError(`sequence ${i} has ${s.length} tokens; ${this.name} takes at most ${this.contextSize}`);
    }
    const nodes = [...new Set(hooks.map((h) => h.graph.node))];
    const inputs = this.#o.inputs(sequences);
    let outputs: Tensor[] = [];
    try {
      const out = await this.#o.model.executeAsync(inputs, nodes);
      outputs = Array.isArray(out) ? out : [out];
      const data = new Map<string, Float32Array>();
      for (const [i, node] of nodes.entries()) data.set(node, (await outputs[i]!.data()) as Float32Array);
      const shapes = new Map(nodes.map((node, i) => [node, outputs[i]!.shape]));
      for (const h of hooks) {
        const all = data.get(h.graph.node)!;
        const shape = shapes.get(h.graph.node)!;
        const w = h.graph.width;
        if (shape[shape.length - 1] !== w) throw new InvalidArgumentError(`${h.graph.node} has width ${shape[shape.length - 1]}, the site says ${w}`);
        let offset = 0;
        for (let s = 0; s < sequences.length; s++) {
          const n = sequences[s]!.length;
          // tokens: the batch's tokens back to back; padded: [sequence, position] rows of the longest length.
          const row = h.graph.layout === 'tokens' ? offset : s * shape[1]!;
          await h.hook(all.slice(row * w, (row + n) * w), { sequence: s, positions: n, width: w });
          offset += n;
        }
      }
      return {};
    } finally {
      for (const t of Object.values(inputs)) t.dispose();
      for (const t of outputs) t.dispose();
    }
  }
}
