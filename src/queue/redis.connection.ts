import { Redis } from 'ioredis';
import { maskUrl } from '../common/mask-url.js';

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

/** Delete every key under `${prefix}:` (SCAN + UNLINK): a deployment's, a demo's or a test's keys. */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 3, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
