/**
 * @deeplens/core/testing: the backend conformance suite that every backend (ours and yours) runs, with its tolerances.
 *
 * @module @deeplens/core/testing
 */
export { describeBackendConformance } from './describe-backend-conformance.js';
export type { ConformanceOptions } from './conformance-options.js';
export { TOLERANCES } from './tolerances.js';
export type { Tolerance } from './tolerances.js';
export { assertAllClose, compareClose } from './all-close.js';
export type { CloseReport } from './all-close.js';
export { fetchGoldenFixtures, parseGoldenCase } from './golden-fixtures.js';
export type { GoldenCase, GoldenFixtures, GoldenManifest } from './golden-fixtures.js';
export {
  refAdam, refLayerNorm, refLayerNormGrad, refMatmul, refSparseToDense, refTopKIndices, refTranspose,
} from './reference-ops.js';
export { countingBackend } from './counting-backend.js';
export type { OpCounts } from './counting-backend.js';
export { coreFallbackView, OPTIONAL_OPS } from './core-fallback-view.js';
export type { DeclarableOp } from './conformance-options.js';
export { tolerancesFor } from './tolerances.js';
export { MEMORY_CONFIGS, traceTrainingMemory } from './trace-training-memory.js';
export type { MemoryTrace } from './trace-training-memory.js';
