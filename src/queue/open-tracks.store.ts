import type { Redis } from 'ioredis';
import { redisKeys } from './keys.js';

/**
 * Open tracks per camera, one Redis hash for the deployment: the hub writes the counts that
 * changed, the ingest's motion gate reads a camera's count before it skips a still frame (it never
 * skips a camera with an open track). A camera the hub never wrote has none.
 */
export class OpenTracksStore {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  async write(counts: readonly (readonly [cameraId: string, open: number])[]): Promise<void> {
    if (!counts.length) return;
    await this.redis.hset(redisKeys.openTracks(this.prefix), ...counts.flatMap(([camera, open]) => [camera, String(open)]));
  }

  async count(cameraId: string): Promise<number> {
    return Number(await this.redis.hget(redisKeys.openTracks(this.prefix), cameraId) ?? 0);
  }
}
