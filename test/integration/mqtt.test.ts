import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { mqttSchema } from '../../src/config/schema.js';
import type { CameraStatus } from '../../src/contracts/camera.schema.js';
import type { Sighting, SightingUpdate } from '../../src/contracts/sighting.schema.js';
import type { AlertRule } from '../../src/contracts/alert-rule.schema.js';
import type { AlertServiceEvents } from '../../src/notify/alert.service.js';
import type { AlertEvent } from '../../src/store/alert-rules.repository.js';
import { MqttPublisher, mqttSightingMessageSchema, type MqttPublisherDeps } from '../../src/notify/mqtt/index.js';
import { SightingService, type SightingRows } from '../../src/track/sighting.service.js';
import { PrivateMosquitto } from '../../support/private-mosquitto.js';

const sharedBroker = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** In-memory sighting rows: copies out, like the SQLite repository. */
class FakeRows implements SightingRows {
  private readonly rows = new Map<number, Sighting>();
  private nextId = 1;
  add(s: Parameters<SightingRows['add']>[0]): Sighting {
    const row: Sighting = { bestDistance: null, trackId: null, cropPath: null, metadata: {}, ...s, id: this.nextId++ };
    this.rows.set(row.id, structuredClone(row));
    return structuredClone(row);
  }
  update(id: number, patch: Partial<Omit<Sighting, 'id'>>): Sighting | undefined {
    const cur = this.rows.get(id);
    if (!cur) return undefined;
    this.rows.set(id, { ...cur, ...patch });
    return structuredClone({ ...cur, ...patch });
  }
  get(id: number): Sighting | undefined { const r = this.rows.get(id); return r && structuredClone(r); }
}

const sightingService = () => new SightingService({
  rows: new FakeRows(), crops: { writeSightingCrop: (id) => `crops/sightings/${id}.jpg` }, logger: { error: () => {} }, runId: 'run1',
});

const jpeg = (tag: string) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(tag), Buffer.from([0xff, 0xd9])]);

let track = 0;
function update(status: SightingUpdate['status'], over: Partial<SightingUpdate> = {}): SightingUpdate {
  const t = Date.now();
  return {
    version: 1, id: `cam1:t${track}`, status, cameraId: 'cam1', trackId: `t${track}`, personId: 'p-lin', name: 'Lin-Manuel Miranda', unknownId: null,
    label: 'Lin-Manuel Miranda', crop: jpeg(`t${track}`).toString('base64'), firstSeen: t - 500, lastSeen: t, maxScore: 0.93, meanScore: 0.9, frames: 4, embeddedFrames: 4,
    ...over,
  };
}
const newTrack = (over: Partial<SightingUpdate> = {}) => { track++; return update('confirmed', over); };

interface Msg { topic: string; payload: Buffer; retain: boolean; at: number }

