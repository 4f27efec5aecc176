import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import type { SightingUpdate } from '../../src/contracts/sighting.schema.js';
import type { FacesJob } from '../../src/contracts/faces.schema.js';
import { PipelineMetrics } from '../../src/metrics/pipeline.metrics.js';
import { startHubRole, startIngestRole, startVisionRole, type Role } from '../../src/roles/roles.js';
import type { PersonMatch } from '../../src/contracts/match.js';
import type { Identifier } from '../../src/track/identifier.js';
import { cosineDistance } from '../../src/vision/embed/embedder.js';
import { dataPath } from '../helpers/data.js';
import { createTestEngine, testConfig } from '../helpers/engine.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { RtspTestServer } from '../../support/rtsp-server.js';

/** A small identifier over real embeddings of ../shared/data/people/gallery (nearest sample, engine threshold). */
async function galleryIdentifier(engine: FacePipeline): Promise<Identifier> {
  const samples: { name: string; e: Float32Array }[] = [];
  const dir = dataPath('people/gallery');
  for (const name of readdirSync(dir)) {
    for (const file of readdirSync(`${dir}/${name}`)) {
      const f = await engine.primaryFace(`${dir}/${name}/${file}`, file);
      samples.push({ name, e: f.embedding! });
    }
  }
  return {
    identify(e: Float32Array): PersonMatch | null {
      const ranked = samples.map((s) => ({ name: s.name, d: cosineDistance(s.e, e) })).sort((a, b) => a.d - b.d);
      const best = ranked[0]!;
      return best.d <= engine.threshold ? { personId: best.name, name: best.name, distance: best.d, score: 1 - best.d, ambiguous: false, threshold: engine.threshold, candidates: [] } : null;
    },
  };
}

const waitFor = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((ok) => setTimeout(ok, 200));
  return cond();
};

describe('pipeline end to end (RTSP over TCP -> ffmpeg -> Redis/BullMQ -> vision -> hub)', () => {
  let engine: FacePipeline;
  let identifier: Identifier;
  const roles: Role[] = [];
  const servers: RtspTestServer[] = [];
  const prefixes: string[] = [];
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    engine = await createTestEngine();
    identifier = await galleryIdentifier(engine);
  });
  afterAll(async () => {
    for (const r of roles.reverse()) await r.close().catch(() => {});
    for (const s of servers) await s.stop();
    for (const p of prefixes) await cleanupPrefix(sharedRedisUrl, p);
    engine?.close();
  });

  async function run(clip: string, seconds: number, extra: Record<string, unknown> = {}, until?: (s: SightingUpdate[]) => boolean) {
    const server = await RtspTestServer.start(dataPath('video', clip));
    servers.push(server);
    const prefix = uniquePrefix('e2e');
    prefixes.push(prefix);
    const config = testConfig({
      redis: { url: sharedRedisUrl, prefix },
      ingest: { cameras: [{ id: 'cam1', url: server.url, sampleFps: 2, transport: 'tcp' }], maxInFlightPerCamera: 3 },
      vision: { maxFrameAgeMs: 4000 },
      track: { closeAfterMs: 1500, minFrames: 2 },
      ...extra,
    });
    const metrics = new PipelineMetrics(new Registry());
    const hub = startHubRole(config, { logger, metrics, identifier });
    const vision = startVisionRole(config, { logger, metrics, analyzer: engine, name: 'v1' });
    const ingest = startIngestRole(config, { logger, metrics });
    roles.push(hub, vision, ingest);
    const sightings: SightingUpdate[] = [];
    const frames: FacesJob[] = [];
    hub.hub.on('sighting', (s) => sightings.push(s));
    hub.hub.on('frame', (f) => frames.push(f));
    await waitFor(() => until?.(sightings) ?? false, seconds * 1000);
    await ingest.close();
    await vision.close();
    await hub.close();
    await server.stop();
    return { sightings, frames, hub: hub.hub, metrics, statuses: ingest.manager.statuses() };
  }

  it('hamilton_360p: a sighting of lin_manuel_miranda, one closed sighting per track', async () => {
    const r = await run('hamilton_360p.mp4', 40, {}, (s) => s.some((x) => x.name === 'lin_manuel_miranda'));
    const closed = r.sightings.filter((s) => s.status === 'closed');
    const lin = closed.filter((s) => s.name === 'lin_manuel_miranda');
    expect(lin.length, JSON.stringify(r.sightings.map((s) => [s.status, s.label, s.frames]))).toBeGreaterThanOrEqual(1);
    expect(lin[0]!.frames).toBeGreaterThanOrEqual(2);
    expect(lin[0]!.maxScore).toBeGreaterThan(0.9);
    expect(lin[0]!.crop).toBeTruthy();
    // every confirmed sighting is closed exactly once
    const ids = r.sightings.filter((s) => s.status === 'confirmed').map((s) => s.id).sort();
    expect(closed.map((s) => s.id).sort()).toEqual(ids);
    expect(r.frames.filter((f) => !f.skipped).length).toBeGreaterThan(2);
    expect(r.frames.some((f) => f.faces.some((x) => x.embedding))).toBe(true);
  });
});
