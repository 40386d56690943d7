import { UnrecoverableError } from 'bullmq';
import { InvalidConfigError } from '@deeplens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueUnreachableError, redisConnection } from './redis-connection.js';
import type { SweepJobData } from './sweep-job.js';
import { SweepQueue } from './sweep-queue.js';
import { startSweepWorker } from './sweep-worker.js';
import { startTestRedis, type TestRedis } from './testing/test-redis-server.js';

let redis: TestRedis;
beforeAll(async () => void (redis = await startTestRedis()));
afterAll(() => redis.close());

const job = (sweepId: string, name: string, config: Record<string, unknown> = {}): SweepJobData => ({ sweepId, name, overrides: { k: 1 }, config, activations: ['a'], evalActivations: null, output: '/shared' });

async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('redisConnection', () => {
  it('reads host, port, db, credentials and TLS from the URL', () => {
    expect(redisConnection('redis://10.0.0.5:6380/2')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(redisConnection('rediss://u:p%40ss@h')).toMatchObject({ host: 'h', port: 6379, username: 'u', password: 'p@ss', tls: {} });
    expect(() => redisConnection('http://h')).toThrow(/not a Redis URL/);
    expect(() => redisConnection('redis://h/x')).toThrow(/database number 'x'/);
  });
});

describe('SweepQueue and startSweepWorker', () => {
  it('says clearly when Redis does not answer, instead of waiting for ever', async () => {
    const error = await SweepQueue.open({ url: 'redis://127.0.0.1:1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueUnreachableError);
    expect((error as Error).message).toMatch(/cannot reach the job queue's Redis at 127\.0\.0\.1:1/);
    await expect(startSweepWorker({ url: 'redis://127.0.0.1:1', train: () => Promise.reject(new Error('no')) })).rejects.toThrow(QueueUnreachableError);
  });

  it('queues one job per SAE (idempotently), trains them, and reports states, progress and results', async () => {
    const queue = await SweepQueue.open({ url: redis.url, queueName: 'q1' });
    const ids = await queue.submit([job('s1', '0-k8'), job('s1', '1-k16'), job('other', '0-k8')]);
    expect(ids).toEqual(['s1--0-k8', 's1--1-k16', 'other--0-k8']);
    await queue.submit([job('s1', '0-k8')]);
    expect((await queue.jobsOf('s1')).map((j) => [j.name, j.state])).toEqual([['0-k8', 'waiting'], ['1-k16', 'waiting']]);
    const worker = await startSweepWorker({
      url: redis.url, queueName: 'q1',
      async train(data, ctx) {
        await ctx.progress(10, 10);
        return { status: 'completed', globalStep: 10, runDir: `/shared/${data.sweepId}/${data.name}`, resumedFromStep: null, eval: { fvu: 0.1, explainedVariance: 0.9, l0: 8, deadFraction: 0, loss: 1 } };
      },
    });
    await until(async () => (await queue.jobsOf('s1')).every((j) => j.state === 'completed'));
    const done = await queue.jobsOf('s1');
    expect(done[0]!.result).toMatchObject({ status: 'completed', globalStep: 10, eval: { fvu: 0.1 } });
    expect(done[0]!.progress).toEqual({ step: 10, totalSteps: 10 });
    expect(await queue.sweepIds()).toEqual(expect.arrayContaining(['s1', 'other']));
    await worker.close();
    await queue.close();
  });

  it('fails a job at once on a user error, and retries other errors', async () => {
    const queue = await SweepQueue.open({ url: redis.url, queueName: 'q2' });
    await queue.submit([job('s2', 'bad', { bad: true }), job('s2', 'flaky')], { attempts: 3, backoffMs: 10 });
    const tries = new Map<string, number>();
    const worker = await startSweepWorker({
      url: redis.url, queueName: 'q2',
      async train(data) {
        tries.set(data.name, (tries.get(data.name) ?? 0) + 1);
        if ((data.config as { bad?: boolean }).bad) throw new InvalidConfigError('k', 'must be a positive integer', { hint: 'fix config.yaml' });
        if (tries.get(data.name)! < 2) throw new Error('connection reset');
        return { status: 'completed', globalStep: 1, runDir: 'x', resumedFromStep: null };
      },
    });
    await until(async () => (await queue.jobsOf('s2')).every((j) => j.state === 'completed' || j.state === 'failed'));
    const [bad, flaky] = await queue.jobsOf('s2');
    expect(bad!.state).toBe('failed');
    expect(bad!.failedReason).toMatch(/k: must be a positive integer/);
    expect(tries.get('bad')).toBe(1);
    expect(flaky!.state).toBe('completed');
    expect(tries.get('flaky')).toBe(2);
    expect(new UnrecoverableError('x')).toBeInstanceOf(Error);
    await worker.close();
    await queue.close();
  });
});