/** A real MQTT subscriber recording everything under some topic filters. */
class Recorder {
  readonly messages: Msg[] = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => this.messages.push({ topic, payload, retain: packet.retain, at: Date.now() }));
  }

  static async open(url: string, filters: string[], options: IClientOptions = {}): Promise<Recorder> {
    const client = connect(url, { reconnectPeriod: 50, connectTimeout: 5000, ...options });
    client.on('error', () => {});
    const r = new Recorder(client);
    await new Promise<void>((ok, fail) => { client.once('connect', () => ok()); client.once('error', fail); });
    await client.subscribeAsync(filters, { qos: 1 });
    return r;
  }

  on(topic: string): Msg[] { return this.messages.filter((m) => m.topic === topic); }
  text(topic: string): string[] { return this.on(topic).map((m) => m.payload.toString()); }

  async waitFor(pred: (m: Msg) => boolean, what: string, timeoutMs = 5000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find(pred);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${this.messages.map((x) => x.topic).join(', ')}`);
      await sleep(20);
    }
  }

  async close(): Promise<void> { await this.client.endAsync(true); }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The retained messages under the filters right now (a fresh subscriber's view). */
async function retainedNow(url: string, filters: string[], settleMs = 300): Promise<Map<string, Buffer>> {
  const r = await Recorder.open(url, filters);
  await sleep(settleMs);
  await r.close();
  return new Map(r.messages.filter((m) => m.retain).map((m) => [m.topic, m.payload]));
}

/** Delete every retained message under the filters (empty retained payloads). */
async function clearRetained(url: string, filters: string[]): Promise<void> {
  const retained = await retainedNow(url, filters);
  if (!retained.size) return;
  const c = connect(url);
  c.on('error', () => {});
  await new Promise<void>((ok) => c.once('connect', () => ok()));
  for (const topic of retained.keys()) await c.publishAsync(topic, '', { qos: 1, retain: true });
  await c.endAsync();
}


const logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

interface Setup {
  base: string;
  ha: string;
  url: string;
  sightings: SightingService;
  alerts: EventEmitter<AlertServiceEvents>;
  people: { id: string; name: string }[];
  publisher: MqttPublisher;
  client: () => MqttClient;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

function setup(url: string, options: Record<string, unknown> = {}, deps: Partial<MqttPublisherDeps> = {}): Setup {
  const id = randomUUID().slice(0, 8);
  const base = `fst-test-${id}/facestream`;
  const ha = `fst-test-${id}/homeassistant`;
  const sightings = sightingService();
  const alerts = new EventEmitter<AlertServiceEvents>();
  const people = [{ id: 'p-lin', name: 'Lin-Manuel Miranda' }];
  let client: MqttClient | undefined;
  const publisher = new MqttPublisher(
    mqttSchema.parse({ enabled: true, url, baseTopic: base, discoveryPrefix: ha, reconnectMinMs: 200, reconnectMaxMs: 1000, ...options }),
    {
      sightings, alerts, logger, people: { list: () => people }, cameras: { list: () => [{ id: 'cam1', name: 'Front door' }] }, version: '0.1.0',
      connect: (u, o) => (client = connect(u, o)),
      ...deps,
    },
  );
  cleanups.push(async () => {
    await publisher.close();
    if (url === sharedBroker) await clearRetained(url, [`${base}/#`, `${ha}/#`]);
  });
  return { base, ha, url, sightings, alerts, people, publisher, client: () => client! };
}

const configOf = (r: Recorder, component: string, name: string) =>
  r.messages.find((m) => m.topic.includes(`/${component}/`) && m.topic.endsWith('/config') && m.payload.length > 0 && JSON.parse(m.payload.toString()).name === name);

