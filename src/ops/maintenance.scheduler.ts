import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { queueNames } from '../contracts/queues.js';
import { createMaintenanceQueue, createMaintenanceWorker, type MaintenanceQueue, type MaintenanceWorker } from '../queue/maintenance.queue.js';
import type { PurgeReport } from './retention.service.js';

/** The hub's housekeeping queue (see contracts/queues.ts). */
export const maintenanceQueueName = queueNames.maintenance;
export const retentionSchedulerId = 'retention';

export interface MaintenanceDeps {
  connection: Redis;
  prefix: string;
  /** Entries kept in the queue's BullMQ event stream (redis.eventsMaxLen). */
  eventsMaxLen?: number;
  intervalMs: number;
  /** Runs one retention pass (the hub's RetentionService.runScheduled). */
  retention: () => PurgeReport;
  logger: Logger;
}

/**
 * Retention on a BullMQ job scheduler: one repeatable job per deployment however many times
 * the hub restarts (upsert by id), run by the hub, whose process owns the SQLite store. A
 * missed run (hub down) is simply the next one: each run deletes everything past its cutoff.
 */
export class MaintenanceScheduler {
  readonly queue: MaintenanceQueue;
  private worker: MaintenanceWorker | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: MaintenanceDeps) {
    this.queue = createMaintenanceQueue(deps.connection, deps.prefix, deps.eventsMaxLen);
  }

  async start(): Promise<void> {
    if (this.worker) return;
    await this.queue.upsertJobScheduler(retentionSchedulerId, { every: this.deps.intervalMs }, {
      name: 'retention', opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } },
    });
    this.worker = createMaintenanceWorker((job) => this.process(job), {
      connection: this.deps.connection, prefix: this.deps.prefix, concurrency: 1,
    });
    this.worker.on('error', (err) => this.deps.logger.error({ err: err.message }, 'maintenance worker error'));
  }

  private async process(job: Pick<Job, 'id'>): Promise<PurgeReport> {
    const report = this.deps.retention();
    this.deps.logger.info({ job: job.id, ...report }, 'retention run');
    return report;
  }

  /** Lets a running purge finish (it is one SQLite transaction plus file deletes), then closes. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const errors: unknown[] = [];
      for (const step of [() => this.worker?.close(), () => this.queue.close()]) {
        try { await step(); } catch (e) { errors.push(e); }
      }
      if (errors.length) throw new AggregateError(errors, 'maintenance close failed');
    })());
  }
}
