import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { cameraStatusSchema, type CameraStatus } from '../contracts/camera.schema.js';

/** Camera statuses as the ingest publishes them (queue/camera-status.channel.ts in the roles): JSON, validated here. */
export interface CameraStatusFeed {
  /** Every status published from now on. */
  subscribe(listener: (json: string) => void): Promise<void>;
  /** The latest status of every camera. */
  current(): Promise<string[]>;
}

/**
 * Camera status as the ingest publishes it (any process): the current state of every camera at
 * start, then each change; plus the statuses this process reports itself.
 */
export class CameraStatusSource extends EventEmitter<{ status: [CameraStatus] }> {
  private readonly latest = new Map<string, CameraStatus>();
  private closed = false;

  constructor(private readonly deps: { feed: CameraStatusFeed; logger: Logger }) {
    super();
  }

  async start(): Promise<void> {
    await this.deps.feed.subscribe((raw) => this.accept(raw));
    for (const raw of await this.deps.feed.current()) this.accept(raw);
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
