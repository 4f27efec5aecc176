import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WebhookJob } from '../contracts/webhook.schema.js';
import { JobQueueConsumer } from './job.consumer.js';
import { queueNames } from './keys.js';
import { queueOptions } from './queue-options.js';

/** Seconds a finished webhook job stays in BullMQ's completed / failed set. */
export const webhookJobKeep = { completedS: 24 * 3600, failedS: 7 * 24 * 3600 } as const;

/** One delivery's queue settings, chosen by the dispatcher. */
export interface WebhookJobOptions {
  /** The alert id, so queueing an alert twice sends it once. */
  jobId: string;
  attempts: number;
  /** First retry delay, ms; each retry waits twice as long (exponential backoff). */
  backoffMs: number;
}

/**
 * The "webhooks" queue, both sides: the hub's alerting adds one signed delivery per job and
 * consumes them (the result is the receiver's HTTP status). close() stops consuming (jobs in
 * flight finish), then closes the queue.
 */
export class WebhooksQueue extends JobQueueConsumer<WebhookJob, number> {
  readonly queue: Queue<WebhookJob, number, 'webhook'>;

  constructor(redis: Redis, prefix: string, eventsMaxLen?: number) {
    super(queueNames.webhooks, redis, prefix);
    this.queue = new Queue<WebhookJob, number, 'webhook'>(queueNames.webhooks, queueOptions(redis, prefix, eventsMaxLen));
  }

  async add(job: WebhookJob, options: WebhookJobOptions): Promise<void> {
    await this.queue.add('webhook', job, {
      jobId: options.jobId,
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs },
      // delivery state lives in SQLite (alert_events) and a retry rebuilds the body from there:
      // finished jobs (each holding its body, an inline crop included) are kept for dedupe and
      // inspection only, so bounded by age as well as count
      removeOnComplete: { count: 1000, age: webhookJobKeep.completedS },
      removeOnFail: { count: 1000, age: webhookJobKeep.failedS },
    });
  }

  override async close(): Promise<void> {
    const errors: unknown[] = [];
    try { await super.close(); } catch (e) { errors.push(e); }
    try { await this.queue.close(); } catch (e) { errors.push(e); }
    if (errors.length) throw new AggregateError(errors, 'webhooks queue close failed');
  }
}
