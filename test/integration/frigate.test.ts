import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorrectionsService } from '../../src/api/live/corrections.service.js';
import type { Config } from '../../src/config/schema.js';
import type { SightingUpdate } from '../../src/contracts/sighting.schema.js';
import { galleryIdentifier } from '../../src/identify/gallery.identifier.js';
import { PipelineMetrics } from '../../src/metrics/pipeline.metrics.js';
import { startFrigateCompanion } from '../../src/roles/frigate-companion.js';
import { startHubServices, type HubServices } from '../../src/roles/hub.services.js';
import { startHubRole } from '../../src/roles/roles.js';
import type { Hub } from '../../src/track/hub.service.js';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import { dataPath } from '../helpers/data.js';
import { createTestEngine, testConfig } from '../helpers/engine.js';
import { frigateEventMessage, FrigateStandIn, type EventShape } from '../helpers/frigate-standin.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { PrivateMosquitto } from '../../support/private-mosquitto.js';

/**
 * Frigate companion mode end to end, except Frigate itself (it cannot run here): a stand-in for
 * Frigate's HTTP API (test/helpers/frigate-standin.ts) serves real photos from ../shared/data as
 * event snapshots; recorded-shape `frigate/events` messages go through the REAL Mosquitto
 * (127.0.0.1:1883, a unique topic prefix per test; a private one for the broker restart); the
 * hub, its sighting service, gallery, Redis and engine are the real ones, wired by the same
 * composition root as `facestream run` (startHubServices, startHubRole, startFrigateCompanion).
 */

const sharedBroker = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const user = { name: 'facestream', password: 'stand-in-password-1234' };

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const waitFor = async (what: string, cond: () => boolean, ms = 30_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(100);
  }
};
const photo = (rel: string) => readFileSync(dataPath(rel));
let idCounter = 0;
/** A Frigate event id: `<epoch seconds>.<micros>-<random>`. */
const eventId = () => `${Math.floor(Date.now() / 1000)}.${String(++idCounter).padStart(6, '0')}-${randomUUID().slice(0, 6)}`;



/** Metric samples of a counter on a registry, as label-value maps. */
async function samples(registry: Registry, name: string): Promise<{ labels: Record<string, string | number>; value: number }[]> {
  const m = registry.getSingleMetric(name);
  return m ? (await m.get()).values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value })) : [];
}
const sum = (xs: { value: number }[]) => xs.reduce((n, x) => n + x.value, 0);

/** Remove what facestream's MQTT publisher left retained under its base topic on the shared broker. */
async function clearRetained(url: string, base: string): Promise<void> {
  const c = connect(url, { reconnectPeriod: 0 });
  c.on('error', () => {});
  const topics = new Set<string>();
  c.on('message', (topic, payload, packet) => { if (packet.retain && payload.length > 0) topics.add(topic); });
  await new Promise<void>((ok) => { c.once('connect', () => ok()); c.once('error', () => ok()); });
  if (!c.connected) return;
  await c.subscribeAsync(`${base}/#`);
  await sleep(300);
  for (const topic of topics) await c.publishAsync(topic, '', { qos: 1, retain: true });
  await c.endAsync();
}

