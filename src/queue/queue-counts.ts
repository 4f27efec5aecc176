import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueNames } from './keys.js';
import { queueOptions } from './queue-options.js';

/** Jobs of one queue by state. */
export interface JobCounts { waiting: number; delayed: number; prioritized: number; active: number }

/**
 * Job counts of the pipeline queues ("frames", "faces") for the queue depth metrics. Read-only:
 * its Queues never rewrite the queues' meta (the event stream length is the producers' setting).
 */
export class QueueCounts {
  private readonly byName: Map<string, Queue>;

  constructor(connection: Redis, prefix: string) {
    this.byName = new Map([queueNames.frames, queueNames.faces].map((name) => [name, new Queue(name, queueOptions(connection, prefix, undefined, true))]));
  }

  get queues(): string[] { return [...this.byName.keys()]; }

  async counts(queue: string): Promise<JobCounts> {
    const q = this.byName.get(queue);
    if (!q) throw new Error(`unknown queue ${queue}`);
    const c = await q.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
    return { waiting: c.waiting ?? 0, delayed: c.delayed ?? 0, prioritized: c.prioritized ?? 0, active: c.active ?? 0 };
  }

  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map((q) => q.close()));
  }
}
