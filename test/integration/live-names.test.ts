import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Config, TrackConfig } from '../../src/config/schema.js';
import type { FacesJob } from '../../src/contracts/faces.schema.js';
import type { Sighting, SightingUpdate } from '../../src/contracts/sighting.schema.js';
import { openGallery, type Gallery } from '../../src/identify/gallery.js';
import { galleryIdentifier } from '../../src/identify/gallery.identifier.js';
import { PipelineMetrics } from '../../src/metrics/pipeline.metrics.js';
import { startHubRole, startIngestRole, startVisionRole, type Role } from '../../src/roles/roles.js';
import { writeSightingCrop } from '../../src/store/data-paths.js';
import type { Hub, HubFace } from '../../src/track/hub.service.js';
import { SightingService } from '../../src/track/sighting.service.js';
import { CorrectionsService } from '../../src/api/live/corrections.service.js';
import { appearanceSimilarity, sceneDistance } from '../../src/common/signature-distance.js';
import { appearanceSignature, sceneSignature } from '../../src/vision/appearance.js';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import { dataPath } from '../helpers/data.js';
import { createTestEngine, testConfig } from '../helpers/engine.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { RtspTestServer } from '../../support/rtsp-server.js';
import { buildSceneCutClip, rgbOf, videoFrame } from '../helpers/synthetic-clip.js';

/**
 * Regression tests of "No false names on live video", through the real pipeline: a real RTSP
 * server serves the clip, ffmpeg samples it, frames go through Redis/BullMQ to the real engine,
 * the hub identifies against a real gallery and tracks, sightings are stored by the real
 * SightingService. Every face the hub shows with a name is re-checked from the collected raw
 * data: it must have EARNED the name (own embedding match, or a track continuation that meets
 * the carry rules with no scene cut in between).
 */

interface Seen { job: FacesJob; faces: HubFace[] }

interface Violation {
  seq: number; capturedAt: number; face: number; box: HubFace['box'];
  trackId: string; name: string | null; evidence: string; why: string;
}

const waitFor = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((ok) => setTimeout(ok, 250));
  return cond();
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const analysedOf = (frames: Seen[]) => frames.filter((f) => !f.job.skipped);

/**
 * Did every named face earn its name? Replays the carry rules from the raw frames (in the order
 * the hub emitted them): evidence 'embedding' = the face's own match names that person;
 * evidence 'track' = the newest earlier face of the same track with an own embedding decision
 * matched that same person, within carryMaxGapMs, with no scene cut since (cuts detected here
 * from consecutive frames' scene signatures), and the appearance correlates >= minAppearance.
 */
function auditNames(frames: Seen[], track: TrackConfig) {
  const analysed = analysedOf(frames);
  const violations: Violation[] = [];
  let prevScene: number[] | undefined;
  let cuts = 0;
  const cutsSoFar = analysed.map(({ job }) => {
    if (job.scene) {
      if (prevScene && sceneDistance(prevScene, job.scene) > track.sceneCutDistance) cuts++;
      prevScene = job.scene;
    }
    return cuts;
  });
  const lastDecided = new Map<string, { i: number; job: FacesJob; face: HubFace }>();
  const counts = { faces: 0, named: 0, byEmbedding: 0, byTrack: 0, embedded: 0, matched: 0 };
  analysed.forEach(({ job, faces }, i) => {
    faces.forEach((face, k) => {
      counts.faces++;
      if (face.embedding) counts.embedded++;
      if (face.match) counts.matched++;
      const id = face.identity;
      const report = (why: string) => violations.push({
        seq: job.seq, capturedAt: job.capturedAt, face: k, box: face.box,
        trackId: id?.trackId ?? '-', name: id?.name ?? null, evidence: id?.evidence ?? '-', why,
      });
      if (!id) { report('analysed face without an identity'); return; }
      if (id.name === null && id.personId === null) return;
      counts.named++;
      if (id.evidence === 'embedding') {
        counts.byEmbedding++;
        if (!face.match || face.match.personId !== id.personId || face.match.name !== id.name) {
          report(`evidence embedding but own match is ${face.match ? face.match.name : String(face.match)}`);
        }
      } else if (id.evidence === 'track') {
        counts.byTrack++;
        const v = lastDecided.get(id.trackId);
        if (face.match !== undefined) report(`carried name on a face with its own embedding decision (${face.match?.name ?? 'unknown'})`);
        else if (!v) report('carried name, but no earlier face of this track had an own embedding decision');
        else if (!v.face.match || v.face.match.personId !== id.personId) report(`carried name, but the track's last decided face (seq ${v.job.seq}) matched ${v.face.match?.name ?? 'nobody'}`);
        else if (job.capturedAt - v.job.capturedAt > track.carryMaxGapMs) report(`carried over ${job.capturedAt - v.job.capturedAt} ms from seq ${v.job.seq} (> carryMaxGapMs ${track.carryMaxGapMs})`);
        else if (cutsSoFar[i] !== cutsSoFar[v.i]) report(`carried across a scene cut from seq ${v.job.seq}`);
        else if (!face.appearance || !v.face.appearance) report('carried name without appearance signatures');
        else {
          const sim = appearanceSimilarity(face.appearance, v.face.appearance);
          if (sim < track.minAppearance) report(`carried with appearance ${sim.toFixed(3)} < minAppearance ${track.minAppearance} vs seq ${v.job.seq}`);
        }
      } else {
        report('a name with evidence none');
      }
    });
    for (const face of faces) if (face.identity && face.match !== undefined) lastDecided.set(face.identity.trackId, { i, job, face });
  });
  return { violations, cuts, counts, analysed: analysed.length };
}

