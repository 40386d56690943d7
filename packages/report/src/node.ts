export { buildFeatureReport } from './node/build-report.js';
export type { BuildReportOptions } from './node/build-report.js';
export { extractionBatches } from './node/extraction-batches.js';
export { CHUNK_SIZE, writeReport } from './node/write-report.js';
export type { ReportPage } from './node/write-report.js';
export { writeSweepIndex } from './node/write-sweep-index.js';
