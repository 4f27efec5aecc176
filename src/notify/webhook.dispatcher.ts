import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { NotifyConfig } from '../config/schema.js';
import { webhookJobSchema, type WebhookJob } from '../contracts/webhook.schema.js';
import { createWebhooksQueue, createWebhooksWorker, type WebhooksQueue, type WebhooksWorker } from '../queue/webhooks.queue.js';
import type { DeliveryState } from './alert-rule.schema.js';
import type { AlertRulesRepository } from '../store/alert-rules.repository.js';
import type { HostResolver } from './target.guard.js';
import { PermanentWebhookError, sendWebhook } from './webhook.sender.js';

/** Seconds a finished webhook job stays in BullMQ's completed / failed set. */
export const webhookJobKeep = { completedS: 24 * 3600, failedS: 7 * 24 * 3600 } as const;

export interface DeliveryUpdate { alertId: number; delivery: DeliveryState; attempts: number; error: string | null }

export interface WebhookDispatcherDeps {
  connection: Redis;
  /** The deployment's redis prefix (queues of several deployments never mix). */
  prefix: string;
  /** Entries kept in the queue's BullMQ event stream (redis.eventsMaxLen). */
  eventsMaxLen?: number;
  rules: Pick<AlertRulesRepository, 'secretOf' | 'setDelivery'>;
  config: Pick<NotifyConfig, 'webhookTimeoutMs' | 'webhookAttempts' | 'webhookBackoffMs' | 'webhookConcurrency' | 'allowPrivateTargets'>;
  /** Host resolver of webhook targets (default dns.lookup); tests inject one. */
  resolve?: HostResolver;
  logger: Logger;
  onDelivery?: (u: DeliveryUpdate) => void;
}

/**
 * Webhook delivery through the BullMQ "webhooks" queue: retries with exponential backoff,
 * dead-lettered (alert_events.delivery = 'dead', and kept in BullMQ's failed set) after
 * webhookAttempts. Sending runs in this worker, never in the pipeline's path: a receiver that
 * hangs or fails only occupies a webhook slot until its timeout.
 */
export class WebhookDispatcher {
  readonly queue: WebhooksQueue;
  private worker: WebhooksWorker | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.queue = createWebhooksQueue(deps.connection, deps.prefix, deps.eventsMaxLen);
  }

  start(): void {
    if (this.worker) return;
    const { config } = this.deps;
    this.worker = createWebhooksWorker((job) => this.process(job), {
      connection: this.deps.connection, prefix: this.deps.prefix, concurrency: config.webhookConcurrency,
      // a job is locked for longer than its request can take, so it is never run twice at once
      lockDuration: Math.max(30_000, config.webhookTimeoutMs * 3),
    });
    this.worker.on('error', (err) => this.deps.logger.error({ err: err.message }, 'webhook worker error'));
    this.worker.on('completed', (job) => this.update(job, 'delivered', null));
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      this.deps.logger.warn({ alert: job.data.alertId, attempt: job.attemptsMade, final, err: err.message }, 'webhook failed');
      this.update(job, final ? 'dead' : 'queued', err.message);
    });
  }

  /** Queue one delivery; the job id is the alert id, so queueing an alert twice sends it once. */
  async enqueue(data: WebhookJob, retryOf?: number): Promise<void> {
    const job = webhookJobSchema.parse(data);
    const { config } = this.deps;
    await this.queue.add('webhook', job, {
      jobId: retryOf === undefined ? `alert.${job.alertId}` : `alert.${job.alertId}.retry.${retryOf}`,
      attempts: config.webhookAttempts,
      backoff: { type: 'exponential', delay: config.webhookBackoffMs },
      // delivery state lives in SQLite (alert_events) and a retry rebuilds the body from there:
      // finished jobs (each holding its body, an inline crop included) are kept for dedupe and
      // inspection only, so bounded by age as well as count
      removeOnComplete: { count: 1000, age: webhookJobKeep.completedS },
      removeOnFail: { count: 1000, age: webhookJobKeep.failedS },
    });
  }

  private async process(job: Job<WebhookJob, number, 'webhook'>): Promise<number> {
    const data = webhookJobSchema.parse(job.data);
    const secret = this.deps.rules.secretOf(data.ruleId);
    if (secret === undefined) throw new UnrecoverableError(`rule ${data.ruleId} was deleted`);
    try {
      return await sendWebhook({
        url: data.url, body: data.body, secret, alertId: data.alertId, attempt: job.attemptsMade + 1, timeoutMs: this.deps.config.webhookTimeoutMs,
        allowPrivateTargets: this.deps.config.allowPrivateTargets, resolve: this.deps.resolve,
      });
    } catch (e) {
      // a refused target (E_WEBHOOK_TARGET: ... in the message), a redirect or a 4xx: dead at once, never retried
      if (e instanceof PermanentWebhookError) throw new UnrecoverableError(e.message);
      throw e;
    }
  }

  private update(job: Job<WebhookJob, number, 'webhook'>, delivery: DeliveryState, error: string | null): void {
    const { alertId } = job.data;
    try {
      this.deps.rules.setDelivery(alertId, delivery, job.attemptsMade, error);
    } catch (e) {
      // the store may already be closed during shutdown; the queue keeps the job's state
      this.deps.logger.warn({ alert: alertId, err: (e as Error).message }, 'delivery state not stored');
    }
    this.deps.onDelivery?.({ alertId, delivery, attempts: job.attemptsMade, error });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const errors: unknown[] = [];
      try { await this.worker?.close(); } catch (e) { errors.push(e); }
      try { await this.queue.close(); } catch (e) { errors.push(e); }
      if (errors.length) throw new AggregateError(errors, 'WebhookDispatcher.close failed');
    })();
    return this.closing;
  }
}
