export { scanFeatures, HIST_BINS, HIST_LOG10_RANGE } from './feature-scan.js';
export type { ActivationBatch, Encoder, FeatureScanOptions, FeatureStats, QuantileBin } from './feature-scan.js';
export type { FeatureExample } from './context-tracker.js';
export { ExamplePool } from './example-pool.js';
export { decoderDirections, saeEncoder } from './sae-encoder.js';
export { densityHistogram, extremes, featureData, l0Histogram, meanL0, trainingCurves } from './report-data.js';
export { escapeHtml } from './escape-html.js';
