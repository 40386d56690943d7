export { connectRedis, QueueUnreachableError, redisConnection } from './redis-connection.js';
export { sweepJobId } from './sweep-job.js';
export type { SweepJobData, SweepJobResult, SweepJobState, SweepJobStatus } from './sweep-job.js';
export { DEFAULT_QUEUE_NAME, SweepQueue } from './sweep-queue.js';
export type { SweepQueueOptions } from './sweep-queue.js';
export { startSweepWorker } from './sweep-worker.js';
export type { SweepJobContext, SweepWorker, SweepWorkerOptions } from './sweep-worker.js';
