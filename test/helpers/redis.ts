import { randomUUID } from 'node:crypto';
import { deletePrefix } from '../../src/queue/redis.connection.js';

export const sharedRedisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique key prefix per test, so tests share one Redis without seeing each other. */
export const uniquePrefix = (name: string): string => `fst-${name}-${randomUUID().slice(0, 8)}`;

/** Delete every key under a prefix (SCAN + UNLINK). */
export const cleanupPrefix = deletePrefix;
