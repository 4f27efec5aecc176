import { QueueEvents } from 'bullmq';
import { Counter, Gauge, collectDefaultMetrics, type Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { queueNames } from '../contracts/queues.js';
import { createRedis } from '../queue/redis.connection.js';

/** What the tensor gauge needs from an engine: TF.js's memory report. */
export interface TensorSource { readonly tf: { memory(): { numTensors: number } } }

/**
 * Process-level metrics on a role's registry: CPU, RSS, heap, event-loop lag (prom-client's
 * default collectors) and the TF.js tensor count, read at scrape time (a leak shows as a
 * rising line). Call once per registry: prom-client refuses duplicate names.
 */
export function registerProcessMetrics(registry: Registry, engines: readonly TensorSource[]): void {
  collectDefaultMetrics({ register: registry });
  if (!engines.length) return;
  new Gauge({
    name: 'facestream_tf_tensors', help: 'TF.js tensors alive in this process (engine.tf.memory().numTensors)', registers: [registry],
    collect() {
      // one TF.js instance per process: every engine reports the same global count
      try { this.set(engines[0]!.tf.memory().numTensors); } catch { /* engine closed during shutdown */ }
    },
  });
}

/** The webhook counters (names shared with docker/grafana-dashboard.json). */
export function registerWebhookCounters(registry: Registry): { deliveries: Counter; failures: Counter } {
  const registers = [registry];
  return {
    deliveries: new Counter({ name: 'facestream_webhook_deliveries_total', help: 'Webhook requests answered with 2xx', registers }),
    failures: new Counter({ name: 'facestream_webhook_failures_total', help: 'Failed webhook attempts (each retry counts)', registers }),
  };
}

/**
 * Webhook delivery counters, from BullMQ's queue events of the "webhooks" queue (src/notify
 * sends them; this observes without touching its code): completed = delivered, failed = one
 * failed attempt (retried with backoff until notify.webhookAttempts, then dead).
 */
export class WebhookMetrics {
  private readonly events: QueueEvents;
  private readonly redis: Redis;
  private closing: Promise<void> | undefined;

  constructor(redisUrl: string, prefix: string, registry: Registry) {
    const { deliveries, failures } = registerWebhookCounters(registry);
    this.redis = createRedis(redisUrl, 'facestream-webhook-metrics');
    this.events = new QueueEvents(queueNames.webhooks, { connection: this.redis, prefix });
    this.events.on('completed', () => deliveries.inc());
    this.events.on('failed', () => failures.inc());
    this.events.on('error', () => { /* reconnects by itself; metrics never break the hub */ });
  }

  close(): Promise<void> {
    return (this.closing ??= this.events.close().finally(() => this.redis.disconnect()));
  }
}
