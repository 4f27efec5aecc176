import type { Logger } from 'pino';
import type { JobConsumer } from '../contracts/job.js';
import type { PurgeReport } from './retention.service.js';

export const retentionSchedulerId = 'retention';

/** The hub's housekeeping queue (queue/maintenance.queue.ts in the roles). */
export interface MaintenanceJobs extends JobConsumer<Record<string, never>, unknown> {
  /** Run the job every `everyMs` (the first run at once): one scheduler per deployment (upsert by id). */
  schedule(job: typeof retentionSchedulerId, everyMs: number): Promise<void>;
}

export interface MaintenanceDeps {
  /** The deployment's "maintenance" queue; the scheduler closes it. */
  queue: MaintenanceJobs;
  intervalMs: number;
  /** Runs one retention pass (the hub's RetentionService.runScheduled). */
  retention: () => PurgeReport;
  logger: Logger;
}

/**
 * Retention on a job scheduler: one repeatable job per deployment however many times the hub
 * restarts (upsert by id), run by the hub, whose process owns the SQLite store. A missed run
 * (hub down) is simply the next one: each run deletes everything past its cutoff.
 */
export class MaintenanceScheduler {
  private started = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: MaintenanceDeps) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.deps.queue.schedule(retentionSchedulerId, this.deps.intervalMs);
    this.deps.queue.consume(async (job) => this.process(job), { concurrency: 1 }, {
      error: (err) => this.deps.logger.error({ err: err.message }, 'maintenance worker error'),
    });
  }

  private process(job: { id: string | undefined }): PurgeReport {
    const report = this.deps.retention();
    this.deps.logger.info({ job: job.id, ...report }, 'retention run');
    return report;
  }

  /** Lets a running purge finish (it is one SQLite transaction plus file deletes), then closes. */
  close(): Promise<void> {
    return (this.closing ??= this.deps.queue.close());
  }
}
