/**
 * @deeplens/core: everything that runs anywhere JavaScript does — browsers included (no Node
 * built-in is imported from here; a test bundles it for the browser). File and folder IO lives in
 * `@deeplens/core/node`.
 *
 * @module @deeplens/core
 */
export {
  BackendNotFoundError, BackendUnavailableError, DeepLensError, DTypeMismatchError, FileFormatError,
  ForeignTensorError, InvalidArgumentError, InvalidConfigError, ModelFileError, ShapeMismatchError,
  TensorDisposedError, UnsupportedOpError, DataFileNotFoundError, DataShapeError, NonFiniteDataError,
  DatasetSplitError, OutOfMemoryError, OutputPathError, IndexOutOfRangeError, BackendFailureError, InternalError,
} from './errors.js';
export type { DeepLensErrorCode, DeepLensErrorKind, DeepLensErrorOptions } from './errors.js';

export { disposeSparse, shapeToString, sizeOf } from './backend/tensor.js';
export type { DType, Shape, SparseRows, Tensor } from './backend/tensor.js';
export type {
  ActivationKind, AdamHyperparams, Backend, BackendCapabilities, BackendOpName, BuiltinActivation, EncodedTopK, FusedSparseOps,
  LayerNormGrads, LayerNormResult, MatmulOptions, MatmulPrecision, MemoryInfo, OptionalOps, ReduceAxis, ReduceKind,
} from './backend/backend.js';
export type { ElementwiseOpName, ElementwiseOps } from './backend/elementwise-ops.js';
export { broadcastShape } from './backend/broadcast.js';
export { activation, activationDefinition, activationGrad, defineActivation, hasNativeActivation, isKnownActivation } from './backend/activations.js';
export type { ActivationDefinition } from './backend/activations.js';
export { addRowVector } from './backend/add-row-vector.js';
export { normalizeRowsInPlace } from './backend/normalize-rows-in-place.js';
export { scaleInPlace } from './backend/scale-in-place.js';
export { adamUpdate } from './optim/adam-update.js';
export type { Availability, BackendPlugin, CommonBackendOptions } from './backend/backend-plugin.js';
export { BackendRegistry } from './backend/backend-registry.js';
export type { BackendStatus, CreateBackendOptions, StatusOptions } from './backend/backend-registry.js';
export { DisposeBag, readScalar } from './backend/dispose-bag.js';
export { activationGradInPlace } from './backend/activation-grad-in-place.js';
export { addInPlace } from './backend/add-in-place.js';
export { matmulAccumulate } from './backend/matmul-accumulate.js';
export { encodeTopK, sampledMatmul, sparseColumnSum, sparseMatmul, sparseTransposeMatmul } from './backend/sparse-ops.js';
export {
  assertDType, assertRank, assertSameShape, featureMatrixWidth, matmulAccumulateDims, matmulDims, sparseDims,
} from './backend/shape-checks.js';
export type { MatmulDims } from './backend/shape-checks.js';
export { roundToBf16 } from './backend/bf16.js';

export { CpuBackend } from './cpu/cpu-backend.js';
export type { ArrayMemory, CpuBackendOptions } from './cpu/cpu-backend.js';
export { cpuBackendPlugin } from './cpu/cpu-plugin.js';

export { Rng } from './random/rng.js';
export type { RngState } from './random/rng.js';

