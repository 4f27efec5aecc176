import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mqttSchema } from '../../../../src/config/schema.js';
import type { CameraStatus } from '../../../../src/contracts/camera.schema.js';
import type { Sighting } from '../../../../src/contracts/sighting.schema.js';
import { alertPayloadSchema, type AlertPayload } from '../../../../src/contracts/alert-rule.schema.js';
import {
  BoundedQueue, MqttPublisher, alertMessage, cameraDiscovery, cameraStatusMessage, haId, lastPersonOf, mqttSightingMessageSchema,
  mqttTopics, presenceDiscovery, presenceRemoval, sightingMessage, topicSegment, type DiscoveryContext,
} from '../../../../src/notify/mqtt/index.js';

const hostile = ['a/b', 'a+b', 'a#b', 'a\u0000b', '+', '#', '/', '', '../..', 'cam/+/#', '$SYS', 'x\u0007y', '\uD800', 'é😀', 'a'.repeat(500)];

describe('topic segments', () => {
  it('keeps safe ids unchanged', () => {
    for (const id of ['cam1', 'front-door', 'p_42', '6f1c2f5e-3a7b-4c1d-9e2f-0123456789ab', 'é😀', 'with space']) expect(topicSegment(id)).toBe(id);
  });

  it('never lets an id add levels, wildcards, NUL or control characters', () => {
    for (const id of hostile) {
      const seg = topicSegment(id);
      // eslint-disable-next-line no-control-regex
      expect(seg, JSON.stringify(id)).not.toMatch(/[+#/\u0000-\u001f\u007f-\u009f]/);
      expect(seg.length).toBeGreaterThan(0);
      expect(seg.length).toBeLessThanOrEqual(128);
      expect(Buffer.from(seg, 'utf8').toString('utf8')).toBe(seg); // well-formed UTF-8
    }
  });

  it('gives different hostile ids different segments', () => {
    const segs = new Set(['a/b', 'a+b', 'a#b', 'a\u0000b', 'a_b'].map(topicSegment));
    expect(segs.size).toBe(5);
    expect(topicSegment('a/b')).toMatch(/^a_b~[0-9a-f]{8}$/);
  });

  it('builds every topic under the base, one level per id', () => {
    const t = mqttTopics('site/facestream');
    expect(t.status).toBe('site/facestream/status');
    expect(t.sightings).toBe('site/facestream/sightings');
    expect(t.alerts).toBe('site/facestream/alerts');
    expect(t.snapshot('cam1')).toBe('site/facestream/cameras/cam1/snapshot');
    expect(t.cameraStatus('cam1')).toBe('site/facestream/cameras/cam1/status');
    expect(t.lastPerson('cam1')).toBe('site/facestream/cameras/cam1/last_person');
    expect(t.presence('p1', 'cam1')).toBe('site/facestream/people/p1/cam1/presence');
    for (const id of hostile) {
      expect(t.presence(id, id).split('/')).toHaveLength(6);
      expect(t.snapshot(id).split('/')).toHaveLength(5);
      // eslint-disable-next-line no-control-regex
      expect(t.presence(id, 'cam1')).not.toMatch(/[+#\u0000]/);
    }
  });

  it('makes Home Assistant ids of [A-Za-z0-9_-] only', () => {
    expect(haId('facestream')).toBe('facestream');
    for (const id of hostile) expect(haId(id)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(haId('a/b')).not.toBe(haId('a+b'));
  });

  it('refuses wildcard, empty-level and $ base topics in the config', () => {
    expect(mqttSchema.parse({}).baseTopic).toBe('facestream');
    for (const bad of ['a/+', 'a/#', '/a', 'a/', 'a//b', '$SYS/x', 'a\u0000b', '']) {
      expect(mqttSchema.safeParse({ baseTopic: bad }).success, bad).toBe(false);
      expect(mqttSchema.safeParse({ discoveryPrefix: bad }).success, bad).toBe(false);
    }
    expect(mqttSchema.safeParse({ url: 'http://broker' }).success).toBe(false);
    expect(mqttSchema.safeParse({ url: 'mqtts://user:pw@broker:8883' }).success).toBe(true);
  });
});

const sighting = (over: Partial<Sighting> = {}): Sighting => ({
  id: 7, cameraId: 'cam1', personId: 'p-lin', label: 'Lin-Manuel Miranda', firstSeen: '2025-01-02T03:04:05.600Z', lastSeen: '2025-01-02T03:04:06.000Z',
  maxScore: 0.93, meanScore: 0.9, bestDistance: 0.07, frames: 5, cropPath: 'crops/sightings/7.jpg', trackId: 't1', metadata: { unknownId: null, sightingId: 'cam1:t1' },
  ...over,
});

describe('payloads', () => {
  it('sighting message: named', () => {
    const m = sightingMessage('confirmed', sighting());
    expect(mqttSightingMessageSchema.parse(m)).toEqual({
      version: 1, event: 'confirmed', sightingId: 7, cameraId: 'cam1', personId: 'p-lin', name: 'Lin-Manuel Miranda', unknown: null,
      score: 0.93, firstSeen: '2025-01-02T03:04:05.600Z', lastSeen: '2025-01-02T03:04:06.000Z', frames: 5,
    });
    expect(JSON.stringify(m)).not.toContain('crop');
  });

  it('sighting message: unknown faces carry no name and no score', () => {
    const m = sightingMessage('closed', sighting({ personId: null, label: 'unknown #3', maxScore: 0, metadata: { unknownId: 3 } }));
    expect(m).toMatchObject({ event: 'closed', personId: null, name: null, unknown: { id: 3, label: 'unknown #3' }, score: null });
    expect(sightingMessage('relabelled', sighting({ personId: null, label: 'unknown', metadata: {} })).unknown).toEqual({ id: null, label: 'unknown' });
  });

  it('last person: the name, or unknown (never a stranger number)', () => {
    expect(lastPersonOf(sighting())).toBe('Lin-Manuel Miranda');
    expect(lastPersonOf(sighting({ personId: null, label: 'unknown #3' }))).toBe('unknown');
  });

  it('alert message: the webhook payload without the inline crop', () => {
    const payload: AlertPayload = {
      version: 1, id: 1, type: 'alert', firedAt: '2025-01-02T03:04:06.000Z', rule: { id: 'r1', name: 'Lin', kind: 'person' },
      sighting: { id: 7, cameraId: 'cam1', personId: 'p-lin', label: 'Lin-Manuel Miranda', firstSeen: 'a', lastSeen: 'b', score: 0.93 },
      person: { id: 'p-lin', name: 'Lin-Manuel Miranda' }, camera: { id: 'cam1', name: 'Front door' }, crop: { jpegBase64: 'AAAA' },
    };
    expect(alertPayloadSchema.parse(alertMessage(payload)).crop).toBeNull();
    expect(alertMessage({ ...payload, crop: { url: 'http://hub/c.jpg' } }).crop).toEqual({ url: 'http://hub/c.jpg' });
  });

  it('camera status: credentials masked', () => {
    const s = cameraStatus({ url: 'rtsp://admin:secret@10.0.0.2/stream', lastError: 'rtsp://admin:secret@10.0.0.2/stream: 401' });
    const m = JSON.stringify(cameraStatusMessage(s));
    expect(m).not.toContain('secret');
    expect(m).toContain('rtsp://***:***@10.0.0.2/stream');
  });
});

const cameraStatus = (over: Partial<CameraStatus> = {}): CameraStatus => ({
  version: 1, cameraId: 'cam1', name: 'Front door', url: 'rtsp://cam/stream', state: 'online', lastFrameAt: 1, fps: 2, droppedFps: 0,
  framesTotal: 10, droppedTotal: 0, reconnects: 0, lastError: null, nextRetryAt: null, updatedAt: 1, ...over,
});

describe('Home Assistant discovery', () => {
  const ctx: DiscoveryContext = { prefix: 'homeassistant', baseTopic: 'facestream', topics: mqttTopics('facestream'), version: '0.1.0' };

  it('per camera: a last person sensor and a snapshot camera, on the hub device, available with the hub', () => {
    const [sensor, camera] = cameraDiscovery(ctx, { id: 'cam1', name: 'Front door' });
    expect(sensor!.topic).toMatch(/^homeassistant\/sensor\/facestream\/cam1_last_person_[0-9a-f]{8}\/config$/);
    expect(sensor!.payload).toMatchObject({
      name: 'Front door last person seen', state_topic: 'facestream/cameras/cam1/last_person', availability_topic: 'facestream/status',
      payload_available: 'online', payload_not_available: 'offline',
      device: { identifiers: ['facestream_facestream'], name: 'facestream', manufacturer: 'facestream', sw_version: '0.1.0' },
    });
    expect(camera!.topic).toMatch(/^homeassistant\/camera\/facestream\/cam1_snapshot_[0-9a-f]{8}\/config$/);
    expect(camera!.payload).toMatchObject({ name: 'Front door snapshot', topic: 'facestream/cameras/cam1/snapshot', availability_topic: 'facestream/status' });
    expect(sensor!.payload!.unique_id).not.toBe(camera!.payload!.unique_id);
  });

  it('per person and camera: a presence binary sensor; removal is an empty config', () => {
    const m = presenceDiscovery(ctx, { id: 'p-lin', name: 'Lin-Manuel Miranda' }, { id: 'cam1', name: 'Front door' });
    expect(m.topic).toMatch(/^homeassistant\/binary_sensor\/facestream\/p-lin_cam1_presence_[0-9a-f]{8}\/config$/);
    expect(m.payload).toMatchObject({
      name: 'Lin-Manuel Miranda present at Front door', state_topic: 'facestream/people/p-lin/cam1/presence',
      payload_on: 'ON', payload_off: 'OFF', device_class: 'presence', availability_topic: 'facestream/status',
    });
    expect(presenceRemoval(ctx, 'p-lin', 'cam1')).toEqual({ topic: m.topic, payload: null });
  });

  it('hostile ids give valid, distinct discovery topics and unique ids', () => {
    const topics = new Set<string>();
    const uniqueIds = new Set<unknown>();
    for (const id of hostile) {
      const m = presenceDiscovery(ctx, { id, name: 'x' }, { id: `${id}/cam`, name: 'y' });
      expect(m.topic.split('/')).toHaveLength(5);
      expect(m.topic.split('/')[3]).toMatch(/^[A-Za-z0-9_-]+$/);
      topics.add(m.topic);
      uniqueIds.add(m.payload!.unique_id);
      // the ambiguity of joining ids with '_' is resolved by the hash
      expect(presenceDiscovery(ctx, { id: 'a_b', name: 'x' }, { id: 'c', name: 'y' }).topic).not.toBe(presenceDiscovery(ctx, { id: 'a', name: 'x' }, { id: 'b_c', name: 'y' }).topic);
    }
    expect(topics.size).toBe(hostile.length);
    expect(uniqueIds.size).toBe(hostile.length);
    const other = { ...ctx, baseTopic: 'site/b', topics: mqttTopics('site/b') };
    expect(cameraDiscovery(other, { id: 'cam1', name: 'c' })[0]!.topic.split('/')[2]).toMatch(/^site_b_[0-9a-f]{8}$/);
  });
});

describe('bounded queue', () => {
  it('drops the oldest beyond capacity and reports it', () => {
    const q = new BoundedQueue<number>(3);
    expect([1, 2, 3].map((n) => q.push(n))).toEqual([0, 0, 0]);
    expect(q.push(4)).toBe(1);
    expect(q.size).toBe(3);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([2, 3, 4, undefined]);
    for (let i = 0; i < 10_000; i++) q.push(i);
    expect(q.size).toBe(3);
    expect(q.shift()).toBe(9997);
  });
});

/** An mqtt.js client stand-in: records publishes; acks at once; connect/disconnect on demand. */
class FakeClient extends EventEmitter {
  connected = false;
  options = { reconnectPeriod: 0 };
  published: { topic: string; payload: string; retain: boolean }[] = [];
  ended = 0;
  publish(topic: string, payload: string | Buffer, opts: { retain?: boolean }, cb: (err?: Error) => void): this {
    this.published.push({ topic, payload: payload.toString(), retain: opts.retain === true });
    queueMicrotask(() => cb());
    return this;
  }
  subscribe(_t: string, _o: unknown, cb: (err: Error | null) => void): this { cb(null); return this; }
  end(_force: boolean, _o: unknown, cb: () => void): this { this.ended++; this.connected = false; cb(); return this; }
  up(): void { this.connected = true; this.emit('connect'); }
  down(): void { this.connected = false; this.emit('close'); }
  take(): { topic: string; payload: string; retain: boolean }[] { return this.published.splice(0); }
}

function harness(over: Record<string, unknown> = {}) {
  const sightings = new EventEmitter();
  const alerts = new EventEmitter();
  const client = new FakeClient();
  const people = [{ id: 'p-lin', name: 'Lin-Manuel Miranda' }, { id: 'p-ren', name: 'Renée Goldsberry' }];
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn() };
  const options = mqttSchema.parse({ enabled: true, presenceTimeoutS: 60, maxBuffered: 3, password: 'hunter2', url: 'mqtt://bob:hunter2@broker:1883', ...over });
  const publisher = new MqttPublisher(options, {
    sightings: sightings as never, alerts: alerts as never, logger, people: { list: () => people }, cameras: { list: () => [{ id: 'cam1', name: 'Front door' }] },
    connect: () => client as unknown as MqttClient,
  });
  const confirm = (s: Partial<Sighting> = {}, crop: string | null = Buffer.from('jpeg').toString('base64')) => sightings.emit('sighting.confirmed', { sighting: sighting(s), crop });
  const close = (s: Partial<Sighting> = {}) => sightings.emit('sighting.closed', { sighting: sighting(s), crop: null });
  return { sightings, alerts, client, people, logger, publisher, confirm, close };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('MqttPublisher (fake client)', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('sends status first on connect, then retained state, then buffered events; coalesces retained state', async () => {
    const h = harness();
    h.publisher.start();
    h.confirm();
    h.confirm({ id: 8, personId: null, label: 'unknown #1' });
    expect(h.publisher.counts).toEqual({ published: 0, buffered: 2, dropped: 0 });
    h.client.up();
    await flush();
    const sent = h.client.take();
    expect(sent[0]).toEqual({ topic: 'facestream/status', payload: 'online', retain: true });
    const lastPerson = sent.filter((m) => m.topic === 'facestream/cameras/cam1/last_person');
    expect(lastPerson).toEqual([{ topic: 'facestream/cameras/cam1/last_person', payload: 'unknown', retain: true }]);
    const events = sent.filter((m) => m.topic === 'facestream/sightings').map((m) => JSON.parse(m.payload).sightingId);
    expect(events).toEqual([7, 8]);
    expect(sent.findIndex((m) => m.topic === 'facestream/sightings')).toBeGreaterThan(sent.findIndex((m) => m.topic.endsWith('/config')));
    expect(h.publisher.counts).toEqual({ published: sent.length, buffered: 2, dropped: 0 });
    expect(h.publisher.pending).toBe(0);
    // an unchanged retained state is not sent again
    h.confirm({ id: 9, personId: null, label: 'unknown #2' }, null);
    await flush();
    expect(h.client.take().map((m) => m.topic)).toEqual(['facestream/sightings']);
    await h.publisher.close();
  });

  it('drops the oldest buffered events beyond maxBuffered and counts them', async () => {
    const h = harness();
    h.publisher.start();
    for (let id = 1; id <= 5; id++) h.confirm({ id });
    expect(h.publisher.counts).toEqual({ published: 0, buffered: 5, dropped: 2 });
    expect(h.logger.warn).toHaveBeenCalledWith(expect.objectContaining({ maxBuffered: 3 }), expect.stringContaining('dropped'));
    h.client.up();
    await flush();
    expect(h.client.take().filter((m) => m.topic === 'facestream/sightings').map((m) => JSON.parse(m.payload).sightingId)).toEqual([3, 4, 5]);
    await h.publisher.close();
  });

  it('presence: ON on a sighting, timer restarted by each update, OFF after the timeout', async () => {
    vi.useFakeTimers();
    const h = harness();
    h.publisher.start();
    h.client.up();
    h.confirm();
    await vi.advanceTimersByTimeAsync(0);
    const presence = () => h.client.take().filter((m) => m.topic === 'facestream/people/p-lin/cam1/presence').map((m) => m.payload);
    expect(presence()).toEqual(['ON']);
    await vi.advanceTimersByTimeAsync(50_000);
    h.close();
    await vi.advanceTimersByTimeAsync(50_000);
    expect(presence()).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_001);
    expect(presence()).toEqual(['OFF']);
    await h.publisher.close();
  });

  it('a sighting relabelled away from a person ends their presence at once; last_person follows', async () => {
    const h = harness();
    h.publisher.start();
    h.client.up();
    h.confirm();
    await flush();
    h.client.take();
    h.sightings.emit('sighting.relabelled', sighting({ personId: 'p-ren', label: 'Renée Goldsberry' }));
    await flush();
    const sent = h.client.take();
    expect(sent.find((m) => m.topic === 'facestream/people/p-lin/cam1/presence')?.payload).toBe('OFF');
    expect(sent.find((m) => m.topic === 'facestream/cameras/cam1/last_person')?.payload).toBe('Renée Goldsberry');
    expect(JSON.parse(sent.find((m) => m.topic === 'facestream/sightings')!.payload)).toMatchObject({ event: 'relabelled', personId: 'p-ren' });
    // a correction does not claim the new person is there now
    expect(sent.some((m) => m.topic === 'facestream/people/p-ren/cam1/presence')).toBe(false);
    await h.publisher.close();
  });

  it('an older sighting closing does not replace the newer snapshot; a closed track updates its own', async () => {
    const h = harness();
    h.publisher.start();
    h.client.up();
    h.confirm({ id: 1 }, Buffer.from('one').toString('base64'));
    h.confirm({ id: 2, personId: null, label: 'unknown #1' }, Buffer.from('two').toString('base64'));
    h.sightings.emit('sighting.closed', { sighting: sighting({ id: 1 }), crop: Buffer.from('one-final').toString('base64') });
    await flush();
    const snaps = h.client.take().filter((m) => m.topic === 'facestream/cameras/cam1/snapshot').map((m) => m.payload);
    expect(snaps).toEqual(['one', 'two']);
    h.sightings.emit('sighting.closed', { sighting: sighting({ id: 2, personId: null, label: 'unknown #1' }), crop: Buffer.from('two-final').toString('base64') });
    await flush();
    expect(h.client.take().filter((m) => m.topic === 'facestream/cameras/cam1/snapshot').map((m) => m.payload)).toEqual(['two-final']);
    await h.publisher.close();
  });

  it('a person not enrolled at start is looked up again; a deleted one gets no presence; removal empties configs and states', async () => {
    const h = harness();
    h.publisher.start();
    h.client.up();
    await flush();
    h.client.take();
    h.people.push({ id: 'p-new', name: 'New Person' });
    h.confirm({ id: 3, personId: 'p-new', label: 'New Person' });
    h.confirm({ id: 4, personId: 'p-gone', label: 'Gone' });
    await flush();
    const sent = h.client.take();
    expect(sent.some((m) => m.topic.includes('/binary_sensor/') && JSON.parse(m.payload).name === 'New Person present at Front door')).toBe(true);
    expect(sent.find((m) => m.topic === 'facestream/people/p-new/cam1/presence')?.payload).toBe('ON');
    expect(sent.some((m) => m.topic.startsWith('facestream/people/p-gone/'))).toBe(false);
    h.publisher.personRemoved('p-new');
    await flush();
    const removal = h.client.take();
    expect(removal.map((m) => [m.payload, m.retain])).toEqual([['', true], ['', true]]);
    expect(removal.map((m) => m.topic)).toEqual([expect.stringMatching(/^homeassistant\/binary_sensor\/facestream\/p-new_cam1_presence_[0-9a-f]{8}\/config$/), 'facestream/people/p-new/cam1/presence']);
    await h.publisher.close();
  });

  it('hostile camera ids from events never reach a topic unsanitised', async () => {
    const h = harness();
    h.publisher.start();
    h.client.up();
    h.confirm({ cameraId: 'x/+/#' });
    h.sightings.emit('camera.status', cameraStatus({ cameraId: 'y\u0000#', url: 'rtsp://u:pw@h/s' }));
    await flush();
    const sent = h.client.take();
    // eslint-disable-next-line no-control-regex
    for (const m of sent) expect(m.topic).not.toMatch(/[+#\u0000]|\/\//);
    expect(sent.find((m) => m.topic.endsWith('/status') && m.topic.includes('/cameras/'))!.payload).not.toContain('pw');
    await h.publisher.close();
  });

  it('alerts go to <base>/alerts without the inline crop', async () => {
    const h = harness();
    h.publisher.start();
    h.client.up();
    const payload = { version: 1, id: 5, type: 'alert', firedAt: 'x', rule: { id: 'r', name: 'n', kind: 'unknown' }, sighting: { id: 1, cameraId: 'cam1', personId: null, label: 'unknown #1', firstSeen: 'a', lastSeen: 'b', score: null }, person: null, camera: { id: 'cam1', name: 'Front door' }, crop: { jpegBase64: 'AAAA' } };
    h.alerts.emit('alert', { id: 5, payload }, { id: 'r' });
    await flush();
    const m = h.client.take().find((x) => x.topic === 'facestream/alerts')!;
    expect(JSON.parse(m.payload)).toEqual({ ...payload, crop: null });
    await h.publisher.close();
  });

  it('close is idempotent: unsubscribes, publishes offline, ends the client once; later events are ignored', async () => {
    const h = harness();
    h.publisher.start();
    h.client.up();
    await flush();
    h.client.take();
    await Promise.all([h.publisher.close(), h.publisher.close()]);
    await h.publisher.close();
    expect(h.client.take()).toEqual([{ topic: 'facestream/status', payload: 'offline', retain: true }]);
    expect(h.client.ended).toBe(1);
    expect(h.sightings.listenerCount('sighting.confirmed') + h.sightings.listenerCount('camera.status') + h.alerts.listenerCount('alert')).toBe(0);
    const text = JSON.stringify([h.logger.info.mock.calls, h.logger.warn.mock.calls, h.logger.debug.mock.calls, h.logger.error.mock.calls]);
    expect(text).not.toContain('hunter2');
    expect(text).toContain('mqtt://***:***@broker:1883');
  });

  it('backs off reconnects up to the cap and starts over after a connect', () => {
    const h = harness({ reconnectMinMs: 100, reconnectMaxMs: 1000 });
    h.publisher.start();
    const periods: number[] = [];
    for (let i = 0; i < 12; i++) { h.client.emit('reconnect'); periods.push(h.client.options.reconnectPeriod); }
    expect(Math.max(...periods)).toBeLessThanOrEqual(1000);
    expect(periods.at(-1)).toBeGreaterThanOrEqual(500);
    expect(periods[0]).toBeLessThanOrEqual(200);
    h.client.up();
    expect(h.client.options.reconnectPeriod).toBe(100);
    void h.publisher.close();
  });
});
