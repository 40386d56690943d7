import { Redis, type RedisOptions } from 'ioredis';
import { DeepLensError, InvalidArgumentError } from '@deeplens/core';

/**
 * BullMQ connection options from a Redis URL: `redis://[user:password@]host[:port][/db]`, or
 * `rediss://` for TLS (managed Redis). BullMQ's blocking commands need `maxRetriesPerRequest: null`.
 */
export function redisConnection(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidArgumentError(`--queue '${url}' is not a Redis URL`, { hint: 'write it as redis://host:6379 (or rediss://user:password@host:port/0 for TLS)' });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new InvalidArgumentError(`--queue '${url}' is not a Redis URL (it starts with ${u.protocol})`, { hint: 'write it as redis://host:6379' });
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new InvalidArgumentError(`--queue '${url}': the database number '${u.pathname.slice(1)}' is not an integer`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** Redis did not answer: a wrong URL, a server that is down, a firewall. */
export class QueueUnreachableError extends DeepLensError {
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super('DEEPLENS_QUEUE_UNREACHABLE', message, options);
  }
}

/**
 * A connected Redis client for BullMQ (which, as an ES module, takes a client rather than options).
 * The first connection must succeed within `timeoutMs`, or a QueueUnreachableError says so (a
 * command-line call must not wait for ever). Afterwards a worker's client (`persistent`) reconnects
 * for as long as it takes, so workers outlive a Redis restart; other clients give up after a few tries.
 */
export async function connectRedis(url: string, options: { persistent?: boolean; timeoutMs?: number } = {}): Promise<Redis> {
  const connected = { value: false };
  const redis = new Redis({
    ...redisConnection(url),
    lazyConnect: true,
    connectTimeout: options.timeoutMs ?? 10_000,
    retryStrategy: (times) => (!connected.value || (!options.persistent && times > 5) ? null : Math.min(times * 500, 5_000)),
  });
  redis.on('error', () => {}); // reported through the commands that fail, not as unhandled events
  try {
    await redis.connect();
    connected.value = true;
    return redis;
  } catch (error) {
    redis.disconnect();
    const where = (() => { const u = new URL(url); return `${u.hostname}:${u.port || 6379}`; })();
    throw new QueueUnreachableError(`cannot reach the job queue's Redis at ${where} (${(error as Error).message})`, {
      cause: error, hint: 'is redis-server running there, and is the --queue URL (or DEEPLENS_QUEUE) right? e.g. redis://host:6379',
    });
  }
}