export {
  resolveSaeConfig, SAE_CONFIG_DEFAULTS, SAE_CONFIG_KEYS, saeConfigFromSnakeCase, saeConfigIssues, saeConfigToSnakeCase, withSaeConfigDefaults,
} from './sae/sae-config.js';
export type { ConfigRuleIssue, SaeConfig, SaeConfigInput } from './sae/sae-config.js';
export { isBiasOrNorm, saeBufferShapes, saeParamShapes } from './sae/sae-params.js';
export {
  B_DEC_INITS, DECODER_INITS, isBatchTopKStyle, isTopKStyle, SAE_ARCHITECTURES, saeArchitecture, usesVariantGraph,
} from './sae/architecture.js';
export type { BDecInit, DecoderInit, SaeArchitecture } from './sae/architecture.js';
export { B_DEC_INIT_SAMPLE_ROWS, bDecInitValue } from './sae/b-dec-init.js';
export { BATCH_THRESHOLD_RATE, updateBatchThreshold } from './sae/batch-threshold.js';
export { auxKK } from './sae/aux-k.js';
export { checkTrainingMemory, combineTrainingMemory, describeMemoryEstimate, estimateTrainingMemory, formatBytes } from './sae/memory-estimate.js';
export type { MemoryLimits, TrainingMemoryEstimate, TrainingMemoryOptions } from './sae/memory-estimate.js';
export type { SaeParamName } from './sae/sae-params.js';
export { initSaeParams } from './sae/init-params.js';
export { SparseAutoencoder } from './sae/sparse-autoencoder.js';
export { SPARSE_WIDTH_RATIO } from './sae/compact-latents.js';
export type { VariantLayout } from './sae/compact-latents.js';
export { planSaeStep } from './sae/step-plan.js';
export type { SaeBackwardPlan, SaeForwardPlan, SaeStepPlan, SaeStepRequest } from './sae/step-plan.js';
export type {
  CreateSaeOptions, DeviceGradientOptions, DeviceLossAndGrads, ForwardOutput, GradientOptions, LossAndGrads, LossOptions, SaeFromArraysOptions,
} from './sae/sparse-autoencoder.js';
export { DeviceLosses, lossTermsFromSums, PACKED_LOSS_SUMS } from './sae/device-losses.js';
export type { LossSums, LossTerms } from './sae/device-losses.js';

export { Adam, adamOptionIssues, AdamW } from './optim/adam.js';
export type { AdamOptions } from './optim/adam.js';
export type { Optimizer, OptimizerState, Parameterized, ParamwiseStep } from './optim/optimizer.js';
export { noDecayOnBiasesAndNorms } from './optim/param-groups.js';
export type { ParamGroup } from './optim/param-groups.js';

export { contentHash } from './io/content-hash.js';
export { decodeModelFile, encodeModelFile, MODEL_CONFIG_FILE, MODEL_FORMAT, modelConfigJson } from './io/model-bytes.js';
export type { LoadedModelFile, ModelFileOptions, SaveSaeOptions } from './io/model-bytes.js';
export {
  encodeSafetensors, parseSafetensors, parseSafetensorsHeader, readSafetensorsFloat32, readSafetensorsFloat64,
  safetensorsHeaderLength, tensorBytesToFloat32,
} from './io/safetensors.js';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsHeader, SafetensorsInput } from './io/safetensors.js';
export { bfloat16ToNumber, decodeHalf, encodeFloat16, float16ToNumber, numberToFloat16 } from './io/half-float.js';

export { meanMaxCosineSimilarity, SyntheticFeatures } from './data/synthetic-features.js';
export type { SyntheticFeaturesOptions } from './data/synthetic-features.js';
export type { ActivationSource, OpenActivationsOptions, StoredFloatDType } from './data/activation-source.js';
export { ConcatSource } from './data/concat-source.js';
export { MemorySource } from './data/memory-source.js';
export { openActivationBytes } from './data/open-activation-bytes.js';
export { bytesReader } from './data/byte-reader.js';
export type { ByteReader } from './data/byte-reader.js';
export { sniffActivationFormat } from './data/activation-format.js';
export type { ActivationFileFormat } from './data/activation-format.js';
export { ActivationsDatasetBuilder } from './data/activations-dataset-builder.js';
export type { ActivationsDatasetOptions, DataLoaders, DatasetInfo } from './data/activations-dataset-builder.js';
export { ActivationLoader } from './data/data-loader.js';
export type { ActivationLoaderOptions, Batch, DataLoader, EpochOptions } from './data/data-loader.js';
export { applyNorm, MIN_STD, NormStatsAccumulator, normStatsFromJson, normStatsToJson } from './data/norm-stats.js';
export type { NormStats } from './data/norm-stats.js';
export { splitIssues } from './data/split-plan.js';
export type { Segment } from './data/split-plan.js';
export { deriveSeed } from './random/derive-seed.js';
