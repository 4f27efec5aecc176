import { Counter, Gauge, collectDefaultMetrics, type Registry } from 'prom-client';

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

/** The "webhooks" queue's events, from any process (queue/webhook-events.ts in the roles). */
export interface WebhookEventsSource {
  on(event: 'completed' | 'failed', listener: () => void): void;
  close(): Promise<void>;
}

/**
 * Webhook delivery counters, from the events of the "webhooks" queue (src/notify sends them;
 * this observes without touching its code): completed = delivered, failed = one failed attempt
 * (retried with backoff until notify.webhookAttempts, then dead). close() closes the events.
 */
export class WebhookMetrics {
  constructor(private readonly events: WebhookEventsSource, registry: Registry) {
    const { deliveries, failures } = registerWebhookCounters(registry);
    events.on('completed', () => deliveries.inc());
    events.on('failed', () => failures.inc());
  }

  close(): Promise<void> {
    return this.events.close();
  }
}
