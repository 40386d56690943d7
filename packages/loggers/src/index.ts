export { ConsoleLogger } from './console-logger.js';
export type { ConsoleLoggerOptions } from './console-logger.js';
export { METRICS_FILE, MetricsFileLogger } from './metrics-file-logger.js';
export { FanOutLogger } from './fan-out-logger.js';
export { progressBarHooks } from './progress-bar.js';
export { duration, fixed3, pythonFixed, sci2 } from './format.js';
