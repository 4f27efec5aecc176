import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Sighting as StoredSighting } from '../store/sightings.repository.js';
import type { AlertRule } from '../contracts/alert-rule.schema.js';
import type { AlertEvaluator } from './alert.evaluator.js';
import type { AlertEvent, AlertRulesRepository } from '../store/alert-rules.repository.js';
import type { DeliveryUpdate, WebhookDispatcher } from './webhook.dispatcher.js';

export interface AlertServiceEvents {
  alert: [AlertEvent, AlertRule];
  delivery: [DeliveryUpdate];
}

/**
 * Sightings in, alerts out: evaluate the rules (synchronous, a few SQLite statements), then hand
 * webhooks to the queue without waiting. Errors are logged, never thrown into the pipeline.
 */
export class AlertService extends EventEmitter<AlertServiceEvents> {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: { evaluator: AlertEvaluator; dispatcher?: WebhookDispatcher; rules: Pick<AlertRulesRepository, 'setDelivery' | 'event' | 'get'>; logger: Logger }) {
    super();
  }

  /** A confirmed sighting (a new track): each one is a potential alert. */
  handle(s: StoredSighting, cropBase64: string | null): AlertEvent[] {
    let fired: { event: AlertEvent; rule: AlertRule }[];
    try {
      fired = this.deps.evaluator.evaluate(s, cropBase64);
    } catch (e) {
      this.deps.logger.error({ sighting: s.id, err: (e as Error).message }, 'alert rules not evaluated');
      return [];
    }
    for (const { event, rule } of fired) {
      this.deps.logger.info({ alert: event.id, rule: rule.id, sighting: s.id }, 'alert');
      this.emit('alert', event, rule);
      if (rule.webhook) this.track(this.send(event.id, rule.id, rule.webhook.url, JSON.stringify(event.payload)));
    }
    return fired.map((f) => f.event);
  }

  /** Queue a dead-lettered alert again (dashboard "retry"). */
  async retry(alertId: number): Promise<boolean> {
    const event = this.deps.rules.event(alertId);
    const rule = event && this.deps.rules.get(event.ruleId);
    if (!event || !rule?.webhook || event.delivery !== 'dead') return false;
    this.deps.rules.setDelivery(alertId, 'queued', event.attempts, event.lastError);
    await this.deps.dispatcher?.enqueue({ version: 1, alertId, ruleId: rule.id, url: rule.webhook.url, body: JSON.stringify(event.payload) }, Date.now());
    return true;
  }

  private async send(alertId: number, ruleId: string, url: string, body: string): Promise<void> {
    if (!this.deps.dispatcher) return;
    try {
      await this.deps.dispatcher.enqueue({ version: 1, alertId, ruleId, url, body });
    } catch (e) {
      this.deps.logger.error({ alert: alertId, err: (e as Error).message }, 'webhook not queued');
      this.deps.rules.setDelivery(alertId, 'dead', 0, `not queued: ${(e as Error).message}`);
    }
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Wait for queueing in progress (shutdown). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
