import { Redis } from 'ioredis';

/**
 * Redis checks that fail fast, for readiness and `facestream doctor`: the roles' own connections
 * queue commands through an outage (maxRetriesPerRequest null), which would hang a probe instead
 * of answering. RedisProbe has the shape of a readiness check (name, check, close).
 */
export class RedisProbe {
  readonly name = 'redis';
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectionName: 'facestream-ops-probe', retryStrategy: () => 1000 });
    this.redis.on('error', () => { /* reported by check() */ });
  }

  async check(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect().catch(() => {});
    const pong = await this.redis.ping();
    if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
  }

  close(): void { this.redis.disconnect(); }
}

/** Connect once (3 s at most, no retry) and answer the server's version (undefined: not in INFO); throws when unreachable. */
export async function redisServerVersion(url: string): Promise<string | undefined> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  } finally {
    redis.disconnect();
  }
}
