import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSweepWorker, SweepQueue, type SweepJobData } from '@deeplens/queue';
import type { CommandModule } from '../command.js';
import type { TrainConfig } from '../config/resolve-train-config.js';
import { EXIT } from '../errors.js';
import { positiveNumberFlag, queueUrl } from '../scale/queue-flags.js';
import { trainJob } from '../scale/train-job.js';

const command: CommandModule = {
  description: 'train SAEs from a sweep job queue (BullMQ on Redis) until stopped',
  usage: `deeplens worker --queue redis://host:6379 [--concurrency N] [--scratch DIR] [--lock-seconds S] [--exit-when-idle]

Pulls SAE jobs that 'deeplens sweep submit' queued and trains each with the normal trainer. Run
folders are trained in --scratch (default: the system temp folder) and copied to the sweep's shared
storage (s3:// or a shared directory) after every checkpoint, so nothing is lost when a machine dies:
its job stalls, and after about --lock-seconds (default 30) another worker takes it over and resumes
from the last copied state. A job that fails for a user error (bad config, missing data, a diverged
run) is marked failed with its message at once; other errors are retried with backoff.
  --concurrency N     jobs trained at once by this process (default 1)
  --exit-when-idle    exit (0) when the queue has nothing left to do (for Kubernetes Indexed Jobs)
  --queue-name NAME   BullMQ queue (default deeplens-sweeps)
The queue URL may also come from DEEPLENS_QUEUE. SIGTERM / Ctrl-C: running jobs save their state and
go back to the queue, then the worker exits (130).`,
  options: {
    queue: { type: 'string' },
    'queue-name': { type: 'string' },
    concurrency: { type: 'string' },
    scratch: { type: 'string' },
    'lock-seconds': { type: 'string' },
    'exit-when-idle': { type: 'boolean' },
  },
  async run(v, _p, io) {
    const url = queueUrl(v);
    const queueName = typeof v['queue-name'] === 'string' ? v['queue-name'] : undefined;
    const concurrency = Math.floor(positiveNumberFlag(v, 'concurrency', 1));
    const lockMs = positiveNumberFlag(v, 'lock-seconds', 30) * 1000;
    const ownScratch = typeof v['scratch'] !== 'string';
    const scratch = ownScratch ? join(tmpdir(), `deeplens-worker-${process.pid}`) : (v['scratch'] as string);
    const tag = `[worker ${process.pid}]`;
    const worker = await startSweepWorker<TrainConfig>({
      url, ...(queueName ? { queueName } : {}), concurrency, lockMs,
      train: (data: SweepJobData<TrainConfig>, context) => trainJob(data, context, { scratch, log: (l) => io.out(`${tag} ${l}`), warn: (m) => io.err(`${tag} warning: ${m}`) }),
    });
    worker.worker.on('completed', (job, r) => io.out(`${tag} ${job.data.sweepId}/${job.data.name}: ${r.status} at step ${r.globalStep}${r.eval ? `, FVU ${r.eval.fvu.toFixed(4)}, L0 ${r.eval.l0.toFixed(1)}` : ''} → ${r.runDir}`));
    worker.worker.on('failed', (job, error) => io.err(`${tag} ${job ? `${job.data.sweepId}/${job.data.name}` : 'a job'} failed (try ${job?.attemptsMade ?? '?'}): ${error.message.split('\n')[0]}`));
    worker.worker.on('error', (error) => io.err(`${tag} queue error: ${error.message}`));
    io.out(`${tag} waiting for jobs on ${url} (queue ${queueName ?? 'deeplens-sweeps'}, concurrency ${concurrency}, scratch ${scratch})`);
    const idleQueue = v['exit-when-idle'] ? await SweepQueue.open({ url, ...(queueName ? { queueName } : {}) }) : undefined;
    const stopped = await new Promise<boolean>((resolve) => {
      const stop = () => resolve(true);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (idleQueue) {
        const queue = idleQueue;
        const timer = setInterval(() => {
          void queue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized').then(async (c) => {
            if (Object.values(c).every((n) => n === 0)) {
              clearInterval(timer);
              await queue.close();
              resolve(false);
            }
          }, () => {});
        }, 2000);
      }
    });
    if (stopped) await idleQueue?.close();
    io.out(`${tag} ${stopped ? 'stopping: running jobs save their state and go back to the queue' : 'the queue is empty; exiting'}`);
    await worker.close();
    // A scratch folder of its own is removed (the run folders are in the shared storage); one the user named is left.
    if (ownScratch) await rm(scratch, { recursive: true, force: true });
    return stopped ? EXIT.interrupted : EXIT.ok;
  },
};

export default command;
