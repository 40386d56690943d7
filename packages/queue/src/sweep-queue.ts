import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis } from './redis-connection.js';
import { sweepJobId, type SweepJobData, type SweepJobState, type SweepJobStatus } from './sweep-job.js';

export const DEFAULT_QUEUE_NAME = 'deeplens-sweeps';

export interface SweepQueueOptions {
  /** redis:// URL. */
  url: string;
  /** Default `deeplens-sweeps`. */
  queueName?: string;
}

/**
 * The sweep side of the job queue (BullMQ on Redis): enqueue one job per SAE and read where each
 * stands. A job that throws is retried with exponential backoff (a crash, a lost connection), up to
 * `attempts`; a user error fails it at once (the worker marks it unrecoverable).
 */
export class SweepQueue {
  readonly queue: Queue;
  readonly #redis: Redis;

  private constructor(redis: Redis, queueName: string) {
    this.#redis = redis;
    this.queue = new Queue(queueName, { connection: redis });
  }

  /** Connect to the queue's Redis (a QueueUnreachableError when it does not answer). */
  static async open(options: SweepQueueOptions): Promise<SweepQueue> {
    return new SweepQueue(await connectRedis(options.url), options.queueName ?? DEFAULT_QUEUE_NAME);
  }

  /** Add the SAEs of a sweep; returns the job ids. Jobs already queued (same sweep and name) are kept as they are. */
  async submit<C>(jobs: readonly SweepJobData<C>[], options: { attempts?: number; backoffMs?: number } = {}): Promise<string[]> {
    const opts: JobsOptions = { attempts: options.attempts ?? 5, backoff: { type: 'exponential', delay: options.backoffMs ?? 10_000 }, removeOnComplete: false, removeOnFail: false };
    const added = await this.queue.addBulk(jobs.map((data) => ({ name: `${data.sweepId}/${data.name}`, data, opts: { ...opts, jobId: sweepJobId(data.sweepId, data.name) } })));
    return added.map((j) => j.id!);
  }

  /** Every job of one sweep, in the order the SAEs were submitted. */
  async jobsOf<C>(sweepId: string): Promise<SweepJobStatus<C>[]> {
    const jobs = await this.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized', 'waiting-children']);
    const mine = jobs.filter((j) => j && (j.data as SweepJobData<C>).sweepId === sweepId);
    const out: SweepJobStatus<C>[] = [];
    for (const job of mine) {
      const progress = job.progress as unknown;
      out.push({
        id: job.id!, name: (job.data as SweepJobData<C>).name, state: (await job.getState()) as SweepJobState, attemptsMade: job.attemptsMade,
        progress: progress && typeof progress === 'object' && 'step' in progress ? (progress as { step: number; totalSteps: number }) : null,
        data: job.data as SweepJobData<C>, result: (job.returnvalue as SweepJobStatus<C>['result']) ?? null, failedReason: job.failedReason ?? null,
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }

  /** The ids of the sweeps that have jobs in the queue, newest first. */
  async sweepIds(): Promise<string[]> {
    const jobs = await this.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
    const latest = new Map<string, number>();
    for (const j of jobs) if (j) latest.set((j.data as SweepJobData).sweepId, Math.max(latest.get((j.data as SweepJobData).sweepId) ?? 0, j.timestamp));
    return [...latest.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.#redis.disconnect();
  }
}
