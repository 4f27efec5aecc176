import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { FrigateConfig } from '../config/schema.js';
import { maskUrl } from '../common/mask-url.js';
import { backoffDelay } from '../common/backoff.js';
import { frigateEventMessageSchema, type FrigateEventMessage } from './frigate-event.schema.js';

export interface FrigateSubscriberEvents {
  /** A valid `<prefix>/events` message. */
  event: [FrigateEventMessage];
  /** A message on `<prefix>/events` that is not a Frigate event (counted, logged at debug). */
  invalid: [string];
  /** `<prefix>/available`: Frigate said online (true) or offline (false). */
  available: [boolean];
  /** The broker connection came up (true) or went away (false). */
  connection: [boolean];
}

export type FrigateSubscriberOptions = Pick<FrigateConfig, 'mqttUrl' | 'mqttUsername' | 'mqttPassword' | 'mqttClientId' | 'topicPrefix' | 'reconnectMinMs' | 'reconnectMaxMs'>;

/** A Frigate event message is a few kB; anything far larger is not one. */
const maxMessageBytes = 1024 * 1024;
const closeTimeoutMs = 2000;

/**
 * Frigate's MQTT side as companion mode reads it: `<prefix>/events` (tracked object changes) and
 * `<prefix>/available` (online/offline, retained). Subscribes again on every connect; mqtt.js
 * reconnects with a backoff widened per failure (as the MQTT publisher does). A broker that is
 * down at start or goes away later is logged once per outage, never thrown: Frigate publishes
 * its events at QoS 0, so what it sent meanwhile is gone, and the event folder closes events
 * whose end it never heard of (frigate.eventTimeoutS).
 */
export class FrigateEventsSubscriber extends EventEmitter<FrigateSubscriberEvents> {
  private client: MqttClient | undefined;
  private attempt = 0;
  private outageLogged = false;
  private closing: Promise<void> | undefined;
  readonly counts = { messages: 0, invalid: 0, connects: 0 };

  constructor(
    private readonly options: FrigateSubscriberOptions,
    private readonly deps: { logger: Pick<Logger, 'info' | 'warn' | 'debug'>; connect?: (url: string, options: IClientOptions) => MqttClient },
  ) {
    super();
  }

  get topics(): { events: string; available: string } {
    return { events: `${this.options.topicPrefix}/events`, available: `${this.options.topicPrefix}/available` };
  }

  get connected(): boolean { return this.client?.connected === true; }

  /** Connect in the background: a broker that is down does not fail the start. */
  start(): void {
    if (this.client || this.closing) return;
    const { options, deps } = this;
    const url = maskUrl(options.mqttUrl);
    const clientId = options.mqttClientId ?? `facestream-frigate-${randomBytes(4).toString('hex')}`;
    const client = (deps.connect ?? mqttConnect)(options.mqttUrl, {
      clientId, username: options.mqttUsername, password: options.mqttPassword,
      reconnectPeriod: options.reconnectMinMs, connectTimeout: 10_000, clean: true,
      // subscribed again in every 'connect' below
      resubscribe: false, reconnectOnConnackError: true,
    });
    this.client = client;
    deps.logger.info({ url, clientId, topics: this.topics }, 'frigate: connecting to the broker');
    client.on('connect', () => {
      this.attempt = 0;
      this.counts.connects++;
      client.options.reconnectPeriod = options.reconnectMinMs;
      if (this.outageLogged) deps.logger.info({ url }, 'frigate: broker connection back');
      this.outageLogged = false;
      client.subscribe([this.topics.events, this.topics.available], { qos: 0 }, (err) => {
        if (err) deps.logger.warn({ url, err: err.message }, 'frigate: subscribe failed');
      });
      this.emit('connection', true);
    });
    client.on('reconnect', () => {
      this.attempt++;
      client.options.reconnectPeriod = backoffDelay(this.attempt + 1, options.reconnectMinMs, Math.max(options.reconnectMinMs, options.reconnectMaxMs));
    });
    client.on('close', () => {
      if (this.closing) return;
      if (!this.outageLogged) {
        this.outageLogged = true;
        deps.logger.warn({ url }, 'frigate: broker connection lost; reconnecting (events Frigate publishes meanwhile are missed)');
      }
      this.emit('connection', false);
    });
    client.on('error', (err) => {
      const entry = { url, err: maskUrl(err.message) };
      if (this.attempt <= 1) deps.logger.warn(entry, 'frigate: broker connection failed');
      else deps.logger.debug(entry, 'frigate: broker connection failed');
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (this.closing) return;
    if (topic === this.topics.available) {
      const v = payload.toString('utf8').trim();
      if (v === 'online' || v === 'offline') this.emit('available', v === 'online');
      return;
    }
    if (topic !== this.topics.events) return;
    this.counts.messages++;
    let why: string | undefined;
    if (payload.length > maxMessageBytes) why = `${payload.length} bytes`;
    else {
      try {
        const parsed = frigateEventMessageSchema.safeParse(JSON.parse(payload.toString('utf8')));
        if (parsed.success) { this.emit('event', parsed.data); return; }
        why = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      } catch (e) {
        why = `not JSON (${(e as Error).message.slice(0, 80)})`;
      }
    }
    this.counts.invalid++;
    this.deps.logger.debug({ topic, why }, 'frigate: message ignored');
    this.emit('invalid', why);
  }

  /** Disconnect (idempotent). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const client = this.client;
      if (!client) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, closeTimeoutMs);
        client.end(!client.connected, {}, () => { clearTimeout(timer); resolve(); });
      });
    })();
    return this.closing;
  }
}
