import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { cameraStatusSchema, type CameraStatus } from '../contracts/camera.schema.js';
import { redisKeys } from '../contracts/queues.js';

/**
 * Camera status as the ingest publishes it (any process): the Redis hash for the current state,
 * the pub/sub channel for changes. Needs its own connection (a subscriber cannot run commands).
 */
export class CameraStatusSource extends EventEmitter<{ status: [CameraStatus] }> {
  private readonly latest = new Map<string, CameraStatus>();
  private closed = false;

  constructor(private readonly deps: { subscriber: Redis; redis: Redis; prefix: string; logger: Logger }) {
    super();
  }

  async start(): Promise<void> {
    const channel = redisKeys.cameraStatusChannel(this.deps.prefix);
    this.deps.subscriber.on('message', (ch: string, raw: string) => { if (ch === channel) this.accept(raw); });
    await this.deps.subscriber.subscribe(channel);
    const all = await this.deps.redis.hgetall(redisKeys.cameraStatus(this.deps.prefix));
    for (const raw of Object.values(all)) this.accept(raw);
  }

  /** A status from this process rather than the ingest (a Frigate camera of companion mode): listed and announced the same way. */
  report(status: CameraStatus): void {
    this.accept(status);
  }

  private accept(raw: string | CameraStatus): void {
    if (this.closed) return;
    let status: CameraStatus;
    try {
      status = cameraStatusSchema.parse(typeof raw === 'string' ? JSON.parse(raw) : raw);
    } catch (e) {
      this.deps.logger.warn({ err: (e as Error).message }, 'invalid camera status ignored');
      return;
    }
    const cur = this.latest.get(status.cameraId);
    if (cur && cur.updatedAt > status.updatedAt) return;
    this.latest.set(status.cameraId, status);
    this.emit('status', status);
  }

  statuses(): CameraStatus[] { return [...this.latest.values()].sort((a, b) => a.cameraId.localeCompare(b.cameraId)); }
  name(cameraId: string): string { return this.latest.get(cameraId)?.name ?? cameraId; }

  close(): void { this.closed = true; }
}
