import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardService } from '../../src/api/live/dashboard.service.js';
import { startDashboard } from '../../src/roles/dashboard.role.js';
import type { Ack, FeedSighting } from '../../src/api/live/live-events.schema.js';
import type { SightingUpdate } from '../../src/contracts/sighting.schema.js';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import type { Gallery } from '../../src/identify/gallery.js';
import { startHubServices, type HubServices } from '../../src/roles/hub.services.js';
import { createTestEngine, testConfig } from '../helpers/engine.js';
import { dataPath } from '../helpers/data.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';

describe('Socket.IO gateway: authentication, roles, live sightings, resync', () => {
  let engine: FacePipeline;
  let gallery: Gallery;
  let services: HubServices;
  let dashboard: DashboardService;
  let dir: string;
  let url: string;
  let admin: string, viewer: string;
  const prefix = uniquePrefix('socket');
  const sockets: Socket[] = [];
  const hellos = new Map<Socket, Promise<{ role: string }>>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fst-socket-'));
    const config = testConfig({ data: { dir }, redis: { url: sharedRedisUrl, prefix }, api: { host: '127.0.0.1', port: 0 } });
    engine = await createTestEngine();
    services = await startHubServices(config, { engine, logger: pino({ level: 'silent' }) });
    gallery = services.gallery;
    admin = gallery.keys.create('admin').key;
    viewer = gallery.keys.create('viewer').key;
    dashboard = await startDashboard({ config, services, logger: pino({ level: 'silent' }) });
    url = dashboard.address;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await dashboard?.close();
    await services?.close();
    engine?.close();
    await cleanupPrefix(sharedRedisUrl, prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Connect; resolves with the socket, or rejects with the server's refusal. */
  const open = (auth: Record<string, string> | undefined): Promise<Socket> => new Promise((ok, fail) => {
    const s = connect(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(s);
    // hello can arrive in the same tick as connect: capture it from the start
    hellos.set(s, new Promise((got) => s.once('hello', got)));
    s.once('connect', () => ok(s));
    s.once('connect_error', (e) => fail(e));
  });
  const emit = <T>(s: Socket, event: string, body: unknown) => new Promise<Ack<T>>((ok) => s.emit(event, body, (a: Ack<T>) => ok(a)));

  const storeSighting = (personId: string | null) => gallery.sightings.add({
    cameraId: 'cam1', personId, label: personId ? 'Ada' : 'unknown #3', firstSeen: new Date().toISOString(), lastSeen: new Date().toISOString(), maxScore: 0.96, meanScore: 0.95, frames: 4,
  });

  it('refuses a connection without a key, with a wrong key, and with a revoked key', async () => {
    await expect(open(undefined)).rejects.toThrow('E_UNAUTHORIZED: API key required');
    await expect(open({ key: 'fsk_abcdefgh_' + 'a'.repeat(43) })).rejects.toThrow('E_UNAUTHORIZED: invalid or revoked API key');
    const { key, info } = gallery.keys.create('viewer', 'soon revoked');
    gallery.keys.revoke(info.id);
    await expect(open({ key })).rejects.toThrow('E_UNAUTHORIZED');
  });

  it('a viewer receives live events but every change it emits is refused', async () => {
    const p = gallery.people.createPerson('Ada');
    const row = storeSighting(p.id);
    const s = await open({ key: viewer });
    const hello = await hellos.get(s)!;
    expect(hello.role).toBe('viewer');
    const r = await emit(s, 'sighting:not-this-person', { version: 1, sightingId: row.id });
    expect(r).toEqual({ ok: false, error: { code: 'E_FORBIDDEN', message: 'a viewer key cannot change anything' } });
    const ignore = await emit(s, 'unknown:ignore', { version: 1, clusterKey: 'x-1' });
    expect(ignore.ok).toBe(false);
    expect(gallery.sightings.get(row.id)!.personId).toBe(p.id);

    // live: a sighting the hub's sighting service stores reaches the viewer
    const got = new Promise<FeedSighting>((ok) => s.once('sighting', ok));
    const event: SightingUpdate = { version: 1, id: 'cam1:t-9', status: 'confirmed', cameraId: 'cam1', trackId: 't-9', personId: p.id, name: 'Ada', unknownId: null, label: 'Ada', crop: Buffer.from('jpeg').toString('base64'), firstSeen: Date.now(), lastSeen: Date.now(), maxScore: 0.96, meanScore: 0.95, frames: 4, embeddedFrames: 4 };
    services.sightings.save(event);
    const live = await got;
    expect(live).toMatchObject({ personId: p.id, label: 'Ada', status: 'confirmed', crop: event.crop });
    expect(gallery.sightings.get(live.id)).toMatchObject({ personId: p.id, frames: 4, cropPath: path.join('crops', 'sightings', `${live.id}.jpg`) });
  });

  it('an admin corrects a wrong match over the socket; it is audited and broadcast', async () => {
    const p = gallery.people.createPerson('Bob');
    const row = storeSighting(p.id);
    const s = await open({ key: admin });
    const broadcast = new Promise<FeedSighting>((ok) => s.on('sighting', (x: FeedSighting) => { if (x.id === row.id) ok(x); }));
    const bad = await emit(s, 'sighting:not-this-person', { version: 1, sightingId: 'one' });
    expect(bad.ok).toBe(false);
    const r = await emit(s, 'sighting:not-this-person', { version: 1, sightingId: row.id });
    expect(r.ok).toBe(true);
    expect(gallery.sightings.get(row.id)).toMatchObject({ personId: null, label: 'unknown (corrected)' });
    expect((await broadcast).personId).toBeNull();
    const audit = gallery.audit.list({ target: p.id });
    expect(audit[0]).toMatchObject({ action: 'sighting.not-this-person', details: { sightingId: row.id } });
    expect(audit[0]!.actor).toMatch(/^api-key:/);
  });

  it('corrections teach (REST, real photos): "this is X" stores the sighting\'s faces as X\'s samples; "not this person" keeps them as evidence; erasing the person erases the evidence', async () => {
    const lfw = (name: string, i: number) => dataPath(`lfw-view1/images/${name}/${name}_000${i}.jpg`);
    const kim = gallery.people.createPerson('Kim');
    expect((await gallery.enrollment.enrollPhoto(kim.id, lfw('Kim_Yong-il', 1))).status).toBe('accepted');
    const facesOf = async (file: string) => {
      const f = (await engine.analyzePhoto(file)).faces.find((x) => x.embedding)!;
      return { f, kept: [{ modelId: engine.modelId, embedding: f.embedding!, confirm: { modelId: engine.confirmModelId!, embedding: f.confirmEmbedding! }, namedPersonId: null, quality: 1 }] };
    };
    const call = async (url: string, body: unknown, key = admin) => {
      const r = await fetch(`${url.startsWith('http') ? '' : dashboard.address}${url}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
      return { status: r.status, json: await r.json() as Record<string, any> };
    };
    // an unknown sighting of Tang Jiaxuan (a look-alike of Kim: LFW DevTest's closest pair): "this is Tang"
    const unknown = storeSighting(null);
    const tang6 = await facesOf(lfw('Tang_Jiaxuan', 6));
    gallery.evidence.setSightingFaces(unknown.id, tang6.kept);
    expect((await call(`/api/sightings/${unknown.id}/assign`, { version: 1, name: 'Tang' }, viewer)).status).toBe(403);
    expect((await call(`/api/sightings/${unknown.id}/assign`, { version: 1 })).status).toBe(400);
    expect((await call('/api/sightings/999999/assign', { version: 1, name: 'Tang' })).status).toBe(404);
    const assigned = await call(`/api/sightings/${unknown.id}/assign`, { version: 1, name: 'Tang' });
    expect(assigned.status, JSON.stringify(assigned.json)).toBe(200);
    expect(assigned.json).toMatchObject({ created: true, person: { name: 'Tang' }, sighting: { personId: assigned.json.person.id, label: 'Tang' } });
    expect(assigned.json.samples).toHaveLength(1);
    const tangId = assigned.json.person.id as string;
    // the correction skipped the mislabel check (Tang is within the 1:1 threshold of Kim) and teaches:
    // another photo of Tang is nearest to Tang now, and never named Kim
    const other = await gallery.matcher.identifyImage(lfw('Tang_Jiaxuan', 1));
    expect(other.faces[0]!.match!.candidates[0]!.personId).toBe(tangId);
    expect(other.faces[0]!.match!.personId).not.toBe(kim.id);
    expect(gallery.audit.list({ target: tangId }).map((e) => e.action)).toEqual(expect.arrayContaining(['sighting.assign', 'sample.add.correction']));

    // a sighting of another face named Kim: "not this person" keeps its face as evidence
    const wrong = storeSighting(kim.id);
    const tang9 = await facesOf(lfw('Tang_Jiaxuan', 9));
    gallery.evidence.setSightingFaces(wrong.id, tang9.kept);
    const r = await call(`/api/sightings/${wrong.id}/not-this-person`, { version: 1 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ evidence: 1, sighting: { personId: null } });
    expect(gallery.evidence.countEvidence(kim.id)).toBe(1);
    // the same face again is not named Kim: the evidence competes like a person
    const again = gallery.matcher.identify(tang9.f.embedding!, undefined, tang9.f.confirmEmbedding);
    expect(again.personId).not.toBe(kim.id);
    // erasing Kim erases the evidence about Kim
    gallery.people.deletePerson(kim.id);
    expect(gallery.evidence.countEvidence(kim.id)).toBe(0);
    gallery.people.deletePerson(tangId);
  });

  it('resync replays every sighting after the last one the page has, in order', async () => {
    const s = await open({ key: viewer });
    const a = storeSighting(null), b = storeSighting(null), c = storeSighting(null);
    const r = await emit<{ items: FeedSighting[]; truncated: boolean }>(s, 'resync', { version: 1, lastSightingId: a.id });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.data!.items.map((x) => x.id)).toEqual([b.id, c.id]);
    expect(r.data!.truncated).toBe(false);
    const bad = await emit(s, 'resync', { version: 2, lastSightingId: 0 });
    expect(bad.ok).toBe(false);
  });

  it('serves the page without a key (strict CSP) and the API only with one', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<form id="signin-form">');
    expect((await fetch(`${url}/socket.io/socket.io.esm.min.js`)).status).toBe(200);
    expect((await fetch(`${url}/api/me`)).status).toBe(401);
    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(await me.json()).toMatchObject({ role: 'viewer' });
    const create = await fetch(`${url}/api/alerts/rules`, { method: 'POST', headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: 1, name: 'x', kind: 'unknown' }) });
    expect(create.status).toBe(403);
    const bad = await fetch(`${url}/api/alerts/rules`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: 1, name: 'x', kind: 'unknown', webhook: { url: 'file:///etc/passwd' } }) });
    expect(bad.status).toBe(400);
    const ok = await fetch(`${url}/api/alerts/rules`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: 1, name: 'x', kind: 'unknown', webhook: { url: 'https://example.com/h' } }) });
    expect(ok.status).toBe(201);
    const created = await ok.json() as { id: string; secret: string };
    expect(created.secret).toMatch(/^whsec_/);
    const listed = await (await fetch(`${url}/api/alerts/rules`, { headers: { authorization: `Bearer ${viewer}` } })).json() as { items: Record<string, unknown>[] };
    expect(listed.items.find((r) => r.id === created.id)).not.toHaveProperty('secret');
  });

  it('a restart is not held up by a websocket peer that never answers the close (the port is free again within seconds)', async () => {
    const config = testConfig({ data: { dir }, redis: { url: sharedRedisUrl, prefix }, api: { host: '127.0.0.1', port: 0 } });
    const second = await startDashboard({ config, services, logger: pino({ level: 'silent' }) });
    const { port } = new URL(second.address);
    // a raw websocket upgrade that then ignores everything, as a frozen or half-gone browser tab does
    const peer = net.connect(Number(port), '127.0.0.1');
    peer.write(['GET /socket.io/?EIO=4&transport=websocket HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'));
    const head = await new Promise<string>((ok) => peer.once('data', (d) => ok(d.toString())));
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    const ended = new Promise<void>((ok) => peer.once('close', () => ok()));
    const t0 = Date.now();
    await second.close();
    // without a deadline the HTTP server waits for the websocket close handshake (ws gives up after 30 s)
    expect(Date.now() - t0).toBeLessThan(15_000);
    await ended;
    const again = await startDashboard({ config: { ...config, api: { ...config.api, port: Number(port) } }, services, logger: pino({ level: 'silent' }) });
    expect(again.address).toBe(second.address);
    await again.close();
  });
});
