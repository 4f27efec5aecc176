import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { frameJobSchema, type FrameJob } from '../contracts/frame.schema.js';
import type { FacesJob } from '../contracts/faces.schema.js';
import type { FacesProducer } from './faces.queue.js';
import { FrameStore } from './frame.store.js';
import type { FrameOutcome } from './frames.inbox.js';
import { frameJobId, frameJobOptions } from './job-options.js';
import { queueNames, redisKeys } from './keys.js';
import { PreviewStore } from './preview.store.js';
import { queueOptions } from './queue-options.js';

/** The "frames" queue: FrameJob in, a FrameOutcome (summary of the published FacesJob) out. */
export type FramesQueue = Queue<FrameJob, FrameOutcome, 'frame'>;

export interface FramesProducerOptions {
  prefix: string;
  frameTtlMs: number;
  maxInFlightPerCamera: number;
  /** Entries kept in the queue's BullMQ event stream (redis.eventsMaxLen). */
  eventsMaxLen?: number;
  /** The queue to use (default: a BullMQ "frames" queue on the same connection); unit tests fake it. */
  queue?: Pick<FramesQueue, 'add' | 'remove' | 'close'>;
}

export interface PublishResult {
  seq: number;
  /** Older waiting frames of this camera removed to make room (backpressure). */
  dropped: number;
}

/**
 * Puts frames into Redis and the "frames" queue with per-camera backpressure: each camera has
 * at most maxInFlightPerCamera frames waiting; a new frame evicts the oldest waiting one
 * (its job and its bytes), so under overload latency stays bounded and the freshest frames win.
 * Waiting frames are tracked in a per-camera ZSET (score = seq) that the worker leaves on pickup.
 * Each dropped frame is announced to the hub as a `dropped` faces result so it never waits for it.
 */
export class FramesProducer {
  readonly queue: Pick<FramesQueue, 'add' | 'remove' | 'close'>;
  private readonly store: FrameStore;
  private readonly preview: PreviewStore;

  constructor(private readonly redis: Redis, private readonly options: FramesProducerOptions, private readonly faces?: FacesProducer) {
    this.queue = options.queue ?? new Queue<FrameJob, FrameOutcome, 'frame'>(queueNames.frames, queueOptions(redis, options.prefix, options.eventsMaxLen));
    this.store = new FrameStore(redis, options.frameTtlMs);
    this.preview = new PreviewStore(redis, options.prefix);
  }

  async publish(cameraId: string, jpeg: Buffer, capturedAt: number): Promise<PublishResult> {
    const { prefix } = this.options;
    // monotonic per camera across ffmpeg and process restarts
    const seq = await this.redis.incr(redisKeys.sequence(prefix, cameraId));
    const key = redisKeys.frame(prefix, cameraId, seq);
    const job: FrameJob = frameJobSchema.parse({ version: 1, cameraId, key, capturedAt, seq, size: jpeg.length });
    const id = frameJobId(cameraId, seq);
    const pending = redisKeys.pending(prefix, cameraId);
    await this.store.put(key, jpeg);
    // the dashboard previews the newest frame; one overwritten key per camera, same TTL
    await this.preview.put(cameraId, { seq, capturedAt, jpeg }, this.options.frameTtlMs);
    await this.redis.zadd(pending, seq, id);
    await this.queue.add('frame', job, { ...frameJobOptions, jobId: id });
    let dropped = 0;
    for (;;) {
      const count = await this.redis.zcard(pending);
      if (count <= this.options.maxInFlightPerCamera) break;
      const [oldest, score] = await this.redis.zpopmin(pending);
      if (!oldest) break;
      // 0 = a worker took it meanwhile (locked) or it is gone: not a drop
      if ((await this.queue.remove(oldest)) === 1) {
        dropped++;
        const droppedSeq = Number(score);
        await this.store.delete(redisKeys.frame(prefix, cameraId, droppedSeq));
        await this.faces?.publish(droppedResult(cameraId, droppedSeq, capturedAt));
      }
    }
    return { seq, dropped };
  }

  /**
   * A frame that will not be analysed (the motion gate found it still): it still takes the
   * camera's next sequence number and goes to the hub as a skipped result, so the hub's
   * ordering never waits for it; no bytes are stored.
   */
  async skip(cameraId: string, capturedAt: number, reason: 'still'): Promise<number> {
    const seq = await this.redis.incr(redisKeys.sequence(this.options.prefix, cameraId));
    await this.faces?.publish({ version: 1, cameraId, seq, capturedAt, detectedAt: Date.now(), skipped: reason, width: 0, height: 0, modelId: '', faces: [] });
    return seq;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

const droppedResult = (cameraId: string, seq: number, capturedAt: number): FacesJob => ({
  version: 1, cameraId, seq, capturedAt, detectedAt: Date.now(), skipped: 'dropped', width: 0, height: 0, modelId: '', faces: [],
});
