import type { Redis } from 'ioredis';

/** JPEG bytes of frames in Redis with a TTL (SET key buf PX ttl): the queue carries only the key. */
export class FrameStore {
  constructor(private readonly redis: Redis, private readonly ttlMs: number) {}

  async put(key: string, jpeg: Buffer): Promise<void> {
    await this.redis.set(key, jpeg, 'PX', this.ttlMs);
  }

  /** The bytes, or null when the key expired or was dropped. */
  get(key: string): Promise<Buffer | null> {
    return this.redis.getBuffer(key);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }
}
