import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobQueueConsumer } from './job.consumer.js';
import { queueNames } from './keys.js';
import { queueOptions } from './queue-options.js';
import { createRedis } from './redis.connection.js';

/** The housekeeping jobs (the job name says which; they carry no data). */
export type MaintenanceJobName = 'retention';
type NoData = Record<string, never>;

/**
 * The "maintenance" queue of the hub: repeatable housekeeping jobs on BullMQ job schedulers (one
 * per deployment however many times the hub restarts: upsert by id) and their consumer. open()
 * gives it a connection of its own, closed with it; close() lets a running job finish first.
 */
export class MaintenanceQueue extends JobQueueConsumer<NoData, unknown> {
  readonly queue: Queue<NoData, unknown, MaintenanceJobName>;

  constructor(private readonly redis: Redis, prefix: string, eventsMaxLen?: number, private readonly ownsConnection = false) {
    super(queueNames.maintenance, redis, prefix);
    this.queue = new Queue<NoData, unknown, MaintenanceJobName>(queueNames.maintenance, queueOptions(redis, prefix, eventsMaxLen));
  }

  static open(url: string, prefix: string, eventsMaxLen?: number): MaintenanceQueue {
    return new MaintenanceQueue(createRedis(url, 'facestream-maintenance'), prefix, eventsMaxLen, true);
  }

  /** Run `job` every `everyMs` (the first run at once); the scheduler's id is the job's name. */
  async schedule(job: MaintenanceJobName, everyMs: number): Promise<void> {
    await this.queue.upsertJobScheduler(job, { every: everyMs }, {
      name: job, opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } },
    });
  }

  override async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of [() => super.close(), () => this.queue.close(), () => (this.ownsConnection ? this.redis.quit() : undefined)]) {
      try { await step(); } catch (e) { errors.push(e); }
    }
    if (errors.length) throw new AggregateError(errors, 'maintenance close failed');
  }
}