describe('Frigate companion mode (stand-in Frigate API, real Mosquitto, Redis, engine, gallery)', () => {
  let engine: FacePipeline;
  let services: HubServices;
  let hub: Hub;
  let standin: FrigateStandIn;
  let config: Readonly<Config>;
  let prefix: string;
  let baseTopic: string;
  const updates: SightingUpdate[] = [];
  const logLines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const cleanups: (() => unknown)[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { logLines.push(JSON.parse(line) as (typeof logLines)[number]); } });
  const errorsLogged = () => logLines.filter((l) => l.level >= 50).map((l) => `${l.msg} ${JSON.stringify(l)}`);

  beforeAll(async () => {
    engine = await createTestEngine();
    const dataDir = mkdtempSync(join(tmpdir(), 'fst-frigate-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    prefix = uniquePrefix('frigate');
    cleanups.push(() => cleanupPrefix(sharedRedisUrl, prefix));
    baseTopic = `fst-facestream-${randomUUID().slice(0, 8)}`;
    config = testConfig({
      data: { dir: dataDir },
      redis: { url: sharedRedisUrl, prefix },
      // facestream's own MQTT output, to see that a Frigate sighting is published like a camera's
      mqtt: { enabled: true, url: sharedBroker, baseTopic, discovery: false },
    });
    services = await startHubServices(config, { engine, logger });
    cleanups.push(() => services.close());
    const dir = dataPath('people/gallery');
    for (const name of readdirSync(dir).sort()) {
      const person = services.gallery.people.createPerson(name);
      for (const file of readdirSync(join(dir, name))) await services.gallery.enrollment.enrollPhoto(person.id, join(dir, name, file));
    }
    // LFW DevTest's closest pair: Kim Yong-il enrolled, Tang Jiaxuan (the "relative") not
    const kim = services.gallery.people.createPerson('Kim_Yong-il');
    expect((await services.gallery.enrollment.enrollPhoto(kim.id, dataPath('lfw-view1/images/Kim_Yong-il/Kim_Yong-il_0001.jpg'))).status).toBe('accepted');
    const hubRole = startHubRole(config, { logger, metrics: new PipelineMetrics(new Registry()), identifier: galleryIdentifier(services.gallery.matcher), sink: services.sightings });
    cleanups.push(() => hubRole.close());
    hub = hubRole.hub;
    hub.on('sighting', (s) => updates.push(s));
    standin = await FrigateStandIn.start({ cameras: ['front_door', 'yard', 'porch', 'garage', 'drive'], user });
    cleanups.push(() => standin.close());
  });

  afterAll(async () => {
    for (const c of cleanups.reverse()) { try { await c(); } catch { /* cleaning up anyway */ } }
    engine?.close();
    if (baseTopic) await clearRetained(sharedBroker, baseTopic);
  });

  /** A companion on the shared hub, its own topic prefix (and broker, when given), its own metrics. */
  async function companion(overrides: Record<string, unknown> = {}, broker = sharedBroker) {
    const topicPrefix = `fst-frigate-${randomUUID().slice(0, 8)}`;
    const cfg = testConfig({
      frigate: {
        enabled: true, url: standin.url, username: user.name, password: user.password, mqttUrl: broker, topicPrefix,
        requestTimeoutMs: 1000, reconnectMinMs: 200, reconnectMaxMs: 1000, ...overrides,
      },
    });
    const metrics = new PipelineMetrics(new Registry());
    const role = startFrigateCompanion(cfg, { engine, hub, services, logger, metrics });
    const publisher = connect(broker, { reconnectPeriod: 200 });
    publisher.on('error', () => {});
    await waitFor('companion and publisher connected', () => role.frigate.subscriber.connected && publisher.connected, 15_000);
    // the subscription is acknowledged after the connect: give it a moment
    await sleep(300);
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await role.close();
      await publisher.endAsync(true);
    };
    cleanups.push(close);
    const publish = (type: 'new' | 'update' | 'end', e: EventShape, before?: EventShape) => publisher.publishAsync(`${topicPrefix}/events`, frigateEventMessage(type, e, before));
    return { role, frigate: role.frigate, registry: metrics.registry, publish, close, topicPrefix };
  }

  const rowsOf = (camera: string) => services.gallery.sightings.search({ cameraId: `frigate-${camera}`, limit: 100 }).items;
  const rowOf = (camera: string, id: string) => rowsOf(camera).find((r) => r.trackId === id);
  const closedUpdate = (camera: string, id: string) => updates.find((u) => u.id === `frigate-${camera}:${id}` && u.status === 'closed');
  /** Publish new (+ optional better snapshots) and end, waiting for each snapshot to be analysed. */
  async function runEvent(c: Awaited<ReturnType<typeof companion>>, camera: string, id: string, shots: Buffer[], options: { end?: boolean } = {}) {
    const start = Date.now() / 1000;
    let shape: EventShape = { id, camera, startTime: start, snapshot: null };
    for (const [i, shot] of shots.entries()) {
      standin.setSnapshot(id, shot);
      const before = shape;
      shape = { ...shape, snapshot: { frameTime: start + i + 0.5, score: 0.7 + i * 0.05 }, topScore: 0.7 + i * 0.05 };
      const analysed = c.frigate.folder.counts.analysed + c.frigate.folder.counts.failed;
      await c.publish(i === 0 ? 'new' : 'update', shape, before);
      await waitFor(`snapshot ${i + 1} of ${id} analysed`, () => c.frigate.folder.counts.analysed + c.frigate.folder.counts.failed > analysed);
    }
    if (options.end !== false) {
      await c.publish('end', { ...shape, endTime: start + shots.length + 1 }, shape);
      await waitFor(`${id} closed`, () => c.frigate.folder.openEvents === 0);
    }
    return shape;
  }

  it('a person of the gallery: one sighting with the right name, exactly one sub_label call, published like a camera sighting', async () => {
    const c = await companion();
    const mqttSeen: { topic: string; body: Record<string, unknown> }[] = [];
    const watcher: MqttClient = connect(sharedBroker);
    watcher.on('message', (topic, payload) => { try { mqttSeen.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }); } catch { /* snapshots are JPEG */ } });
    await watcher.subscribeAsync([`${baseTopic}/sightings`, `${baseTopic}/cameras/+/status`]);
    cleanups.push(() => watcher.endAsync(true));

    const id = eventId();
    const start = Date.now() / 1000;
    const newShape: EventShape = { id, camera: 'front_door', startTime: start, snapshot: { frameTime: start + 0.2, score: 0.71 } };
    // Frigate's first message: a small, early snapshot of the person
    standin.setSnapshot(id, photo('people/probes/obama-240p.jpg'));
    await c.publish('new', newShape, { ...newShape, snapshot: null });
    await waitFor('first snapshot analysed', () => c.frigate.folder.counts.analysed >= 1);
    // a better snapshot (a new snapshot frame time), then a zone change that keeps the snapshot
    standin.setSnapshot(id, photo('people/probes/obama1.jpg'));
    const better: EventShape = { ...newShape, snapshot: { frameTime: start + 1.4, score: 0.93 }, topScore: 0.93 };
    await c.publish('update', better, newShape);
    await waitFor('better snapshot analysed', () => c.frigate.folder.counts.analysed >= 2);
    const zones: EventShape = { ...better, zones: ['porch'] };
    await c.publish('update', zones, better);
    await c.publish('end', { ...zones, endTime: start + 3 }, zones);
    await waitFor('the event\'s sighting closed', () => closedUpdate('front_door', id) !== undefined);
    await sleep(800);

    const snaps = standin.snapshotRequests(id);
    expect(snaps.map((r) => r.path)).toEqual([`/api/events/${id}/snapshot.jpg`, `/api/events/${id}/snapshot.jpg`]);
    expect(snaps[0]!.query).toEqual({ crop: '1', bbox: '0', timestamp: '0', quality: '95' });
    expect(snaps.every((r) => /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(r.authorization ?? ''))).toBe(true);
    expect(standin.requests.filter((r) => r.path === '/api/login').length).toBeGreaterThanOrEqual(1);

    const obama = services.gallery.people.personByName('obama')!;
    const rows = rowsOf('front_door').filter((r) => r.trackId === id);
    expect(rows, 'one sighting for the Frigate event').toHaveLength(1);
    expect(rows[0]).toMatchObject({ personId: obama.id, label: 'obama', cameraId: 'frigate-front_door', trackId: id });
    expect(rows[0]!.cropPath).toBeTruthy();
    const fed = closedUpdate('front_door', id)!;
    expect(fed.frames).toBe(2);
    expect(fed.faces?.length).toBe(2);

    const calls = standin.subLabelsOf(id);
    expect(calls, JSON.stringify(calls)).toHaveLength(1);
    expect(calls[0]!.subLabel).toBe('obama');
    expect(calls[0]!.subLabelScore).toBeGreaterThan(0.9);
    expect(calls[0]!.subLabelScore).toBeLessThanOrEqual(1);

    // the one sighting service announced it: facestream's MQTT has it like a camera sighting
    await waitFor('facestream MQTT sighting messages', () => mqttSeen.filter((m) => m.topic === `${baseTopic}/sightings` && m.body.cameraId === 'frigate-front_door').length >= 2, 10_000);
    const published = mqttSeen.filter((m) => m.topic === `${baseTopic}/sightings` && m.body.cameraId === 'frigate-front_door');
    expect(published.map((m) => [m.body.event, m.body.name])).toEqual([['confirmed', 'obama'], ['closed', 'obama']]);
    // the dashboard's camera list: Frigate's cameras beside facestream's own, marked
    const cams = services.cameras.statuses().filter((s) => s.source === 'frigate');
    expect(cams.map((s) => s.cameraId)).toEqual(expect.arrayContaining(['frigate-front_door', 'frigate-yard']));
    const front = cams.find((s) => s.cameraId === 'frigate-front_door')!;
    expect(front).toMatchObject({ name: 'front_door (Frigate)', state: 'online', source: 'frigate' });
    await waitFor('camera status on MQTT', () => mqttSeen.some((m) => m.topic === `${baseTopic}/cameras/frigate-front_door/status`), 10_000);

    const events = await samples(c.registry, 'facestream_frigate_events_total');
    expect(sum(events.filter((s) => s.labels.camera === 'front_door'))).toBe(4);
    expect(sum(await samples(c.registry, 'facestream_frigate_dropped_total'))).toBe(0);
    expect(errorsLogged()).toEqual([]);
    await c.close();
  });

  it('a stranger: an unknown sighting in a stranger cluster, and no sub_label', async () => {
    const c = await companion();
    const id = eventId();
    await runEvent(c, 'yard', id, [photo('lfw-view1/images/Alejandro_Toledo/Alejandro_Toledo_0020.jpg')]);
    await waitFor('closed', () => closedUpdate('yard', id) !== undefined);
    await sleep(500);
    const row = rowOf('yard', id)!;
    expect(row.personId).toBeNull();
    expect(row.label).toMatch(/^unknown #\d+$/);
    const cluster = services.gallery.corrections.listClusters({ limit: 1000 }).items.find((k) => services.gallery.corrections.clusterSightingIds(k.key).includes(row.id));
    expect(cluster, 'joined a stranger cluster').toBeDefined();
    expect(standin.subLabelsOf(id)).toEqual([]);
    expect(errorsLogged()).toEqual([]);
    await c.close();
  });

  it('family-names rules: a look-alike named wrongly is cleared after "not this person", and the next event of that face is not named; a split vote names nobody', async () => {
    const c = await companion();
    const kim = services.gallery.people.personByName('Kim_Yong-il')!;
    // 1. Tang Jiaxuan (not enrolled) on two snapshots: both witnesses confuse him with Kim (docs/recognition.md)
    const first = eventId();
    await runEvent(c, 'porch', first, [photo('lfw-view1/images/Tang_Jiaxuan/Tang_Jiaxuan_0006.jpg'), photo('lfw-view1/images/Tang_Jiaxuan/Tang_Jiaxuan_0001.jpg')]);
    await waitFor('closed', () => closedUpdate('porch', first) !== undefined);
    await waitFor('sub_label written', () => standin.subLabelsOf(first).length >= 1, 10_000);
    const wrong = rowOf('porch', first)!;
    expect(wrong.personId, 'precondition: the known look-alike failure').toBe(kim.id);
    expect(standin.subLabelsOf(first).map((x) => x.subLabel)).toEqual(['Kim_Yong-il']);

    // 2. the user says "not this person" on the Frigate sighting: evidence kept, Frigate's sub_label cleared
    const corrections = new CorrectionsService(services.gallery, services.sightings);
    const r = corrections.notThisPerson(wrong.id, 'test');
    expect(r.evidence).toBeGreaterThanOrEqual(2);
    await waitFor('sub_label cleared', () => standin.subLabelsOf(first).length >= 2, 10_000);
    expect(standin.subLabelsOf(first).map((x) => x.subLabel)).toEqual(['Kim_Yong-il', '']);

    // 3. the next event of the same face is not named, and Frigate is told nothing
    const next = eventId();
    await runEvent(c, 'porch', next, [photo('lfw-view1/images/Tang_Jiaxuan/Tang_Jiaxuan_0006.jpg'), photo('lfw-view1/images/Tang_Jiaxuan/Tang_Jiaxuan_0001.jpg')]);
    await waitFor('closed', () => closedUpdate('porch', next) !== undefined);
    await sleep(500);
    const after = rowOf('porch', next)!;
    expect(after.personId).toBeNull();
    expect(standin.subLabelsOf(next)).toEqual([]);

    // 4. one event whose faces name two people (the split rule): confirmed on its first face, unnamed at its end
    const split = eventId();
    await runEvent(c, 'porch', split, [photo('people/probes/obama1.jpg'), photo('people/gallery/biden/biden.jpg')]);
    await waitFor('closed', () => closedUpdate('porch', split) !== undefined);
    await waitFor('sub_label cleared', () => standin.subLabelsOf(split).length >= 2, 10_000);
    expect(rowOf('porch', split)!.personId).toBeNull();
    expect(standin.subLabelsOf(split).map((x) => x.subLabel)).toEqual(['obama', '']);
    expect(errorsLogged()).toEqual([]);
    await c.close();
  });

  it('survives a broker restart: reconnects, keeps the open event, loses no sighting (the last one closed at shutdown)', async () => {
    const broker = await PrivateMosquitto.start();
    cleanups.push(() => broker.dispose());
    const c = await companion({}, broker.url);
    const id = eventId();
    const shape = await runEvent(c, 'garage', id, [photo('people/probes/obama1.jpg')], { end: false });
    await waitFor('confirmed', () => updates.some((u) => u.id === `frigate-garage:${id}` && u.status === 'confirmed'));

    await broker.kill();
    await waitFor('camera reconnecting', () => services.cameras.statuses().find((s) => s.cameraId === 'frigate-garage')?.state === 'reconnecting', 10_000);
    await sleep(500);
    await broker.start();
    await waitFor('reconnected', () => c.frigate.subscriber.connected && c.frigate.subscriber.counts.connects >= 2, 20_000);
    await waitFor('camera online', () => services.cameras.statuses().find((s) => s.cameraId === 'frigate-garage')?.state === 'online', 10_000);
    await sleep(300);
    // the same event goes on after the restart, then ends
    await c.publish('end', { ...shape, endTime: shape.startTime + 5 }, shape);
    await waitFor('closed after the restart', () => closedUpdate('garage', id) !== undefined, 20_000);
    expect(rowOf('garage', id)!.label).toBe('obama');

    // a new event after the restart, never ended: closing the companion closes its track (final sighting stored)
    const open = eventId();
    await runEvent(c, 'garage', open, [photo('people/probes/johnsnow_test1.jpg')], { end: false });
    await waitFor('confirmed', () => updates.some((u) => u.id === `frigate-garage:${open}` && u.status === 'confirmed'));
    await c.close();
    await waitFor('closed at shutdown', () => closedUpdate('garage', open) !== undefined, 5000);
    await sleep(300);
    expect(rowOf('garage', open)!.label).toBe('kit_harington');
    expect(standin.subLabelsOf(open).map((x) => x.subLabel)).toEqual(['kit_harington']);
    expect(errorsLogged()).toEqual([]);
  });

  it('survives a Frigate API that returns 500, times out, or keeps failing; re-logs in after the JWT expires; work stays bounded and counted', async () => {
    const c = await companion({ maxFetchesPerEvent: 3 });
    const warnsBefore = logLines.filter((l) => l.level === 40).length;
    // 500 once on the snapshot and once on the sub_label: both retried
    const a = eventId();
    standin.fault(a, '500', 1, 'snapshot');
    standin.fault(a, '500', 1, 'sub_label');
    standin.setSnapshot(a, photo('people/probes/alex_lacamoire1.jpg'));
    const sa: EventShape = { id: a, camera: 'drive', startTime: Date.now() / 1000, snapshot: { frameTime: Date.now() / 1000, score: 0.8 } };
    await c.publish('new', sa);
    await waitFor('named after the retry', () => rowOf('drive', a)?.label === 'alex_lacamoire', 20_000);
    await waitFor('sub_label after its retry', () => standin.subLabelsOf(a).length === 1, 10_000);

    // the JWT stops working (Frigate restarted), and the next snapshot request hangs: re-login, timeout, retry
    standin.expireTokens();
    const b = eventId();
    standin.fault(b, 'hang', 1, 'snapshot');
    standin.setSnapshot(b, photo('people/gallery/rose_leslie/img1.jpg'));
    const sb: EventShape = { id: b, camera: 'drive', startTime: Date.now() / 1000, snapshot: { frameTime: Date.now() / 1000, score: 0.8 } };
    const logins = standin.requests.filter((r) => r.path === '/api/login').length;
    await c.publish('new', sb);
    await waitFor('named after the timeout', () => rowOf('drive', b)?.label === 'rose_leslie', 20_000);
    expect(standin.requests.filter((r) => r.path === '/api/login').length).toBe(logins + 1);

    // a Frigate that keeps failing for one event: two attempts, then the snapshot is dropped (counted); no sighting
    const f = eventId();
    standin.fault(f, '500', 10, 'snapshot');
    standin.setSnapshot(f, photo('people/probes/obama1.jpg'));
    const sf: EventShape = { id: f, camera: 'drive', startTime: Date.now() / 1000, snapshot: { frameTime: Date.now() / 1000, score: 0.8 } };
    await c.publish('new', sf);
    await waitFor('two failed attempts', () => standin.snapshotRequests(f).length >= 2, 15_000);
    await sleep(2500);
    expect(standin.snapshotRequests(f).length).toBe(2);
    // more better snapshots than maxFetchesPerEvent (3) allows: the extra ones are dropped and counted
    for (let i = 1; i <= 3; i++) await c.publish('update', { ...sf, snapshot: { frameTime: sf.startTime + i, score: 0.8 + i / 100 } }, sf);
    await waitFor('fetch budget used', () => standin.snapshotRequests(f).length >= 3, 15_000);
    await sleep(3000);
    expect(standin.snapshotRequests(f).length).toBe(3);
    await c.publish('end', { ...sf, endTime: sf.startTime + 9 }, sf);
    for (const s of [sa, sb]) await c.publish('end', { ...s, endTime: s.startTime + 2 }, s);
    await waitFor('all events closed', () => c.frigate.folder.openEvents === 0, 15_000);
    expect(rowOf('drive', f)).toBeUndefined();

    const snaps = await samples(c.registry, 'facestream_frigate_snapshots_total');
    expect(sum(snaps.filter((s) => s.labels.outcome === 'failed'))).toBeGreaterThanOrEqual(4);
    const dropped = await samples(c.registry, 'facestream_frigate_dropped_total');
    const droppedBy = (reason: string) => sum(dropped.filter((s) => s.labels.reason === reason));
    expect(droppedBy('fetch_failed')).toBeGreaterThanOrEqual(2);
    expect(droppedBy('event_limit')).toBeGreaterThanOrEqual(1);
    const subs = await samples(c.registry, 'facestream_frigate_sub_labels_total');
    expect(sum(subs.filter((s) => s.labels.outcome === 'written'))).toBe(2);
    expect(sum(subs.filter((s) => s.labels.outcome === 'failed'))).toBe(0);
    // every fault was a warning with its reason, never an error or a crash
    expect(logLines.filter((l) => l.level === 40).length).toBeGreaterThan(warnsBefore);
    expect(errorsLogged()).toEqual([]);
    await c.close();
  });
});
