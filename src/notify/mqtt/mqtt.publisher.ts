import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { MqttConfig } from '../../config/schema.js';
import type { CameraStatus } from '../../contracts/camera.schema.js';
import type { Sighting } from '../../contracts/sighting.schema.js';
import { FaceStreamError } from '../../errors/index.js';
import { backoffDelay } from '../../common/backoff.js';
import { maskUrl } from '../../common/mask-url.js';
import type { StoredSightingEvent } from '../../track/sighting.service.js';
import type { AlertPayload } from '../../contracts/alert-rule.schema.js';
import { cameraDiscovery, presenceDiscovery, presenceRemoval, type DiscoveryContext, type DiscoveryMessage, type NamedRef } from './ha-discovery.js';
import { alertMessage, cameraStatusMessage, lastPersonOf, sightingMessage, type SightingEventName } from './mqtt.messages.js';
import { mqttTopics, type MqttTopics } from './mqtt.topics.js';
import { BoundedQueue } from './offline.buffer.js';

/** The sighting service's events, as the publisher listens to them (it never writes a sighting). */
export interface SightingEventSource {
  on(event: 'sighting.confirmed' | 'sighting.closed', listener: (e: StoredSightingEvent) => void): unknown;
  on(event: 'sighting.relabelled', listener: (s: Sighting) => void): unknown;
  on(event: 'camera.status', listener: (s: CameraStatus) => void): unknown;
  off(event: 'sighting.confirmed' | 'sighting.closed', listener: (e: StoredSightingEvent) => void): unknown;
  off(event: 'sighting.relabelled', listener: (s: Sighting) => void): unknown;
  off(event: 'camera.status', listener: (s: CameraStatus) => void): unknown;
}

/** The part of a fired alert the publisher sends: its payload (the webhook body). */
export interface FiredAlert { payload: AlertPayload }

/** The alert service's 'alert' event. */
export interface AlertEventSource {
  on(event: 'alert', listener: (e: FiredAlert) => void): unknown;
  off(event: 'alert', listener: (e: FiredAlert) => void): unknown;
}

/** Enrolled people (their presence sensors); asked again when a sighting names someone not yet known. */
export interface PeopleSource { list(): readonly NamedRef[] }
/** Cameras known at start (more are learnt from camera statuses and sightings). */
export interface CameraSource { list(): readonly { id: string; name?: string }[] }

export type MqttPublisherOptions = Omit<MqttConfig, 'enabled'>;

export interface MqttPublisherDeps {
  sightings: SightingEventSource;
  alerts?: AlertEventSource;
  /** Without it, people are learnt from the sightings that name them (and never known as removed unless personRemoved is called). */
  people?: PeopleSource;
  cameras?: CameraSource;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** facestream's version, shown on the Home Assistant device. */
  version?: string;
  /** mqtt.connect; tests may wrap it. */
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

/** Messages the broker acknowledged; event messages that waited for the broker; event messages lost (buffer overflow, refused publish). */
export interface MqttCounts { published: number; buffered: number; dropped: number }

interface EventMessage { topic: string; payload: string }
interface Presence { personId: string; cameraId: string; holder: number; timer: NodeJS.Timeout }

/** QoS 1 publishes awaiting their PUBACK at once: bounds what a half-open connection can swallow. */
const maxInflight = 64;
const closeTimeoutMs = 2000;

/**
 * Sightings, camera states, snapshots and alerts to MQTT, with Home Assistant discovery.
 * Subscribes to the sighting service and the alert service; handlers only update in-memory
 * state and hand messages to the client (fire and forget), so a slow or absent broker never
 * blocks the hub. Event messages (sightings, alerts) wait in a bounded buffer while the broker
 * is unreachable (oldest dropped, counted); retained state keeps its newest value per topic
 * and is published again on every connect, so a broker that lost its retained messages
 * (restart without persistence) gets them back. Reconnects with exponential backoff, capped.
 */
export class MqttPublisher {
  readonly counts: MqttCounts = { published: 0, buffered: 0, dropped: 0 };
  private readonly topics: MqttTopics;
  private readonly ctx: DiscoveryContext;
  private client: MqttClient | undefined;
  private closing: Promise<void> | undefined;
  private started = false;
  private inflight = 0;
  private attempt = 0;
  private outageLogged = false;
  private readonly events: BoundedQueue<EventMessage>;
  /** Retained state: newest payload per topic ('' = delete the retained message, dropped from here once sent). */
  private readonly retained = new Map<string, string | Buffer>();
  /** Retained topics whose current payload the broker has not acknowledged yet, in first-set order. */
  private readonly dirty = new Set<string>();
  private readonly cameras = new Map<string, string>();
  private readonly people = new Map<string, string>();
  /** Per camera: the row id of its latest confirmed sighting (its crop is the snapshot, its name last_person). */
  private readonly latest = new Map<string, number>();
  private readonly presence = new Map<string, Presence>();
  private readonly unsubscribe: (() => void)[] = [];
  /** close() waiting for the last messages to be acknowledged. */
  private readonly drainWaiters: (() => void)[] = [];