/** Faces of each track, with the frame each lies in. */
function facesByTrack(frames: Seen[]) {
  const out = new Map<string, { job: FacesJob; face: HubFace }[]>();
  for (const { job, faces } of analysedOf(frames)) {
    for (const face of faces) {
      if (!face.identity) continue;
      const list = out.get(face.identity.trackId) ?? [];
      list.push({ job, face });
      out.set(face.identity.trackId, list);
    }
  }
  return out;
}

/**
 * Every named sighting (tracker update and stored row) was voted by embedded faces of that
 * person: embeddedFrames > 0 and the person is among the own matches of its track's faces;
 * `extra` adds a clip-specific reason why a name is wrong.
 */
function auditSightings(
  updates: SightingUpdate[], rows: Sighting[], frames: Seen[],
  extra: (personId: string, faces: { job: FacesJob; face: HubFace }[]) => string | undefined = () => undefined,
) {
  const byTrack = facesByTrack(frames);
  const finals = new Map<string, SightingUpdate>();
  for (const u of updates) finals.set(u.id, u);
  const wrong: string[] = [];
  const check = (what: string, trackId: string | null, personId: string | null, embeddedFrames: number | undefined) => {
    if (personId === null) return;
    const faces = byTrack.get(trackId ?? '') ?? [];
    if (embeddedFrames !== undefined && embeddedFrames <= 0) wrong.push(`${what}: named ${personId} with no embedded frame`);
    else if (!faces.some(({ face }) => face.match?.personId === personId)) wrong.push(`${what}: named ${personId} but no face of track ${trackId} matched that person (${faces.length} faces)`);
    else {
      const why = extra(personId, faces);
      if (why) wrong.push(`${what}: ${why}`);
    }
  };
  for (const u of updates) check(`update ${u.id} (${u.status}, ${u.label})`, u.trackId, u.personId, u.embeddedFrames);
  for (const r of rows) check(`row ${r.id} (${r.label}, track ${r.trackId})`, r.trackId, r.personId, [...finals.values()].find((u) => u.trackId === r.trackId)?.embeddedFrames);
  return { wrong, sightings: finals.size, named: [...finals.values()].filter((u) => u.personId !== null).length, rows: rows.length };
}

