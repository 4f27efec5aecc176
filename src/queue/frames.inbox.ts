import type { Redis } from 'ioredis';
import type { FacesJob } from '../contracts/faces.schema.js';
import type { FrameJob } from '../contracts/frame.schema.js';
import { FrameStore } from './frame.store.js';
import { JobQueueConsumer } from './job.consumer.js';
import { queueNames, redisKeys } from './keys.js';

/**
 * What a finished frame job returns to BullMQ: a summary of the FacesJob the vision worker
 * published to "faces", never the faces themselves. BullMQ writes a job's return value into
 * the queue's event stream ("completed" entry) even when the job is removed on completion;
 * the full result (crops, embeddings, signatures: ~9 KB per face) made that stream the
 * largest thing in Redis.
 */
export interface FrameOutcome {
  seq: number;
  worker?: string;
  faces: number;
  skipped?: FacesJob['skipped'];
}

export const frameOutcome = (r: FacesJob): FrameOutcome => ({
  seq: r.seq, ...(r.worker === undefined ? {} : { worker: r.worker }), faces: r.faces.length, ...(r.skipped ? { skipped: r.skipped } : {}),
});

/**
 * The vision worker's side of "frames": consumes the jobs (the processor returns the FacesJob it
 * published; BullMQ keeps only its FrameOutcome), takes a picked-up frame off its camera's
 * waiting set (so backpressure no longer drops it) and reads and deletes the frame's bytes.
 */
export class FramesInbox extends JobQueueConsumer<FrameJob, FacesJob, FrameOutcome> {
  /** Reads and deletes only: the TTL is the producer's. */
  private readonly store: FrameStore;

  constructor(private readonly redis: Redis, private readonly prefix: string) {
    super(queueNames.frames, redis, prefix, frameOutcome);
    this.store = new FrameStore(redis, 1);
  }

  async pickedUp(cameraId: string, jobId: string): Promise<void> {
    await this.redis.zrem(redisKeys.pending(this.prefix, cameraId), jobId);
  }

  /** The frame's JPEG, or null when it expired or was dropped. */
  read(frame: Pick<FrameJob, 'key'>): Promise<Buffer | null> {
    return this.store.get(frame.key);
  }

  discard(frame: Pick<FrameJob, 'key'>): Promise<void> {
    return this.store.delete(frame.key);
  }
}
