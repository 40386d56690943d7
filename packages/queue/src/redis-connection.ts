import { Redis, type RedisOptions } from 'ioredis';
import { InvalidArgumentError } from '@deeplens/core';

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

/** A Redis client for BullMQ (which, as an ES module, takes a client rather than options). */
export function createRedis(url: string): Redis {
  return new Redis(redisConnection(url));
}
