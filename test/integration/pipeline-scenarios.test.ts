import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Config } from '../../src/config/schema.js';
import type { FacesJob } from '../../src/contracts/faces.schema.js';
import type { SightingUpdate } from '../../src/contracts/sighting.schema.js';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import { galleryIdentifier } from '../../src/identify/gallery.identifier.js';
import { writeSightingCrop } from '../../src/store/data-paths.js';
import { SightingService } from '../../src/track/sighting.service.js';
import { openGallery } from '../../src/identify/gallery.js';
import { PipelineMetrics } from '../../src/metrics/pipeline.metrics.js';
import { startHubRole, startIngestRole, startVisionRole, type Role } from '../../src/roles/roles.js';
import type { Identifier, SightingSink } from '../../src/track/identifier.js';
import { dataPath } from '../helpers/data.js';
import { createTestEngine, testConfig } from '../helpers/engine.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { RtspTestServer } from '../../support/rtsp-server.js';

const waitFor = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((ok) => setTimeout(ok, 250));
  return cond();
};

/** Nobody in the gallery: every face is unknown (the scenarios that are not about identity). */
const nobody: Identifier = { identify: () => null };

describe('pipeline scenarios (real RTSP server, ffmpeg, Redis/BullMQ, engine)', () => {
  let engine: FacePipeline;
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => { engine = await createTestEngine(); });
  afterAll(async () => {
    for (const c of cleanups.reverse()) { try { await c(); } catch { /* cleaning up anyway */ } }
    engine?.close();
  });

  interface RunOptions {
    clip: string;
    transport?: 'tcp' | 'udp';
    sampleFps?: number;
    /** Track close gap (camera time): larger where frames are far apart (a slow worker drops frames). */
    closeAfterMs?: number;
    /** Analyse every frame however late (tracking tests on a slow machine): no backpressure drops, no age limit. */
    noDrops?: boolean;
    identifier?: Identifier;
    sink?: SightingSink;
    /** Stop early once this holds (checked every 250 ms); else after maxSeconds. */
    until: (r: { sightings: SightingUpdate[]; frames: FacesJob[] }) => boolean;
    maxSeconds: number;
  }

  async function run(o: RunOptions) {
    const server = await RtspTestServer.start(dataPath('video', o.clip));
    cleanups.push(() => server.stop());
    const prefix = uniquePrefix('scn');
    cleanups.push(() => cleanupPrefix(sharedRedisUrl, prefix));
    const config: Readonly<Config> = testConfig({
      redis: { url: sharedRedisUrl, prefix },
      ingest: {
        cameras: [{ id: 'cam1', url: server.url, sampleFps: o.sampleFps ?? 2, transport: o.transport ?? 'tcp' }],
        maxInFlightPerCamera: o.noDrops ? 1000 : 3, frameTtlMs: o.noDrops ? 600_000 : 30_000,
      },
      // a loaded 2-core machine: give frames time rather than skipping them all as too old
      vision: { maxFrameAgeMs: o.noDrops ? 600_000 : 10_000 },
      track: { closeAfterMs: o.closeAfterMs ?? 1500, minFrames: 2 },
    });
    // error-level logs of every role are collected: a scenario passes only without errors
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => { errors.push(line); } });
    const metrics = new PipelineMetrics(new Registry());
    const roles: Role[] = [];
    const hub = startHubRole(config, { logger, metrics, identifier: o.identifier ?? nobody, sink: o.sink });
    roles.push(hub);
    roles.push(startVisionRole(config, { logger, metrics, analyzer: engine, name: 'v1' }));
    const ingest = startIngestRole(config, { logger, metrics });
    roles.push(ingest);
    cleanups.push(async () => { for (const r of [...roles].reverse()) await r.close(); });
    const sightings: SightingUpdate[] = [];
    const frames: FacesJob[] = [];
    hub.hub.on('sighting', (s) => sightings.push(s));
    hub.hub.on('frame', (f) => frames.push(f));
    await waitFor(() => o.until({ sightings, frames }), o.maxSeconds * 1000);
    const status = ingest.manager.statuses()[0]!;
    // reverse order: the hub flushes and closes every open track (final "closed" sightings)
    for (const r of [...roles].reverse()) await r.close();
    await server.stop();
    return { sightings, frames, errors, status };
  }

  const analysed = (frames: FacesJob[]) => frames.filter((f) => !f.skipped);

  it('no_faces_overhead_432p: frames are analysed, no sightings, no errors', async () => {
    const r = await run({ clip: 'no_faces_overhead_432p.mp4', until: ({ frames }) => analysed(frames).length >= 8, maxSeconds: 60 });
    expect(analysed(r.frames).length).toBeGreaterThanOrEqual(8);
    expect(r.sightings).toEqual([]);
    expect(r.frames.filter((f) => f.skipped === 'failed')).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.status.state).toBe('online');
    expect(r.status.lastError ?? null).toBeNull();
  });

  it('crowd_walk_1080p: several distinct unknown tracks, each counted once per track, not once per frame', async () => {
    const closedIds = (s: SightingUpdate[]) => new Set(s.filter((x) => x.status === 'closed').map((x) => x.id));
    const confirmed = (s: SightingUpdate[]) => new Set(s.filter((x) => x.status === 'confirmed').map((x) => x.id)).size;
    // The tracking question, not the real-time one: 1080p frames with many faces take seconds
    // each on a shared CPU, so here no frame is dropped or skipped as too old (a backlog may
    // build); consecutive analysed frames are then 0.5 s apart in camera time.
    const r = await run({
      clip: 'crowd_walk_1080p.mp4', sampleFps: 2, closeAfterMs: 3000, noDrops: true,
      until: ({ sightings, frames }) => confirmed(sightings) >= 4 && analysed(frames).length >= 14,
      maxSeconds: 100,
    });
    const detections = analysed(r.frames).reduce((n, f) => n + f.faces.length, 0);
    const closed = r.sightings.filter((s) => s.status === 'closed');
    const summary = JSON.stringify({ detections, frames: analysed(r.frames).length, closed: closed.map((s) => [s.label, s.frames]) });
    expect(new Set(closed.map((s) => s.trackId)).size, summary).toBeGreaterThanOrEqual(3);
    // one final sighting per track: no sighting id is closed twice
    expect(closed.length).toBe(closedIds(r.sightings).size);
    // tracking joins a face across frames: far fewer sightings than face detections
    expect(closed.length * 3, summary).toBeLessThanOrEqual(detections);
    expect(closed.reduce((n, s) => n + s.frames, 0)).toBeGreaterThan(closed.length);
    expect(closed.every((s) => s.personId === null && /^unknown #\d+$/.test(s.label))).toBe(true);
    expect(r.errors).toEqual([]);
  });

  it('UDP transport, hub on the real Gallery + SQLite: hamilton_360p stores a sighting of lin_manuel_miranda with its crop', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fst-hub-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = testConfig({ data: { dir: dataDir } });
    const gallery = openGallery({ dataDir, engine, settings: config.gallery });
    cleanups.push(() => gallery.close());
    const dir = dataPath('people/gallery');
    for (const name of readdirSync(dir).sort()) {
      const person = gallery.people.createPerson(name);
      for (const file of readdirSync(join(dir, name))) await gallery.enrollment.enrollPhoto(person.id, join(dir, name, file));
    }
    const lin = gallery.people.personByName('lin_manuel_miranda')!;
    expect(gallery.people.samplesOf(lin.id).length).toBeGreaterThanOrEqual(1);
    const stored = () => gallery.sightings.search({ personId: lin.id }).items;

    const r = await run({
      clip: 'hamilton_360p.mp4', transport: 'udp',
      identifier: galleryIdentifier(gallery.matcher),
      sink: new SightingService({ rows: gallery.sightings, clusters: gallery.corrections, crops: { writeSightingCrop: (id, jpeg) => writeSightingCrop(dataDir, id, jpeg) }, logger: pino({ level: 'silent' }), runId: 'test' }),
      until: ({ sightings }) => sightings.some((s) => s.status === 'confirmed' && s.personId === lin.id),
      maxSeconds: 75,
    });
    expect(r.status.state, JSON.stringify(r.status)).toBe('online');
    const rows = stored();
    expect(rows.length, JSON.stringify(r.sightings.map((s) => [s.status, s.label, s.frames]))).toBeGreaterThanOrEqual(1);
    const row = rows[0]!;
    expect(row.label).toBe('lin_manuel_miranda');
    expect(row.frames).toBeGreaterThanOrEqual(2);
    expect(row.maxScore).toBeGreaterThan(0.85);
    // the track's best crop is a JPEG under the data dir, referenced relative to it
    expect(row.cropPath).toMatch(/^crops[\\/]sightings[\\/]\d+\.jpg$/);
    const crop = join(dataDir, row.cropPath!);
    expect(existsSync(crop)).toBe(true);
    expect(readFileSync(crop).subarray(0, 2).toString('hex')).toBe('ffd8');
    // closed after the hub stopped: one row per track, updated in place
    expect(new Set(rows.map((x) => x.trackId)).size).toBe(rows.length);
    expect(r.errors).toEqual([]);
  });
});