describe('MQTT publisher against a real Mosquitto', () => {
  it('publishes sightings, retained snapshot / last person / camera status / hub status, alerts and Home Assistant discovery', async () => {
    const s = setup(sharedBroker);
    const rec = await Recorder.open(sharedBroker, [`${s.base}/#`, `${s.ha}/#`]);
    cleanups.push(() => rec.close());
    s.publisher.start();
    await until(() => s.publisher.connected, 'connected');
    await rec.waitFor((m) => m.topic === `${s.base}/status` && m.payload.toString() === 'online', 'online');

    // discovery for the camera and the person known at start
    await until(() => !!configOf(rec, 'binary_sensor', 'Lin-Manuel Miranda present at Front door') && !!configOf(rec, 'camera', 'Front door snapshot'), 'discovery at start');
    const sensor = JSON.parse(configOf(rec, 'sensor', 'Front door last person seen')!.payload.toString());
    expect(sensor).toMatchObject({
      state_topic: `${s.base}/cameras/cam1/last_person`, availability_topic: `${s.base}/status`, payload_available: 'online', payload_not_available: 'offline',
      device: { manufacturer: 'facestream', sw_version: '0.1.0' },
    });
    expect(sensor.unique_id).toMatch(/^facestream_/);
    const camera = JSON.parse(configOf(rec, 'camera', 'Front door snapshot')!.payload.toString());
    expect(camera).toMatchObject({ topic: `${s.base}/cameras/cam1/snapshot`, availability_topic: `${s.base}/status` });
    const presenceConfig = JSON.parse(configOf(rec, 'binary_sensor', 'Lin-Manuel Miranda present at Front door')!.payload.toString());
    expect(presenceConfig).toMatchObject({ state_topic: `${s.base}/people/p-lin/cam1/presence`, payload_on: 'ON', payload_off: 'OFF', device_class: 'presence' });
    expect(new Set([sensor.unique_id, camera.unique_id, presenceConfig.unique_id]).size).toBe(3);

    // a named sighting: confirmed, then closed
    const u = newTrack();
    s.sightings.save(u);
    const confirmed = await rec.waitFor((m) => m.topic === `${s.base}/sightings`, 'sighting');
    const msg = mqttSightingMessageSchema.parse(JSON.parse(confirmed.payload.toString()));
    expect(msg).toMatchObject({ version: 1, event: 'confirmed', sightingId: 1, cameraId: 'cam1', personId: 'p-lin', name: 'Lin-Manuel Miranda', unknown: null, score: 0.93 });
    expect(confirmed.payload.toString()).not.toContain(u.crop!);
    await rec.waitFor((m) => m.topic === `${s.base}/cameras/cam1/snapshot`, 'snapshot');
    expect(rec.on(`${s.base}/cameras/cam1/snapshot`)[0]!.payload.equals(Buffer.from(u.crop!, 'base64'))).toBe(true);
    await rec.waitFor((m) => m.topic === `${s.base}/cameras/cam1/last_person` && m.payload.toString() === 'Lin-Manuel Miranda', 'last person');
    s.sightings.update({ ...u, status: 'closed', frames: 9 });
    await until(() => rec.on(`${s.base}/sightings`).length === 2, 'closed sighting');
    expect(JSON.parse(rec.on(`${s.base}/sightings`)[1]!.payload.toString())).toMatchObject({ event: 'closed', sightingId: 1, frames: 9 });

    // an unknown face on a camera not known at start: discovery for it, last person 'unknown'
    s.sightings.save(newTrack({ id: 'cam2:x', cameraId: 'cam2', personId: null, name: null, unknownId: 4, label: 'unknown #4', maxScore: null, meanScore: null }));
    await rec.waitFor((m) => m.topic === `${s.base}/cameras/cam2/last_person` && m.payload.toString() === 'unknown', 'unknown last person');
    await until(() => !!configOf(rec, 'sensor', 'cam2 last person seen') && !!configOf(rec, 'binary_sensor', 'Lin-Manuel Miranda present at cam2'), 'cam2 discovery');
    expect(JSON.parse(rec.on(`${s.base}/sightings`)[2]!.payload.toString())).toMatchObject({ cameraId: 'cam2', name: null, unknown: { id: 4, label: 'unknown #4' }, score: null });

    // camera status (masked URL), retained; its name renames the entities
    const status: CameraStatus = {
      version: 1, cameraId: 'cam2', name: 'Back yard', url: 'rtsp://admin:secret@10.0.0.9/live', state: 'online', lastFrameAt: Date.now(), fps: 2, droppedFps: 0,
      framesTotal: 100, droppedTotal: 0, reconnects: 1, lastError: null, nextRetryAt: null, updatedAt: Date.now(),
    };
    s.sightings.emit('camera.status', status);
    const st = await rec.waitFor((m) => m.topic === `${s.base}/cameras/cam2/status`, 'camera status');
    expect(JSON.parse(st.payload.toString())).toMatchObject({ cameraId: 'cam2', state: 'online', url: 'rtsp://***:***@10.0.0.9/live' });
    await until(() => !!configOf(rec, 'sensor', 'Back yard last person seen'), 'renamed camera');

    // an alert
    const alert = {
      id: 11, ruleId: 'r1', subject: 'p-lin', sightingId: 1, personId: 'p-lin', cameraId: 'cam1', at: new Date().toISOString(), delivery: 'none', attempts: 0, lastError: null,
      payload: {
        version: 1, id: 11, type: 'alert', firedAt: new Date().toISOString(), rule: { id: 'r1', name: 'Lin at the door', kind: 'person' },
        sighting: { id: 1, cameraId: 'cam1', personId: 'p-lin', label: 'Lin-Manuel Miranda', firstSeen: msg.firstSeen, lastSeen: msg.lastSeen, score: 0.93 },
        person: { id: 'p-lin', name: 'Lin-Manuel Miranda' }, camera: { id: 'cam1', name: 'Front door' }, crop: { jpegBase64: u.crop! },
      },
    } as AlertEvent;
    s.alerts.emit('alert', alert, { id: 'r1' } as AlertRule);
    const a = await rec.waitFor((m) => m.topic === `${s.base}/alerts`, 'alert');
    expect(JSON.parse(a.payload.toString())).toEqual({ ...alert.payload, crop: null });

    // what a client connecting later gets: the retained state
    await until(() => s.publisher.pending === 0, 'all sent');
    const retained = await retainedNow(sharedBroker, [`${s.base}/#`]);
    expect(retained.get(`${s.base}/status`)?.toString()).toBe('online');
    expect(retained.get(`${s.base}/cameras/cam1/snapshot`)?.equals(jpeg(`t${track - 1}`))).toBe(true);
    expect(retained.get(`${s.base}/cameras/cam1/last_person`)?.toString()).toBe('Lin-Manuel Miranda');
    expect(retained.get(`${s.base}/cameras/cam2/last_person`)?.toString()).toBe('unknown');
    expect(JSON.parse(retained.get(`${s.base}/cameras/cam2/status`)!.toString()).name).toBe('Back yard');
    expect(retained.has(`${s.base}/sightings`)).toBe(false);
    expect(retained.has(`${s.base}/alerts`)).toBe(false);
    expect(s.publisher.counts).toMatchObject({ buffered: 0, dropped: 0 });
    expect(s.publisher.counts.published).toBeGreaterThan(15);

    // closing: 'offline', retained
    await s.publisher.close();
    expect((await retainedNow(sharedBroker, [`${s.base}/status`])).get(`${s.base}/status`)?.toString()).toBe('offline');
  });

  it('presence: ON on a confirmed sighting, OFF presenceTimeoutS after the last update; removal on personRemoved', async () => {
    const s = setup(sharedBroker, { presenceTimeoutS: 1 });
    const rec = await Recorder.open(sharedBroker, [`${s.base}/#`, `${s.ha}/#`]);
    cleanups.push(() => rec.close());
    s.publisher.start();
    await until(() => s.publisher.connected, 'connected');
    const presence = `${s.base}/people/p-lin/cam1/presence`;

    const u = newTrack();
    const t0 = Date.now();
    s.sightings.save(u);
    await rec.waitFor((m) => m.topic === presence && m.payload.toString() === 'ON', 'presence ON');
    await sleep(600);
    const tUpdate = Date.now();
    s.sightings.update({ ...u, status: 'closed' });
    const off = await rec.waitFor((m) => m.topic === presence && m.payload.toString() === 'OFF', 'presence OFF', 5000);
    // the update restarted the timer: OFF a full timeout after it, not after the first sighting
    expect(off.at - tUpdate).toBeGreaterThanOrEqual(950);
    expect(off.at - t0).toBeGreaterThanOrEqual(1550);
    expect(off.at - tUpdate).toBeLessThan(4000);
    expect(rec.text(presence)).toEqual(['ON', 'OFF']);

    // a person enrolled after the start: discovered with their first sighting
    s.people.push({ id: 'p-ren', name: 'Renée Elise Goldsberry' });
    s.sightings.save(newTrack({ personId: 'p-ren', name: 'Renée Elise Goldsberry', label: 'Renée Elise Goldsberry' }));
    await rec.waitFor((m) => m.topic === `${s.base}/people/p-ren/cam1/presence` && m.payload.toString() === 'ON', 'new person ON');
    await until(() => !!configOf(rec, 'binary_sensor', 'Renée Elise Goldsberry present at Front door'), 'new person config');
    const renTopic = configOf(rec, 'binary_sensor', 'Renée Elise Goldsberry present at Front door')!.topic;

    // deleted: the entity and its state disappear (empty retained payloads)
    s.publisher.personRemoved('p-ren');
    await rec.waitFor((m) => m.topic === renTopic && m.payload.length === 0, 'config removal');
    await rec.waitFor((m) => m.topic === `${s.base}/people/p-ren/cam1/presence` && m.payload.length === 0, 'state removal');
    await until(() => s.publisher.pending === 0, 'all sent');
    const retained = await retainedNow(sharedBroker, [`${s.ha}/#`, `${s.base}/people/#`]);
    expect(retained.has(renTopic)).toBe(false);
    expect(retained.has(`${s.base}/people/p-ren/cam1/presence`)).toBe(false);
    expect(retained.get(presence)?.toString()).toBe('OFF');
    expect([...retained.keys()].filter((t) => t.includes('/binary_sensor/'))).toHaveLength(1);
    // the removed person's sightings no longer turn on a presence
    s.people.splice(1, 1);
    s.sightings.save(newTrack({ personId: 'p-ren', name: 'Renée Elise Goldsberry', label: 'Renée Elise Goldsberry' }));
    await until(() => rec.on(`${s.base}/sightings`).length === 4, 'sighting of a removed person');
    await sleep(200);
    expect(rec.on(`${s.base}/people/p-ren/cam1/presence`).filter((m) => m.payload.toString() === 'ON')).toHaveLength(1);
  });

  it("the broker publishes the hub's last will 'offline' when its connection dies; 'online' again after the reconnect", async () => {
    const s = setup(sharedBroker);
    const rec = await Recorder.open(sharedBroker, [`${s.base}/status`]);
    cleanups.push(() => rec.close());
    s.publisher.start();
    await rec.waitFor((m) => m.payload.toString() === 'online', 'online');
    s.client().stream.destroy(); // as if the hub process died: no DISCONNECT packet
    await rec.waitFor((m) => m.payload.toString() === 'offline', 'last will', 10_000);
    await until(() => rec.text(`${s.base}/status`).at(-1) === 'online' && rec.text(`${s.base}/status`).length >= 3, 'online again', 10_000);
    // QoS 1 is at least once: a publish in flight when the connection died is sent again, so 'online' may repeat
    expect(rec.text(`${s.base}/status`).join(' ')).toMatch(/^online offline( online)+$/);
  });

  it('buffers while the broker is down and flushes after it restarts; retained state is restored; reconnect backoff is capped', async () => {
    const broker = await PrivateMosquitto.start();
    cleanups.push(() => broker.dispose());
    const s = setup(broker.url, { reconnectMinMs: 200, reconnectMaxMs: 3000 });
    const rec1 = await Recorder.open(broker.url, [`${s.base}/#`, `${s.ha}/#`], { reconnectPeriod: 0 });
    s.publisher.start();
    await until(() => s.publisher.connected, 'connected');
    s.sightings.save(newTrack());
    await rec1.waitFor((m) => m.topic === `${s.base}/sightings`, 'first sighting');
    await until(() => s.publisher.pending === 0, 'all sent');
    await rec1.close();
    const before = { ...s.publisher.counts };
    expect(before).toMatchObject({ buffered: 0, dropped: 0 });

    const periods: number[] = [];
    s.client().on('reconnect', () => periods.push(s.client().options.reconnectPeriod!));
    await broker.kill();
    await until(() => !s.publisher.connected, 'disconnected');

    // the hub goes on: sightings while the broker is down are buffered, never block
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const u = newTrack({ cameraId: 'cam3', id: `cam3:${i}` });
      ids.push(u.id);
      const t = performance.now();
      s.sightings.save(u);
      expect(performance.now() - t).toBeLessThan(200);
    }
    expect(s.publisher.counts).toEqual({ ...before, buffered: 3, dropped: 0 });

    // restart only right after a failed attempt with a long next delay, so the subscriber is back before the publisher
    await until(() => (periods.at(-1) ?? 0) >= 1500, 'backoff to grow', 15_000);
    await broker.start();
    const rec2 = await Recorder.open(broker.url, [`${s.base}/#`, `${s.ha}/#`]);
    cleanups.push(() => rec2.close());
    await until(() => s.publisher.connected, 'reconnected', 5000);
    await until(() => rec2.on(`${s.base}/sightings`).length === 3, 'buffered sightings');
    expect(rec2.on(`${s.base}/sightings`).map((m) => JSON.parse(m.payload.toString()).cameraId)).toEqual(['cam3', 'cam3', 'cam3']);
    expect(rec2.on(`${s.base}/sightings`).map((m) => JSON.parse(m.payload.toString()).sightingId)).toEqual([2, 3, 4]);
    expect(Math.max(...periods)).toBeLessThanOrEqual(3000);
    expect(periods[0]).toBeLessThanOrEqual(400);

    // the restarted broker (no persistence) lost every retained message: the publisher sent them again
    await until(() => s.publisher.pending === 0, 'all sent');
    const retained = await retainedNow(broker.url, [`${s.base}/#`, `${s.ha}/#`]);
    expect(retained.get(`${s.base}/status`)?.toString()).toBe('online');
    expect(retained.get(`${s.base}/cameras/cam1/last_person`)?.toString()).toBe('Lin-Manuel Miranda');
    expect(retained.get(`${s.base}/cameras/cam3/snapshot`)?.equals(jpeg(`t${track}`))).toBe(true);
    expect([...retained.keys()].filter((t) => t.startsWith(`${s.ha}/`) && t.includes('/binary_sensor/'))).toHaveLength(2);
    expect(s.publisher.counts.buffered).toBe(3);
    expect(s.publisher.counts.dropped).toBe(0);
    expect(s.publisher.counts.published).toBeGreaterThanOrEqual(before.published + 3 + retained.size);
  });

  it('an outage longer than maxBuffered events drops the oldest and counts every drop', async () => {
    const broker = await PrivateMosquitto.start();
    cleanups.push(() => broker.dispose());
    await broker.kill(); // the port is ours; the hub starts with the broker down
    const s = setup(broker.url, { maxBuffered: 5, reconnectMinMs: 200, reconnectMaxMs: 3000 });
    const periods: number[] = [];
    s.publisher.start();
    s.client().on('reconnect', () => periods.push(s.client().options.reconnectPeriod!));
    for (let i = 0; i < 8; i++) s.sightings.save(newTrack({ id: `cam1:o${i}` }));
    expect(s.publisher.counts).toEqual({ published: 0, buffered: 8, dropped: 3 });
    expect(s.publisher.connected).toBe(false);

    await until(() => (periods.at(-1) ?? 0) >= 1500, 'backoff to grow', 15_000);
    await broker.start();
    const rec = await Recorder.open(broker.url, [`${s.base}/#`]);
    cleanups.push(() => rec.close());
    await until(() => rec.on(`${s.base}/sightings`).length === 5, 'surviving sightings');
    await sleep(200);
    expect(rec.on(`${s.base}/sightings`).map((m) => JSON.parse(m.payload.toString()).sightingId)).toEqual([4, 5, 6, 7, 8]);
    expect(s.publisher.counts).toMatchObject({ buffered: 8, dropped: 3 });
    // retained state was coalesced, never dropped: the newest last person and snapshot are there
    await until(() => s.publisher.pending === 0, 'all sent');
    expect(rec.on(`${s.base}/cameras/cam1/snapshot`).at(-1)!.payload.equals(jpeg(`t${track}`))).toBe(true);
    expect(rec.on(`${s.base}/cameras/cam1/snapshot`)).toHaveLength(1);
  });
});
