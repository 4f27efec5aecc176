import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { facesJobSchema, type FacesJob } from '../contracts/faces.schema.js';
import { queueNames } from '../contracts/queues.js';
import { facesJobId, facesJobOptions } from './job-options.js';

/** Typed producer of the "faces" queue (vision worker / ingest -> hub). */
export class FacesProducer {
  readonly queue: Queue;

  constructor(redis: Redis, prefix: string) {
    this.queue = new Queue(queueNames.faces, { connection: redis, prefix });
  }

  async publish(result: FacesJob): Promise<void> {
    const job = facesJobSchema.parse(result);
    await this.queue.add('faces', job, { ...facesJobOptions, jobId: facesJobId(job.cameraId, job.seq) });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
