export { TfjsGraphAdapter } from './tfjs-graph-adapter.js';
export type { GraphSite, GraphTokenizer, TfjsGraphAdapterOptions } from './tfjs-graph-adapter.js';
export { UNK, UnigramTokenizer, WORD_BOUNDARY } from './unigram-tokenizer.js';
export { modelJsonFromDisk } from './graph-model-io.js';
export { loadUseLite, USE_LITE_PACKAGE, USE_LITE_SITES } from './use-lite.js';
export type { UseLite } from './use-lite.js';
