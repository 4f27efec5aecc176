import { Redis } from 'ioredis';
import { maskUrl } from '../ingest/mask-url.js';

/**
 * A Redis connection for BullMQ and our own commands: maxRetriesPerRequest null (BullMQ
 * requires it; commands wait through a Redis restart instead of failing) and a capped
 * reconnect delay, so every role survives a Redis restart.
 */
export function createRedis(url: string, name = 'facestream'): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  });
  // ioredis reconnects by itself; an 'error' listener keeps a refused connection from crashing the process
  redis.on('error', () => {});
  return redis;
}

export const describeRedis = (url: string): string => maskUrl(url);