describe('live names are earned (real RTSP server, ffmpeg, Redis/BullMQ, engine, gallery)', () => {
  let engine: FacePipeline;
  let gallery: Gallery;
  let dataDir: string;
  let work: string;
  let linId: string;
  let obamaId: string;
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    engine = await createTestEngine();
    dataDir = mkdtempSync(join(tmpdir(), 'fst-live-names-'));
    work = mkdtempSync(join(tmpdir(), 'fst-live-names-clip-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => rmSync(work, { recursive: true, force: true }));
    gallery = openGallery({ dataDir, engine, settings: testConfig({ data: { dir: dataDir } }).gallery });
    cleanups.push(() => gallery.close());
    const dir = dataPath('people/gallery');
    for (const name of readdirSync(dir).sort()) {
      const person = gallery.people.createPerson(name);
      for (const file of readdirSync(join(dir, name))) await gallery.enrollment.enrollPhoto(person.id, join(dir, name, file));
    }
    linId = gallery.people.personByName('lin_manuel_miranda')!.id;
    obamaId = gallery.people.personByName('obama')!.id;
  });

  afterAll(async () => {
    for (const c of cleanups.reverse()) { try { await c(); } catch { /* cleaning up anyway */ } }
    engine?.close();
  });

  interface RunOptions {
    camera: string;
    /** Absolute path of the clip the RTSP server loops. */
    clip: string;
    sampleFps: number;
    until: (r: { frames: Seen[]; sightings: SightingUpdate[]; hub: Hub }) => boolean;
    maxSeconds: number;
    /** The gallery the hub identifies against (default: the shared one). */
    gallery?: Gallery;
  }

  async function run(o: RunOptions) {
    const g = o.gallery ?? gallery;
    const server = await RtspTestServer.start(o.clip);
    cleanups.push(() => server.stop());
    const prefix = uniquePrefix('names');
    cleanups.push(() => cleanupPrefix(sharedRedisUrl, prefix));
    const config: Readonly<Config> = testConfig({
      data: { dir: dataDir },
      redis: { url: sharedRedisUrl, prefix },
      ingest: { cameras: [{ id: o.camera, url: server.url, sampleFps: o.sampleFps, transport: 'tcp' }], maxInFlightPerCamera: 3, frameTtlMs: 30_000 },
      // a loaded 2-core machine: give frames time rather than skipping them all as too old
      vision: { maxFrameAgeMs: 10_000 },
      track: { closeAfterMs: 1500, minFrames: 2 },
    });
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => { errors.push(line); } });
    const metrics = new PipelineMetrics(new Registry());
    const sink = new SightingService({
      rows: g.sightings, clusters: g.corrections,
      faces: { store: g.evidence, modelId: g.index.modelId, confirmModelId: engine.confirmModelId },
      crops: { writeSightingCrop: (id, jpeg) => writeSightingCrop(g.dataDir, id, jpeg) },
      logger: pino({ level: 'silent' }), runId: o.camera,
    });
    const roles: Role[] = [];
    const hubRole = startHubRole(config, { logger, metrics, identifier: galleryIdentifier(g.matcher), sink });
    roles.push(hubRole);
    roles.push(startVisionRole(config, { logger, metrics, analyzer: engine, name: 'v1' }));
    const ingest = startIngestRole(config, { logger, metrics });
    roles.push(ingest);
    cleanups.push(async () => { for (const r of [...roles].reverse()) await r.close(); });
    const frames: Seen[] = [];
    const sightings: SightingUpdate[] = [];
    const hub = hubRole.hub;
    hub.on('frame', (job, faces) => frames.push({ job, faces }));
    hub.on('sighting', (s) => sightings.push(s));
    const started = Date.now();
    await waitFor(() => o.until({ frames, sightings, hub }), o.maxSeconds * 1000);
    const seconds = (Date.now() - started) / 1000;
    // reverse order: the hub flushes and closes every open track (final sightings, stored by the sink)
    for (const r of [...roles].reverse()) await r.close();
    await server.stop();
    await new Promise((ok) => setTimeout(ok, 50));
    const rows = g.sightings.search({ cameraId: o.camera, limit: 1000 }).items;
    return { frames, sightings, rows, counts: { ...hub.counts }, errors, seconds, track: config.track, sink };
  }

  const line = (clip: string, r: Awaited<ReturnType<typeof run>>, names: ReturnType<typeof auditNames>, s: ReturnType<typeof auditSightings>, more = '') =>
    console.log(`[live-names] ${clip}: ${r.seconds.toFixed(0)} s, frames=${names.analysed} (of ${r.frames.length}), faces=${names.counts.faces} (embedded ${names.counts.embedded}, own match ${names.counts.matched}), `
      + `shown with a name=${names.counts.named} (embedding ${names.counts.byEmbedding}, track ${names.counts.byTrack}), names not earned=${names.violations.length}, `
      + `sightings=${s.sightings} (named ${s.named}, stored rows ${s.rows}), sightings with a wrong name=${s.wrong.length}, scene cuts=${r.counts.sceneCuts}${more}`);

  it('hamilton_360p (whole gallery): Lin is stored; every name shown is earned; never Lin on Obama or on the audience shot', async () => {
    const clip = dataPath('video', 'hamilton_360p.mp4');
    // reference shots (see the clip: wide stage 0-1.5 s, Lin in profile 1.5-3.6 s, Lin on stage 3.6-7.9 s, audience with Obama 7.9-9.2 s)
    const stageRefs = await Promise.all([1.0, 2.5, 5.5].map(async (t) => sceneSignature(await videoFrame(clip, t))));
    const audienceRef = sceneSignature(await videoFrame(clip, 8.5));
    expect(Math.min(...stageRefs.map((s) => sceneDistance(s, audienceRef)))).toBeGreaterThan(0.2);
    /** Clearly the audience shot: within 0.1 of its reference (its frames are at ~0.04) and nearer to it than to every stage shot. */
    const isAudience = (scene: number[] | undefined) => {
      if (!scene) return false;
      const d = sceneDistance(scene, audienceRef);
      return d <= 0.1 && stageRefs.every((s) => d < sceneDistance(scene, s));
    };
    const audiencePasses = (frames: Seen[]) => {
      let passes = 0, inside = false;
      for (const { job } of analysedOf(frames)) {
        const a = isAudience(job.scene);
        if (a && !inside) passes++;
        inside = a;
      }
      return passes;
    };

    const r = await run({
      camera: 'hamilton', clip, sampleFps: 3, maxSeconds: 60,
      // two passes of the audience shot (two loops) and Lin's sighting confirmed
      until: ({ frames, sightings, hub }) => audiencePasses(frames) >= 2 && hub.counts.sceneCuts >= 2
        && sightings.some((s) => s.personId === linId),
    });
    const names = auditNames(r.frames, r.track);
    const byTrack = facesByTrack(r.frames);
    const nearest = (face: HubFace) => (face.embedding ? gallery.matcher.identify(face.embedding).candidates[0]?.personId : undefined);

    // (c) never Lin on a face whose own embedding is nearest to Obama, nor on the audience shot without its own Lin match
    const linOnObama: Violation[] = [];
    let obamaNearest = 0, audienceFrames = 0, audienceFaces = 0;
    for (const { job, faces } of analysedOf(r.frames)) {
      const audience = isAudience(job.scene);
      if (audience) { audienceFrames++; audienceFaces += faces.length; }
      faces.forEach((face, k) => {
        const id = face.identity;
        const near = nearest(face);
        if (near === obamaId) obamaNearest++;
        if (id?.personId !== linId) return;
        const v = { seq: job.seq, capturedAt: job.capturedAt, face: k, box: face.box, trackId: id.trackId, name: id.name, evidence: id.evidence };
        if (near === obamaId) linOnObama.push({ ...v, why: 'shown as Lin, own embedding nearest to obama' });
        if (audience && face.match?.personId !== linId) linOnObama.push({ ...v, why: `shown as Lin on the audience shot without its own Lin match (own match ${face.match?.name ?? String(face.match)})` });
      });
    }
    const sightings = auditSightings(r.sightings, r.rows, r.frames, (personId, faces) => {
      if (personId !== linId) return undefined;
      const bad = faces.find(({ job, face }) => nearest(face) === obamaId || (isAudience(job.scene) && face.match?.personId !== linId));
      return bad ? `labelled Lin, but its track holds a face (seq ${bad.job.seq}) on the audience shot or nearest to obama` : undefined;
    });
    line('hamilton_360p', r, names, sightings, `, audience frames=${audienceFrames} (faces ${audienceFaces}, passes ${audiencePasses(r.frames)}), faces nearest obama=${obamaNearest}, tracks=${byTrack.size}`);

    const stored = r.rows.filter((row) => row.personId === linId);
    expect(stored.length, JSON.stringify(r.sightings.map((s) => [s.status, s.label, s.frames, s.embeddedFrames]))).toBeGreaterThanOrEqual(1);
    expect(stored[0]!.label).toBe('lin_manuel_miranda');
    // (a) the clip's cuts are seen, by the hub and by the replay from the raw signatures alike
    expect.soft(r.counts.sceneCuts).toBeGreaterThanOrEqual(1);
    expect.soft(names.cuts).toBe(r.counts.sceneCuts);
    // (c) is not vacuous: the audience shot was analysed
    expect(audienceFrames).toBeGreaterThanOrEqual(1);
    expect(names.counts.named).toBeGreaterThanOrEqual(1);
    // (b) every name shown was earned
    expect.soft(names.violations).toEqual([]);
    expect.soft(linOnObama).toEqual([]);
    expect.soft(sightings.wrong).toEqual([]);
    expect.soft(r.errors).toEqual([]);
  });

  /**
   * Person A (Lin, enrolled) for 4 s, then person B (a stranger, not enrolled) at the same place
   * for 4 s, looped. With a cut (the two shots' histograms far apart) the hub closes Lin's track
   * at the cut; without one (histograms alike) only the carry rules keep Lin's name off B.
   */
  async function synthetic(variant: { cut: boolean; stranger: string; margin: number }) {
    const linPhoto = dataPath('people/gallery/lin_manuel_miranda/lin-manuel-miranda.png');
    const dir = mkdtempSync(join(work, variant.cut ? 'cut-' : 'nocut-'));
    const synth = await buildSceneCutClip(engine, [linPhoto, dataPath('lfw-view1/images', variant.stranger)], dir, { secondsPerShot: 4, width: 480, height: 360, side: 352, margin: variant.margin });
    const [sigA, sigB] = await Promise.all(synth.shots.map(async (s) => sceneSignature(await rgbOf(s.png))));
    const track = testConfig().track;
    // preconditions: the shots are (or are not) a scene cut, A is Lin, B is nobody in the gallery
    if (variant.cut) expect(sceneDistance(sigA!, sigB!)).toBeGreaterThan(track.sceneCutDistance + 0.05);
    else expect(sceneDistance(sigA!, sigB!)).toBeLessThan(track.sceneCutDistance - 0.03);
    const own = async (png: string) => {
      const f = (await engine.analyze(png, { confirm: true })).faces.find((x) => x.embedding);
      return f ? gallery.matcher.identify(f.embedding!, undefined, f.confirmEmbedding) : undefined;
    };
    const [ownA, ownB] = [await own(synth.shots[0].png), await own(synth.shots[1].png)];
    expect(ownA?.personId).toBe(linId);
    expect(ownB, 'the stranger\'s face is embedded').toBeDefined();
    expect(ownB!.personId, JSON.stringify(ownB!.candidates)).toBeNull();

    const shotOf = (scene: number[] | undefined): 'A' | 'B' | '?' => {
      if (!scene) return '?';
      const a = sceneDistance(scene, sigA!), b = sceneDistance(scene, sigB!);
      return Math.min(a, b) > Math.min(0.15, sceneDistance(sigA!, sigB!) / 2) ? '?' : a < b ? 'A' : 'B';
    };
    const count = (frames: Seen[], shot: 'A' | 'B') => analysedOf(frames).filter((f) => shotOf(f.job.scene) === shot && f.faces.length > 0).length;
    const r = await run({
      camera: variant.cut ? 'synthetic-cut' : 'synthetic-nocut', clip: synth.clip, sampleFps: 3, maxSeconds: 45,
      // both shots seen well, and the B -> A change of the loop too
      until: ({ frames }) => {
        const shots = analysedOf(frames).map((f) => shotOf(f.job.scene));
        const firstB = shots.indexOf('B');
        return count(frames, 'A') >= 6 && count(frames, 'B') >= 6 && firstB >= 0 && shots.indexOf('A', firstB) > firstB;
      },
    });
    const names = auditNames(r.frames, r.track);
    const inB: Violation[] = [];
    let linInA = 0, framesA = 0, framesB = 0, unclassified = 0;
    for (const { job, faces } of analysedOf(r.frames)) {
      const shot = shotOf(job.scene);
      if (shot === 'A') framesA++; else if (shot === 'B') framesB++; else unclassified++;
      faces.forEach((face, k) => {
        const id = face.identity;
        if (shot === 'A' && id?.personId === linId) linInA++;
        if (shot !== 'A' && id && id.name !== null) {
          inB.push({ seq: job.seq, capturedAt: job.capturedAt, face: k, box: face.box, trackId: id.trackId, name: id.name, evidence: id.evidence, why: `shown with a name on a ${shot} frame (own match ${face.match?.name ?? String(face.match)})` });
        }
      });
    }
    const linHoldsB = (faces: { job: FacesJob }[]) => faces.find(({ job }) => shotOf(job.scene) !== 'A');
    const sightings = auditSightings(r.sightings, r.rows, r.frames, (personId, faces) => {
      const bad = linHoldsB(faces);
      return personId === linId && bad ? `labelled Lin, but its track holds a face on a ${shotOf(bad.job.scene)} frame (seq ${bad.job.seq})` : undefined;
    });
    const byTrack = facesByTrack(r.frames);
    const linRowsWithB = r.rows.filter((row) => row.personId === linId && linHoldsB(byTrack.get(row.trackId ?? '') ?? []));
    line(`synthetic Lin|stranger ${variant.cut ? 'with a cut' : 'without a cut'}`, r, names, sightings,
      `, A frames=${framesA}, B frames=${framesB}, unclassified=${unclassified}, Lin shown on A faces=${linInA}, stored Lin sightings whose track holds B faces=${linRowsWithB.length}`);

    expect(framesA).toBeGreaterThanOrEqual(3);
    expect(framesB).toBeGreaterThanOrEqual(3);
    expect.soft(linInA).toBeGreaterThanOrEqual(1);
    if (variant.cut) expect.soft(r.counts.sceneCuts).toBeGreaterThanOrEqual(1);
    expect.soft(names.cuts).toBe(r.counts.sceneCuts);
    expect.soft(inB).toEqual([]);
    expect.soft(names.violations).toEqual([]);
    expect.soft(sightings.wrong).toEqual([]);
    expect.soft(r.sightings.some((s) => s.personId === linId)).toBe(true);
    expect.soft(r.errors).toEqual([]);
  }

  // the strangers' embeddings are nearest to Lin among the gallery (0.127 and 0.132 from their LFW photos): the hard case
  it('synthetic cut: Lin, then a stranger at the same place: the stranger is never shown as Lin (nor anyone); Lin\'s sightings hold only Lin\'s frames', () =>
    synthetic({ cut: true, stranger: 'Adam_Sandler/Adam_Sandler_0001.jpg', margin: 1.3 }));

  it("same place without a scene cut: the stranger is never shown as Lin (nor anyone); every name shown is earned; Lin's sightings hold only Lin's frames", () =>
    synthetic({ cut: false, stranger: 'Alejandro_Toledo/Alejandro_Toledo_0020.jpg', margin: 1.6 }));

  it('crowd_walk_1080p (whole gallery): nobody is named, on faces or sightings', async () => {
    const r = await run({
      camera: 'crowd', clip: dataPath('video', 'crowd_walk_1080p.mp4'), sampleFps: 2, maxSeconds: 40,
      until: ({ frames }) => analysedOf(frames).length >= 8 && analysedOf(frames).reduce((n, f) => n + f.faces.filter((x) => x.embedding).length, 0) >= 12,
    });
    const names = auditNames(r.frames, r.track);
    const sightings = auditSightings(r.sightings, r.rows, r.frames, () => 'a name on the crowd clip (nobody there is enrolled)');
    const named = analysedOf(r.frames).flatMap(({ job, faces }) => faces.flatMap((face, k) => (face.identity?.name
      ? [{ seq: job.seq, face: k, box: face.box, name: face.identity.name, evidence: face.identity.evidence, own: face.match?.name ?? null }] : [])));
    line('crowd_walk_1080p', r, names, sightings);

    expect(names.counts.embedded).toBeGreaterThanOrEqual(5);
    expect.soft(named).toEqual([]);
    expect.soft(names.violations).toEqual([]);
    expect.soft(r.sightings.filter((s) => s.personId !== null)).toEqual([]);
    expect.soft(r.rows.filter((row) => row.personId !== null)).toEqual([]);
    expect.soft(sightings.wrong).toEqual([]);
    expect.soft(r.errors).toEqual([]);
  });

  /**
   * Issue 27's family case on public data: Kim Yong-il is enrolled, Tang Jiaxuan (LFW DevTest's
   * closest cross-person pair: 0.032-0.05 apart, under ResNet-34's open-set threshold) is a
   * "relative" who is not. The clip shows two of Tang's photos at the same place.
   *  1. ResNet-34 alone (identify.mode single, a gallery of its own): Tang is named Kim (the
   *     failure), the user says "not this person" on at most two of those sightings, and the next
   *     run of the same clip gives 0 wrong-name sightings (the correction is evidence the matcher uses).
   *  2. The default two witnesses on the shared gallery (Kim enrolled): this pair is one of the few
   *     LFW look-alikes both networks confuse (docs/recognition.md); whatever it names wrongly,
   *     at most two corrections later the clip gives 0 wrong-name sightings.
   *  3. Both: the live path names no face the photo path (the same composed frames as photos)
   *     does not name the same way.
   */
  it('look-alike relative not enrolled: at most two corrections, then 0 wrong-name sightings (ResNet-34 alone and two witnesses); live names are photo names', async () => {
    const kimPhoto = dataPath('lfw-view1/images/Kim_Yong-il/Kim_Yong-il_0001.jpg');
    const tang = (i: number) => dataPath(`lfw-view1/images/Tang_Jiaxuan/Tang_Jiaxuan_000${i}.jpg`);
    const dir = mkdtempSync(join(work, 'lookalike-'));
    const synth = await buildSceneCutClip(engine, [tang(6), tang(1)], dir, { secondsPerShot: 4, width: 480, height: 360, side: 320, margin: 1.6 });
    const rules = engine.decisionRules;
    if (rules.mode !== 'two-witness') throw new Error('the default engine should run two witnesses');
    // ResNet-34 alone: the same pipeline and gallery code with the single-model rule
    const singleEngine = Object.create(engine, { decisionRules: { value: { mode: 'single', single: rules.single } }, confirmModelId: { value: undefined } }) as FacePipeline;
    const singleDir = mkdtempSync(join(tmpdir(), 'fst-live-names-single-'));
    cleanups.push(() => rmSync(singleDir, { recursive: true, force: true }));
    const single = openGallery({ dataDir: singleDir, engine: singleEngine, settings: testConfig({ data: { dir: singleDir } }).gallery });
    cleanups.push(() => single.close());
    const kimSingle = single.people.createPerson('Kim_Yong-il');
    const kim = gallery.people.createPerson('Kim_Yong-il');
    cleanups.push(() => { if (gallery.people.find(kim.id)) gallery.people.deletePerson(kim.id); });
    expect((await single.enrollment.enrollPhoto(kimSingle.id, kimPhoto)).status).toBe('accepted');
    expect((await gallery.enrollment.enrollPhoto(kim.id, kimPhoto)).status).toBe('accepted');

    // the photo path on each shot (the frames the live path sees, before video compression)
    const photoNames = async (g: Gallery) => Promise.all(synth.shots.map(async (s) => (await g.matcher.identifyImage(s.png)).faces.map((f) => f.match?.name ?? null)));
    const singlePhoto = await photoNames(single), twoPhoto = await photoNames(gallery);
    // precondition: the hard case: ResNet-34 alone names at least one of Tang's photos as Kim
    expect(singlePhoto.flat(), 'ResNet-34 alone names Tang as Kim on a photo').toContain('Kim_Yong-il');
    const [sigA, sigB] = await Promise.all(synth.shots.map(async (s) => sceneSignature(await rgbOf(s.png))));
    const shotOf = (scene: number[] | undefined) => (!scene ? -1 : sceneDistance(scene, sigA!) <= sceneDistance(scene, sigB!) ? 0 : 1);
    const until = ({ frames }: { frames: Seen[] }) => [0, 1].every((k) => analysedOf(frames).filter((f) => shotOf(f.job.scene) === k && f.faces.some((x) => x.embedding)).length >= 4);
    const clipRun = (camera: string, g: Gallery) => run({ camera, clip: synth.clip, sampleFps: 3, maxSeconds: 60, gallery: g, until });
    const wrongOf = (r: Awaited<ReturnType<typeof run>>) => ({
      faces: analysedOf(r.frames).flatMap(({ job, faces }) => faces.filter((f) => f.identity?.name).map((f) => `seq ${job.seq}: ${f.identity!.name} (${f.identity!.evidence})`)),
      rows: r.rows.filter((row) => row.personId !== null),
    });
    /** Live faces named differently from the photo path on the same shot. */
    const liveNotPhoto = (r: Awaited<ReturnType<typeof run>>, photo: (string | null)[][]) => analysedOf(r.frames).flatMap(({ job, faces }) => faces
      .filter((f) => f.identity?.name && !photo[shotOf(job.scene)]?.includes(f.identity.name))
      .map((f) => `seq ${job.seq} shot ${shotOf(job.scene)}: live ${f.identity!.name}, photo ${JSON.stringify(photo[shotOf(job.scene)])}`));

    /** Run the clip, correct at most two wrong sightings ("not this person"), run it again when any was wrong. */
    const correctAndRerun = async (name: string, g: Gallery) => {
      const before = await clipRun(`${name}-1`, g);
      const wrongBefore = wrongOf(before);
      const corrections = new CorrectionsService(g, before.sink);
      const corrected = wrongBefore.rows.slice(0, 2);
      let evidence = 0;
      for (const row of corrected) evidence += corrections.notThisPerson(row.id, 'test').evidence;
      const after = corrected.length ? await clipRun(`${name}-2`, g) : undefined;
      const wrongAfter = after ? wrongOf(after) : wrongBefore;
      return { before, wrongBefore, corrected: corrected.length, evidence, after, wrongAfter };
    };
    const one = await correctAndRerun('lookalike-single', single);
    const two = await correctAndRerun('lookalike-two-witness', gallery);
    const text = (r: typeof one) => `${r.wrongBefore.rows.length} of ${r.before.rows.length} sightings named Kim (faces ${r.wrongBefore.faces.length}) -> ${r.corrected} corrections (${r.evidence} faces kept as evidence) -> ${r.after ? `${r.wrongAfter.rows.length} of ${r.after.rows.length} (faces ${r.wrongAfter.faces.length})` : 'no rerun'}`;
    console.log(`[live-names] look-alike (Tang Jiaxuan, not enrolled, vs Kim Yong-il): photo path ResNet-34 alone ${JSON.stringify(singlePhoto)}, two witnesses ${JSON.stringify(twoPhoto)}; `
      + `live ResNet-34 alone: ${text(one)}; two witnesses: ${text(two)}`);
    // the failure is real before the corrections (ResNet-34 alone), and gone after at most two
    expect(one.wrongBefore.rows.length).toBeGreaterThanOrEqual(1);
    expect(one.evidence).toBeGreaterThanOrEqual(1);
    for (const r of [one, two]) {
      expect.soft(r.wrongAfter.rows).toEqual([]);
      expect.soft(r.wrongAfter.faces).toEqual([]);
    }
    // the live path makes no naming error the photo path does not make on the same frames
    expect.soft(liveNotPhoto(one.before, singlePhoto)).toEqual([]);
    expect.soft(liveNotPhoto(two.before, twoPhoto)).toEqual([]);
    for (const r of [one.before, one.after, two.before, two.after]) if (r) expect.soft(r.errors).toEqual([]);
  });

  it('the appearance check is cheap: signature and similarity cost per face', async () => {
    const face = (await engine.analyze(dataPath('people/gallery/lin_manuel_miranda/lin-manuel-miranda.png'), { keepChips: true })).faces[0]!;
    const chip = face.chip!;
    const time = (fn: () => unknown, reps: number) => {
      const samples: number[] = [];
      for (let b = 0; b < 21; b++) {
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) fn();
        samples.push(((performance.now() - t0) * 1000) / reps);
      }
      return median(samples);
    };
    const sig = appearanceSignature(chip);
    const other = appearanceSignature({ ...chip, data: chip.data.map((v, i) => (i % 7 === 0 ? 255 - v : v)) });
    const signatureUs = time(() => appearanceSignature(chip), 50);
    const similarityUs = time(() => appearanceSimilarity(sig, other), 2000);
    const frame = await videoFrame(dataPath('video', 'crowd_walk_1080p.mp4'), 1);
    const sceneUs = time(() => sceneSignature(frame), 50);
    console.log(`[live-names] cost: appearanceSignature ${signatureUs.toFixed(1)} us/face (chip ${chip.size}px), appearanceSimilarity ${similarityUs.toFixed(2)} us/pair, sceneSignature ${sceneUs.toFixed(1)} us/frame (${frame.width}x${frame.height})`);
    expect(appearanceSimilarity(sig, sig)).toBeCloseTo(1, 5);
    // far below a face's embedding cost (tens of ms on one CPU core)
    expect(signatureUs + similarityUs).toBeLessThan(2000);
  });
});
