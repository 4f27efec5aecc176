import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { NotifyConfig } from '../config/schema.js';
import type { AlertEvent, AlertRulesRepository } from '../store/alert-rules.repository.js';
import type { StoredSightingEvent } from '../track/sighting.service.js';
import type { AlertRule } from '../contracts/alert-rule.schema.js';
import { AlertEvaluator, type AlertEvaluatorDeps } from './alert.evaluator.js';
import { AlertService } from './alert.service.js';
import { WebhookDispatcher, type DeliveryUpdate, type WebhookQueue } from './webhook.dispatcher.js';

export interface AlertingEvents {
  alert: [AlertEvent, AlertRule];
  delivery: [DeliveryUpdate];
}

export interface AlertingDeps {
  config: NotifyConfig;
  /** The deployment's "webhooks" queue (queue/webhooks.queue.ts in the roles); closed with the alerting. */
  webhooks: WebhookQueue;
  rules: AlertRulesRepository;
  people: AlertEvaluatorDeps['people'];
  cameraName: (cameraId: string) => string;
  /** The hub's sighting events (the SightingService): alerts evaluate confirmed sightings. */
  sightings: { on(e: 'sighting.confirmed', l: (e: StoredSightingEvent) => void): unknown; off(e: 'sighting.confirmed', l: (e: StoredSightingEvent) => void): unknown };
  logger: Logger;
}

/**
 * Alert rules and signed webhooks of the hub role, with or without the dashboard: subscribes to
 * confirmed sightings, evaluates the rules, queues webhooks on the "webhooks" queue and
 * delivers them. The dashboard (when enabled) and other publishers listen to `alert` and
 * `delivery`; they never evaluate rules themselves.
 */
export class Alerting extends EventEmitter<AlertingEvents> {
  readonly alerts: AlertService;
  readonly dispatcher: WebhookDispatcher;
  private readonly onConfirmed = (e: StoredSightingEvent) => { this.alerts.handle(e.sighting, e.crop); };
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: AlertingDeps) {
    super();
    const { config, rules, logger } = deps;
    this.dispatcher = new WebhookDispatcher({
      queue: deps.webhooks, rules, config, logger,
      onDelivery: (u) => this.emit('delivery', u),
    });
    const evaluator = new AlertEvaluator({ rules, people: deps.people, defaultCooldownS: config.defaultCooldownS, publicUrl: config.publicUrl, cameraName: deps.cameraName });
    this.alerts = new AlertService({ evaluator, dispatcher: this.dispatcher, rules, logger });
    this.alerts.on('alert', (event, rule) => this.emit('alert', event, rule));
  }

  get rules(): AlertRulesRepository { return this.deps.rules; }

  start(): void {
    this.dispatcher.start();
    this.deps.sightings.on('sighting.confirmed', this.onConfirmed);
  }

  /** Stop evaluating, finish queueing, stop delivering. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.deps.sightings.off('sighting.confirmed', this.onConfirmed);
      const errors: unknown[] = [];
      try { await this.alerts.close(); } catch (e) { errors.push(e); }
      try { await this.dispatcher.close(); } catch (e) { errors.push(e); }
      if (errors.length) throw new AggregateError(errors, 'Alerting.close failed');
    })();
    return this.closing;
  }
}
