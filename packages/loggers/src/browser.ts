/** @deeplens/loggers/browser: the loggers that need no file system or terminal (console lines, fan-out) and the number formats. */
export { ConsoleLogger } from './console-logger.js';
export type { ConsoleLoggerOptions } from './console-logger.js';
export { FanOutLogger } from './fan-out-logger.js';
export { duration, fixed3, pythonFixed, sci2 } from './format.js';
