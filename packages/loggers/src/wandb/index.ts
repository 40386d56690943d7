/**
 * @deeplens/loggers/wandb: the Weights & Biases logger (online, or offline runs synced later) and its client.
 *
 * @module @deeplens/loggers/wandb
 */
export { createWandbLogger, OFFLINE_HISTORY_FILE, OFFLINE_RUN_FILE } from './wandb-logger.js';
export type { OfflineRunInfo, WandbLoggerOptions, WandbRunLogger } from './wandb-logger.js';
export { findOfflineRun, syncOfflineRun } from './sync-offline-run.js';
export { toWandbConfig, UPSERT_BUCKET, VIEWER_QUERY, WandbAuthError, WandbClient } from './wandb-client.js';
export type { RetryOptions } from './wandb-client.js';
export { DEFAULT_WANDB_BASE_URL, DEFAULT_WANDB_PROJECT, netrcPassword, resolveWandbSettings, WandbError } from './wandb-settings.js';
export type { WandbMode, WandbSettings } from './wandb-settings.js';
