/**
 * @deeplens/loggers: everything in ./browser, plus the metrics file and the terminal progress bar (Node).
 *
 * @module @deeplens/loggers
 */
export { ConsoleLogger } from './console-logger.js';
export type { ConsoleLoggerOptions } from './console-logger.js';
export { FanOutLogger } from './fan-out-logger.js';
export { duration, fixed3, pythonFixed, sci2 } from './format.js';

export { METRICS_FILE, MetricsFileLogger } from './metrics-file-logger.js';
export { progressBarHooks } from './progress-bar.js';
