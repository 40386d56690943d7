export { startTestRedis } from './test-redis-server.js';
export type { TestRedis } from './test-redis-server.js';