  constructor(private readonly options: MqttPublisherOptions, private readonly deps: MqttPublisherDeps) {
    this.topics = mqttTopics(options.baseTopic);
    this.ctx = { prefix: options.discoveryPrefix, baseTopic: options.baseTopic, topics: this.topics, version: deps.version };
    this.events = new BoundedQueue(options.maxBuffered);
  }

  /** Whether the broker connection is up now. */
  get connected(): boolean { return this.client?.connected === true; }

  /** Messages not yet acknowledged by the broker: buffered events, unsent retained states, publishes in flight. */
  get pending(): number { return this.events.size + this.dirty.size + this.inflight; }

  /** Subscribe to the hub's events and connect (in the background: a broker that is down does not fail the start). */
  start(): void {
    if (this.started || this.closing) return;
    const { options, deps } = this;
    const tls = this.tlsOptions();
    this.started = true;
    this.setRetained(this.topics.status, 'online');
    this.listen();
    for (const c of this.safeList(deps.cameras, 'cameras')) this.ensureCamera(c.id, c.name);
    for (const p of this.safeList(deps.people, 'people')) this.upsertPerson(p);

    const clientId = options.clientId ?? `facestream-${randomBytes(4).toString('hex')}`;
    const client = (deps.connect ?? mqttConnect)(options.url, {
      clientId, username: options.username, password: options.password,
      reconnectPeriod: options.reconnectMinMs, connectTimeout: 10_000,
      // we buffer ourselves (bounded); mqtt.js must not queue anything while offline
      queueQoSZero: false, clean: true, resubscribe: true, reconnectOnConnackError: true,
      will: { topic: this.topics.status, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...tls,
    });
    this.client = client;
    deps.logger.info({ url: maskUrl(options.url), clientId, baseTopic: options.baseTopic }, 'mqtt connecting');
    client.on('connect', () => this.onConnect());
    client.on('reconnect', () => {
      // mqtt.js reads reconnectPeriod each time it schedules the next attempt: widen it per failure
      this.attempt++;
      client.options.reconnectPeriod = backoffDelay(this.attempt + 1, options.reconnectMinMs, Math.max(options.reconnectMinMs, options.reconnectMaxMs));
    });
    client.on('close', () => {
      if (!this.outageLogged && !this.closing) {
        this.outageLogged = true;
        deps.logger.warn({ url: maskUrl(options.url) }, 'mqtt disconnected: buffering event messages');
      }
    });
    client.on('error', (err) => {
      const entry = { url: maskUrl(options.url), err: maskUrl(err.message) };
      if (this.attempt <= 1) deps.logger.warn(entry, 'mqtt connection failed');
      else deps.logger.debug(entry, 'mqtt connection failed');
    });
    client.on('message', (topic, payload, packet) => {
      // Home Assistant announces its (re)start: configs are retained, but it asks for them again
      // (a retained birth message is no news: it arrives on every subscribe)
      if (!packet.retain && topic === `${options.discoveryPrefix}/status` && payload.toString() === 'online') {
        for (const t of this.retained.keys()) if (t.startsWith(`${options.discoveryPrefix}/`)) this.dirty.add(t);
        this.pump();
      }
    });
  }

  /** The person was enrolled or renamed: (re)publish their presence sensors. */
  personAdded(person: NamedRef): void {
    this.guard('person added', () => this.upsertPerson(person));
  }

  /** The person was deleted: their presence sensors are removed from Home Assistant and their states cleared. */
  personRemoved(personId: string): void {
    this.guard('person removed', () => {
      this.people.delete(personId);
      for (const [key, p] of this.presence) {
        if (p.personId === personId) { clearTimeout(p.timer); this.presence.delete(key); }
      }
      for (const cameraId of this.cameras.keys()) {
        if (this.options.discovery) this.publishDiscovery(presenceRemoval(this.ctx, personId, cameraId));
        this.setRetained(this.topics.presence(personId, cameraId), '');
      }
    });
  }

  /** Stop listening, publish 'offline', send what the broker still takes (briefly) and disconnect. Idempotent. */
  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    const errors: unknown[] = [];
    const step = async (f: () => unknown) => { try { await f(); } catch (e) { errors.push(e); } };
    await step(() => { for (const u of this.unsubscribe.splice(0)) u(); });
    await step(() => {
      for (const p of this.presence.values()) clearTimeout(p.timer);
      this.presence.clear();
    });
    const client = this.client;
    if (client) {
      await step(async () => {
        if (!client.connected) return;
        this.setRetained(this.topics.status, 'offline', true);
        // what is queued or in flight gets a short chance to reach the broker
        if (this.pending === 0) return;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => this.drainWaiters.push(resolve)).then(() => clearTimeout(timer)),
          new Promise<void>((resolve) => { timer = setTimeout(resolve, closeTimeoutMs); }),
        ]);
        this.drainWaiters.length = 0;
      });
      // in-flight publishes of a dead connection would hold a graceful end forever: force it then
      await step(() => new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, closeTimeoutMs);
        client.end(this.inflight > 0 || !client.connected, {}, () => { clearTimeout(timer); resolve(); });
      }));
    }
    if (this.events.size > 0) this.deps.logger.warn({ unsent: this.events.size }, 'mqtt closed with event messages unsent');
    if (errors.length) throw new AggregateError(errors, 'mqtt publisher close failed');
  }

  private tlsOptions(): Partial<IClientOptions> {
    const { tls } = this.options;
    const read = (what: string, file: string | undefined) => {
      if (file === undefined) return undefined;
      try {
        return readFileSync(file);
      } catch (e) {
        throw new FaceStreamError('E_CONFIG', `mqtt.tls.${what}: cannot read ${file}: ${(e as Error).message}`);
      }
    };
    const out: Partial<IClientOptions> = { rejectUnauthorized: tls.rejectUnauthorized };
    const ca = read('ca', tls.ca);
    const cert = read('cert', tls.cert);
    const key = read('key', tls.key);
    if (ca) out.ca = ca;
    if (cert) out.cert = cert;
    if (key) out.key = key;
    return out;
  }

  private listen(): void {
    const { sightings, alerts } = this.deps;
    const confirmed = (e: StoredSightingEvent) => this.guard('sighting', () => this.onSighting('confirmed', e));
    const closed = (e: StoredSightingEvent) => this.guard('sighting', () => this.onSighting('closed', e));
    const relabelled = (s: Sighting) => this.guard('relabel', () => this.onRelabelled(s));
    const status = (s: CameraStatus) => this.guard('camera status', () => this.onCameraStatus(s));
    sightings.on('sighting.confirmed', confirmed);
    sightings.on('sighting.closed', closed);
    sightings.on('sighting.relabelled', relabelled);
    sightings.on('camera.status', status);
    this.unsubscribe.push(
      () => sightings.off('sighting.confirmed', confirmed),
      () => sightings.off('sighting.closed', closed),
      () => sightings.off('sighting.relabelled', relabelled),
      () => sightings.off('camera.status', status),
    );
    if (alerts) {
      const alert = (e: FiredAlert) => this.guard('alert', () => this.enqueueEvent(this.topics.alerts, JSON.stringify(alertMessage(e.payload))));
      alerts.on('alert', alert);
      this.unsubscribe.push(() => alerts.off('alert', alert));
    }
  }

  /** Event handlers run inline in the emitter: a failure here is logged, never thrown into the hub. */
  private guard(what: string, f: () => void): void {
    if (this.closing) return;
    try {
      f();
    } catch (e) {
      this.deps.logger.error({ err: (e as Error).message }, `mqtt: ${what} not published`);
    }
  }

  private onSighting(event: SightingEventName, { sighting: s, crop }: StoredSightingEvent): void {
    this.ensureCamera(s.cameraId);
    this.enqueueEvent(this.topics.sightings, JSON.stringify(sightingMessage(event, s)));
    // a new track is the camera's latest sighting; a closing one only while no newer one started
    if (event === 'confirmed' || !this.latest.has(s.cameraId)) this.latest.set(s.cameraId, s.id);
    if (this.latest.get(s.cameraId) === s.id) {
      this.setRetained(this.topics.lastPerson(s.cameraId), lastPersonOf(s));
      if (crop) this.setRetained(this.topics.snapshot(s.cameraId), Buffer.from(crop, 'base64'));
    }
    this.withdraw(s.id, s.personId);
    if (s.personId !== null && this.ensurePerson(s.personId, s.label)) this.presenceOn(s.personId, s.cameraId, s.id);
  }

  private onRelabelled(s: Sighting): void {
    this.ensureCamera(s.cameraId);
    this.enqueueEvent(this.topics.sightings, JSON.stringify(sightingMessage('relabelled', s)));
    if (this.latest.get(s.cameraId) === s.id) this.setRetained(this.topics.lastPerson(s.cameraId), lastPersonOf(s));
    // a corrected name is withdrawn at once; the new one turns on with the track's next update, if any
    this.withdraw(s.id, s.personId);
  }

  private onCameraStatus(s: CameraStatus): void {
    this.ensureCamera(s.cameraId, s.name);
    this.setRetained(this.topics.cameraStatus(s.cameraId), JSON.stringify(cameraStatusMessage(s)));
  }

  private ensureCamera(id: string, name?: string): void {
    const known = this.cameras.get(id);
    const next = name ?? known ?? id;
    if (known === next) return;
    this.cameras.set(id, next);
    if (!this.options.discovery) return;
    const camera = { id, name: next };
    for (const m of cameraDiscovery(this.ctx, camera)) this.publishDiscovery(m);
    for (const [pid, pname] of this.people) this.publishDiscovery(presenceDiscovery(this.ctx, { id: pid, name: pname }, camera));
  }

  private upsertPerson(p: NamedRef): void {
    if (this.people.get(p.id) === p.name) return;
    this.people.set(p.id, p.name);
    if (!this.options.discovery) return;
    for (const [cid, cname] of this.cameras) this.publishDiscovery(presenceDiscovery(this.ctx, p, { id: cid, name: cname }));
  }

  /** Whether the person is enrolled; a person not seen before is looked up again (enrolled since the start). */
  private ensurePerson(id: string, label: string): boolean {
    if (this.people.has(id)) return true;
    if (!this.deps.people) {
      this.upsertPerson({ id, name: label });
      return true;
    }
    for (const p of this.safeList(this.deps.people, 'people')) this.upsertPerson(p);
    return this.people.has(id);
  }

  private safeList<T>(source: { list(): readonly T[] } | undefined, what: string): readonly T[] {
    if (!source) return [];
    try {
      return source.list();
    } catch (e) {
      this.deps.logger.error({ err: (e as Error).message }, `mqtt: ${what} not listed`);
      return [];
    }
  }

  private presenceOn(personId: string, cameraId: string, sightingId: number): void {
    const key = `${personId}\u0000${cameraId}`;
    const current = this.presence.get(key);
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => this.presenceOff(key), this.options.presenceTimeoutS * 1000);
    timer.unref();
    this.presence.set(key, { personId, cameraId, holder: sightingId, timer });
    this.setRetained(this.topics.presence(personId, cameraId), 'ON');
  }

  private presenceOff(key: string): void {
    const p = this.presence.get(key);
    if (!p) return;
    clearTimeout(p.timer);
    this.presence.delete(key);
    this.setRetained(this.topics.presence(p.personId, p.cameraId), 'OFF');
  }

  /** Presence a sighting holds for anyone but `personId` (its identity changed) ends now. */
  private withdraw(sightingId: number, personId: string | null): void {
    for (const [key, p] of this.presence) {
      if (p.holder === sightingId && p.personId !== personId) this.presenceOff(key);
    }
  }

  private publishDiscovery(m: DiscoveryMessage): void {
    this.setRetained(m.topic, m.payload === null ? '' : JSON.stringify(m.payload));
  }

  // ---- transport -------------------------------------------------------------------------

  private setRetained(topic: string, payload: string | Buffer, force = false): void {
    const current = this.retained.get(topic);
    if (!force && current !== undefined && sameBytes(current, payload)) return;
    this.retained.set(topic, payload);
    this.dirty.add(topic);
    this.pump();
  }

  private enqueueEvent(topic: string, payload: string): void {
    if (this.canSend() && this.events.size === 0) {
      this.send(topic, payload, false);
      return;
    }
    this.counts.buffered++;
    const dropped = this.events.push({ topic, payload });
    if (dropped) {
      if (this.counts.dropped === 0 || this.counts.dropped % 1000 === 0) {
        this.deps.logger.warn({ maxBuffered: this.options.maxBuffered, dropped: this.counts.dropped + dropped }, 'mqtt buffer full: oldest event messages dropped');
      }
      this.counts.dropped += dropped;
    }
    this.pump();
  }

  private canSend(): boolean {
    return this.client?.connected === true && this.inflight < maxInflight;
  }

  private pump(): void {
    while (this.canSend()) {
      const topic = first(this.dirty);
      if (topic !== undefined) {
        this.dirty.delete(topic);
        const payload = this.retained.get(topic);
        if (payload !== undefined) this.send(topic, payload, true);
        continue;
      }
      const next = this.events.shift();
      if (!next) return;
      this.send(next.topic, next.payload, false);
    }
  }

  private send(topic: string, payload: string | Buffer, retain: boolean): void {
    const client = this.client;
    if (!client) return;
    this.inflight++;
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      this.inflight--;
      if (err) {
        // a retained state is sent again on the next connect; an event message is lost
        if (!retain) this.counts.dropped++;
        this.deps.logger.warn({ topic, err: maskUrl(err.message) }, 'mqtt publish failed');
      } else {
        this.counts.published++;
        if (retain && payload.length === 0 && this.retained.get(topic)?.length === 0 && !this.dirty.has(topic)) this.retained.delete(topic);
      }
      this.pump();
      if (this.pending === 0) for (const w of this.drainWaiters.splice(0)) w();
    };
    try {
      client.publish(topic, payload, { qos: 1, retain }, (err) => done(err));
    } catch (e) {
      done(e as Error);
    }
  }

  private onConnect(): void {
    this.attempt = 0;
    this.outageLogged = false;
    const client = this.client!;
    client.options.reconnectPeriod = this.options.reconnectMinMs;
    this.deps.logger.info({ url: maskUrl(this.options.url), buffered: this.events.size }, 'mqtt connected');
    if (this.options.discovery) {
      client.subscribe(`${this.options.discoveryPrefix}/status`, { qos: 0 }, (err) => {
        if (err) this.deps.logger.warn({ err: err.message }, 'mqtt: Home Assistant status not subscribed');
      });
    }
    // the broker may have lost every retained message (restart without persistence): send the state again, status first
    this.dirty.clear();
    for (const topic of this.retained.keys()) this.dirty.add(topic);
    this.pump();
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const v of set) return v;
  return undefined;
}

function sameBytes(a: string | Buffer, b: string | Buffer): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  return Buffer.from(a).equals(Buffer.from(b));
}
