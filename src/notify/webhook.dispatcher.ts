import type { Logger } from 'pino';
import type { NotifyConfig } from '../config/schema.js';
import { PermanentJobError, type JobConsumer, type QueuedJob } from '../contracts/job.js';
import { webhookJobSchema, type WebhookJob } from '../contracts/webhook.schema.js';
import type { DeliveryState } from '../contracts/alert-rule.schema.js';
import type { AlertRulesRepository } from '../store/alert-rules.repository.js';
import type { HostResolver } from './target.guard.js';
import { PermanentWebhookError, sendWebhook } from './webhook.sender.js';

/**
 * The "webhooks" queue as the dispatcher sees it (queue/webhooks.queue.ts in the roles): add()
 * retries a failed delivery `attempts` times with exponential backoff from `backoffMs`; close()
 * stops consuming, then closes the queue.
 */
export interface WebhookQueue extends JobConsumer<WebhookJob, number> {
  add(job: WebhookJob, options: { jobId: string; attempts: number; backoffMs: number }): Promise<void>;
}

export interface DeliveryUpdate { alertId: number; delivery: DeliveryState; attempts: number; error: string | null }

export interface WebhookDispatcherDeps {
  /** The deployment's "webhooks" queue; the dispatcher closes it. */
  queue: WebhookQueue;
  rules: Pick<AlertRulesRepository, 'secretOf' | 'setDelivery'>;
  config: Pick<NotifyConfig, 'webhookTimeoutMs' | 'webhookAttempts' | 'webhookBackoffMs' | 'webhookConcurrency' | 'allowPrivateTargets'>;
  /** Host resolver of webhook targets (default dns.lookup); tests inject one. */
  resolve?: HostResolver;
  logger: Logger;
  onDelivery?: (u: DeliveryUpdate) => void;
}

/**
 * Webhook delivery through the "webhooks" queue: retries with exponential backoff,
 * dead-lettered (alert_events.delivery = 'dead', and kept in the queue's failed set) after
 * webhookAttempts. Sending runs in this worker, never in the pipeline's path: a receiver that
 * hangs or fails only occupies a webhook slot until its timeout.
 */
export class WebhookDispatcher {
  private started = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: WebhookDispatcherDeps) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    const { config } = this.deps;
    this.deps.queue.consume((job) => this.process(job), {
      concurrency: config.webhookConcurrency,
      // a job is locked for longer than its request can take, so it is never run twice at once
      lockDurationMs: Math.max(30_000, config.webhookTimeoutMs * 3),
    }, {
      error: (err) => this.deps.logger.error({ err: err.message }, 'webhook worker error'),
      completed: (job) => this.update(job, 'delivered', null),
      failed: (job, err, final) => {
        if (!job) return;
        this.deps.logger.warn({ alert: job.data.alertId, attempt: job.attemptsMade, final, err: err.message }, 'webhook failed');
        this.update(job, final ? 'dead' : 'queued', err.message);
      },
    });
  }

  /** Queue one delivery; the job id is the alert id, so queueing an alert twice sends it once. */
  async enqueue(data: WebhookJob, retryOf?: number): Promise<void> {
    const job = webhookJobSchema.parse(data);
    const { config } = this.deps;
    await this.deps.queue.add(job, {
      jobId: retryOf === undefined ? `alert.${job.alertId}` : `alert.${job.alertId}.retry.${retryOf}`,
      attempts: config.webhookAttempts,
      backoffMs: config.webhookBackoffMs,
    });
  }

  private async process(job: QueuedJob<WebhookJob>): Promise<number> {
    const data = webhookJobSchema.parse(job.data);
    const secret = this.deps.rules.secretOf(data.ruleId);
    if (secret === undefined) throw new PermanentJobError(`rule ${data.ruleId} was deleted`);
    try {
      return await sendWebhook({
        url: data.url, body: data.body, secret, alertId: data.alertId, attempt: job.attemptsMade + 1, timeoutMs: this.deps.config.webhookTimeoutMs,
        allowPrivateTargets: this.deps.config.allowPrivateTargets, resolve: this.deps.resolve,
      });
    } catch (e) {
      // a refused target (E_WEBHOOK_TARGET: ... in the message), a redirect or a 4xx: dead at once, never retried
      if (e instanceof PermanentWebhookError) throw new PermanentJobError(e.message);
      throw e;
    }
  }

  private update(job: QueuedJob<WebhookJob>, delivery: DeliveryState, error: string | null): void {
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
    return (this.closing ??= this.deps.queue.close());
  }
}
