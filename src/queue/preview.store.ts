import type { Redis } from 'ioredis';
import { redisKeys } from './keys.js';
import { createRedis } from './redis.connection.js';

/** The newest frame of a camera as the dashboard previews it. */
export interface PreviewFrame { seq: number; capturedAt: number; jpeg: Buffer }

/**
 * The dashboard's preview of each camera: one overwritten Redis hash per camera (seq, capturedAt,
 * jpeg) with the frames' TTL, written by the ingest with every queued frame and read by the hub's
 * dashboard a few times a second (the queued copy is deleted once analysed, so it cannot serve).
 * open() gives the dashboard its own connection, closed with close().
 */
export class PreviewStore {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly ownsConnection = false) {}

  static open(url: string, prefix: string, name = 'facestream-dashboard'): PreviewStore {
    return new PreviewStore(createRedis(url, name), prefix, true);
  }

  async put(cameraId: string, frame: PreviewFrame, ttlMs: number): Promise<void> {
    const key = redisKeys.preview(this.prefix, cameraId);
    await this.redis.multi().hset(key, 'seq', frame.seq, 'capturedAt', frame.capturedAt, 'jpeg', frame.jpeg).pexpire(key, ttlMs).exec();
  }

  /** The newest frame, or null when none is there (expired, camera without frames). */
  async latest(cameraId: string): Promise<PreviewFrame | null> {
    const h = await this.redis.hgetallBuffer(redisKeys.preview(this.prefix, cameraId));
    if (!h.jpeg || !h.seq) return null;
    return { seq: Number(h.seq.toString()), capturedAt: Number(h.capturedAt?.toString() ?? 0), jpeg: h.jpeg };
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit();
  }
}
