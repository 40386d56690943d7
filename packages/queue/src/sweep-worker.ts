import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { DeepLensError } from '@deeplens/core';
import { connectRedis } from './redis-connection.js';
import { DEFAULT_QUEUE_NAME } from './sweep-queue.js';
import type { SweepJobData, SweepJobResult } from './sweep-job.js';

export interface SweepJobContext {
  /** The job's id and how many times it was tried before. */
  id: string;
  attemptsMade: number;
  /** Record progress (shown by `sweep status`). */
  progress(step: number, totalSteps: number): Promise<void>;
  /** Add a line to the job's log in the queue. */
  log(line: string): Promise<void>;
}

export interface SweepWorkerOptions<C> {
  url: string;
  queueName?: string;
  /** Jobs trained at once by this process. Default 1. */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal (ms, default 30 000): a worker that dies (SIGKILL,
   * a lost machine) stops renewing, and after about this long plus `stalledIntervalMs` another
   * worker takes the job and resumes it from its last saved state.
   */
  lockMs?: number;
  /** How often this worker looks for stalled jobs (ms, default lockMs). */
  stalledIntervalMs?: number;
  /** A job may stall (its worker die) this many times before it fails. Default 5. */
  maxStalledCount?: number;
  train(data: SweepJobData<C>, context: SweepJobContext): Promise<SweepJobResult>;
  /** Whether an error is the user's to fix (bad config, missing data): no retries. Default: DeepLensError of kind 'user'. */
  isUserError?(error: unknown): boolean;
}

/**
 * A worker that pulls SAE jobs from the queue and trains them. A user error (bad config, missing
 * data, a diverged run) fails the job at once with its message; any other error is retried by the
 * queue with backoff; a worker that dies leaves a stalled job that another worker picks up.
 */
export interface SweepWorker<C> {
  readonly worker: Worker<SweepJobData<C>, SweepJobResult>;
  /** Stop taking jobs, wait for the running ones (`force`: do not wait), and disconnect. */
  close(force?: boolean): Promise<void>;
}

export async function startSweepWorker<C>(options: SweepWorkerOptions<C>): Promise<SweepWorker<C>> {
  const redis = await connectRedis(options.url, { persistent: true });
  const isUser = options.isUserError ?? ((e: unknown) => e instanceof DeepLensError && e.kind === 'user');
  const lockMs = options.lockMs ?? 30_000;
  const worker = new Worker<SweepJobData<C>, SweepJobResult>(
    options.queueName ?? DEFAULT_QUEUE_NAME,
    async (job: Job<SweepJobData<C>, SweepJobResult>) => {
      const context: SweepJobContext = {
        id: job.id!,
        attemptsMade: job.attemptsMade,
        progress: (step, totalSteps) => job.updateProgress({ step, totalSteps }),
        log: async (line) => void (await job.log(line)),
      };
      try {
        return await options.train(job.data, context);
      } catch (error) {
        if (isUser(error)) throw new UnrecoverableError((error as Error).message);
        throw error;
      }
    },
    {
      connection: redis,
      concurrency: options.concurrency ?? 1,
      lockDuration: lockMs,
      stalledInterval: options.stalledIntervalMs ?? lockMs,
      maxStalledCount: options.maxStalledCount ?? 5,
      autorun: true,
    },
  );
  return {
    worker,
    async close(force = false) {
      await worker.close(force);
      redis.disconnect();
    },
  };
}
