import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { facesJobSchema, type FacesJob } from '../contracts/faces.schema.js';
import { facesJobId, facesJobOptions } from './job-options.js';
import { JobQueueConsumer } from './job.consumer.js';
import { queueNames } from './keys.js';
import { queueOptions } from './queue-options.js';

/** The "faces" queue: one FacesJob per frame, consumed by the hub. */
export type FacesQueue = Queue<FacesJob, void, 'faces'>;

/** Typed producer of the "faces" queue (vision worker / ingest -> hub). */
export class FacesProducer {
  readonly queue: FacesQueue;

  /** eventsMaxLen: entries kept in the queue's BullMQ event stream (redis.eventsMaxLen). */
  constructor(redis: Redis, prefix: string, eventsMaxLen?: number) {
    this.queue = new Queue<FacesJob, void, 'faces'>(queueNames.faces, queueOptions(redis, prefix, eventsMaxLen));
  }

  async publish(result: FacesJob): Promise<void> {
    const job = facesJobSchema.parse(result);
    await this.queue.add('faces', job, { ...facesJobOptions, jobId: facesJobId(job.cameraId, job.seq) });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** The consumer of "faces" (the hub). Job data still comes from Redis: the hub validates it. */
export class FacesInbox extends JobQueueConsumer<FacesJob, void> {
  constructor(redis: Redis, prefix: string) {
    super(queueNames.faces, redis, prefix);
  }
}
