/**
 * @deeplens/trainer/browser: the parts of the trainer that run in browsers (schedules, gradient
 * transforms, hooks and logger plumbing, evaluation, latent activity, the config schema, YAML
 * parsing) and the SAETrainer loop itself, which keeps its runs in memory here (MemoryRunStorage) or
 * wherever a RunStorage puts them. Run folders on disk are the main (Node) entry's.
 */
export { SAETrainer } from './sae-trainer.js';
export type { TrainOptions } from './sae-trainer.js';
export { SweepTrainer } from './sweep/sweep-trainer.js';
export type { SweepProgress, SweepResult, SweepRun, SweepTrainerOptions } from './sweep/sweep-trainer.js';
export type { TrainingSession } from './training-session.js';
export { BEST_MODEL_FILE, epochModelFile, runTimestamp, stepModelFile, TRAINING_STATE_FILE } from './checkpoint/run-names.js';
export type { RunStorage } from './checkpoint/run-storage.js';
export { MemoryRunStorage } from './checkpoint/memory-run-storage.js';
export { readTrainingState, writeTrainingState } from './checkpoint/training-state.js';
export type { LoadTrainingStateOptions, TrainingProgress, TrainingSnapshot } from './checkpoint/training-state.js';
export { parseYaml } from './config/parse-yaml.js';
export { describeOptions, resolveTrainerOptions, TRAINER_DEFAULTS, trainerOptionIssues } from './trainer-options.js';
export type { ResolvedTrainerOptions, SAETrainerOptions, TrainerRuleInput } from './trainer-options.js';
export { ResumeError, TrainerOptionsError, TrainingDivergedError } from './errors.js';

export type {
  CheckpointInfo, DensityHistogram, EvalMetrics, StepMetrics, TrainerControl, TrainerHooks, TrainerState, TrainResult,
} from './hooks/trainer-hooks.js';
export { HookRunner } from './hooks/hook-runner.js';
export type { HookRegistration } from './hooks/hook-runner.js';
export { evalMetricsToRecord, loggerHooks, stepMetricsToRecord } from './hooks/trainer-logger.js';
export type { TrainerLogger } from './hooks/trainer-logger.js';

export { buildSchedule, DECAY_FLOOR_FACTOR, WARMUP_START_FACTOR } from './schedules/build-schedule.js';
export type { LrsType } from './schedules/build-schedule.js';
export { constantSchedule, cosineDecay, joinSchedules, linearDecay, linearWarmup } from './schedules/lr-schedule.js';
export type { LrSchedule } from './schedules/lr-schedule.js';
export { DEEPLENS_PLATEAU, plateauInit, plateauUpdate } from './schedules/plateau.js';
export type { PlateauOptions, PlateauState } from './schedules/plateau.js';

export { clipByGlobalNorm } from './gradients/clip-by-global-norm.js';
export { globalNorm } from './gradients/global-norm.js';
export { chainTransforms } from './gradients/gradient-transform.js';
export type { GradientTransform } from './gradients/gradient-transform.js';

export { evaluate } from './metrics/evaluate.js';
export type { EvaluateOptions } from './metrics/evaluate.js';
export { DEFAULT_DEAD_WINDOW_TOKENS, densityHistogram, FeatureActivity } from './metrics/feature-activity.js';


export { ConfigValidationError, toConfigIssues } from './config/config-issues.js';
export type { ConfigIssue } from './config/config-issues.js';
export { didYouMean } from './config/did-you-mean.js';
export { MODEL_CONFIG_KEYS, modelConfigSchema, modelConfigToInput, modelRuleIssues } from './config/model-config-schema.js';
export {
  dataRuleIssues, dataSectionSchema, optimRuleIssues, optimSectionSchema, SECTION_SCHEMAS, TOP_LEVEL_KEYS, trainerRuleIssues, trainerSectionSchema,
} from './config/run-config-schema.js';
export type { DataSection, OptimSection, SectionName, TrainerSection } from './config/run-config-schema.js';
export { resolveRunConfig } from './config/resolve-run-config.js';
export { datasetOptionsFromRunConfig, optimizerFromRunConfig, trainerOptionsFromRunConfig } from './config/run-config-wiring.js';
export type { RunConfig } from './config/resolve-run-config.js';
export { mergeIssues, toIssue } from './config/config-issues.js';
export type { ModelConfigYaml } from './config/model-config-schema.js';
export { normalizeYamlValue } from './config/yaml-values.js';
export { globalNormSquared } from './gradients/global-norm.js';
export { gradientContext } from './gradients/gradient-transform.js';
export type { GradientContext } from './gradients/gradient-transform.js';
export { DivergenceMonitor } from './health/divergence-monitor.js';
export type { Divergence } from './health/divergence-monitor.js';
