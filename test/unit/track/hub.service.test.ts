import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { ZodError } from 'zod';
import type { Clock } from '../../../src/common/clock.js';
import { loadConfig, type TrackConfig } from '../../../src/config/index.js';
import type { FaceResult, FacesJob } from '../../../src/contracts/faces.schema.js';
import type { PersonMatch } from '../../../src/contracts/match.js';
import type { SightingUpdate } from '../../../src/contracts/sighting.schema.js';
import { Hub, type HubFace } from '../../../src/track/hub.service.js';

const baseTrack: TrackConfig = loadConfig({ env: {} }).track;

/** One-hot unit embeddings: different people are at cosine distance 1. */
const onehot = (k: number, dims = 8): number[] => Array.from({ length: dims }, (_, i) => (i === k ? 1 : 0));
const LIN = onehot(0);
const STRANGER_A = onehot(1);
const STRANGER_B = onehot(2);

const match = (distance: number): PersonMatch => ({
  personId: 'p-lin', name: 'Lin-Manuel Miranda', distance, score: 1 - distance, ambiguous: false, threshold: 0.4,
  candidates: [{ personId: 'p-lin', name: 'Lin-Manuel Miranda', distance, samples: 3 }],
});

function fakeClock(start = 1_000_000): Clock & { t: number } {
  const c = { t: start, now: () => c.t, setTimeout: () => 0, clearTimeout: () => {} };
  return c;
}

/** Identifier: Lin's embedding matches at the distance queued for it (default 0.1), every other is unknown. */
function fakeIdentifier() {
  const distances: number[] = [];
  const identify = vi.fn((e: Float32Array, _confirm?: Float32Array, _confirmSkipped?: boolean): PersonMatch | null | undefined => (e[0] === 1 ? match(distances.shift() ?? 0.1) : null));
  return { identify, distances };
}

interface FaceOpts { embedding?: number[]; crop?: string; sharpness?: number; y?: number; appearance?: number[] }
const face = (x: number, o: FaceOpts = {}): FaceResult => {
  const b = { x, y: o.y ?? 50, width: 80, height: 80 };
  const p = (dx: number, dy: number): [number, number] => [x + dx, b.y + dy];
  return {
    box: b, score: 0.9,
    landmarks: { leftEye: p(20, 25), rightEye: p(60, 25), nose: p(40, 45), mouthLeft: p(25, 62), mouthRight: p(55, 62) },
    quality: { size: 80, sharpness: o.sharpness ?? 100, yaw: 0, passed: o.embedding !== undefined, reasons: o.embedding ? [] : ['too_blurry'] },
    ...(o.embedding ? { embedding: o.embedding } : { notEmbedded: 'quality' as const }),
    ...(o.crop ? { crop: o.crop } : {}),
    ...(o.appearance ? { appearance: o.appearance } : {}),
  };
};

const job = (seq: number, faces: FaceResult[] = [], extra: Partial<FacesJob> = {}): FacesJob => ({
  version: 1, cameraId: 'cam1', seq, capturedAt: 1_700_000_000_000 + seq * 100, detectedAt: 1_700_000_000_000 + seq * 100 + 20,
  width: 640, height: 480, modelId: 'fake@1', faces, ...extra,
});

function harness(track: Partial<TrackConfig> = {}) {
  const clock = fakeClock();
  const identifier = fakeIdentifier();
  const sink = { save: vi.fn((_s: SightingUpdate): Promise<void> | void => {}), update: vi.fn((_s: SightingUpdate): Promise<void> | void => {}) };
  const hub = new Hub({ ...baseTrack, ...track }, { identifier, sink, logger: pino({ level: 'silent' }), clock });
  const frames: { cameraId: string; seq: number; skipped?: string; faces: HubFace[] }[] = [];
  const sightings: SightingUpdate[] = [];
  hub.on('frame', (j, faces) => frames.push({ cameraId: j.cameraId, seq: j.seq, skipped: j.skipped, faces }));
  hub.on('sighting', (s) => sightings.push(s));
  const seqs = (cameraId = 'cam1') => frames.filter((f) => f.cameraId === cameraId).map((f) => f.seq);
  return { hub, clock, identifier, sink, frames, sightings, seqs };
}

describe('Hub', () => {
  it.each([
    ['empty object', {}],
    ['negative seq', job(-1)],
    ['unknown skip reason', { ...job(1), skipped: 'lost' }],
    ['unknown field (strict)', { ...job(1), pixels: 'AAAA' }],
    ['face without landmarks', { ...job(1), faces: [{ box: { x: 0, y: 0, width: 1, height: 1 }, score: 1, quality: { size: 1, sharpness: 1, yaw: 0, passed: true, reasons: [] } }] }],
  ])('rejects an invalid faces job (%s) with a zod error, identifying and emitting nothing', async (_name, data) => {
    const h = harness();
    await expect(async () => h.hub.handle(data)).rejects.toBeInstanceOf(ZodError);
    expect(h.identifier.identify).not.toHaveBeenCalled();
    expect(h.frames).toEqual([]);
    expect(h.hub.counts.frames).toBe(0);
    // the hub keeps working after a bad job
    await h.hub.handle(job(1));
    expect(h.seqs()).toEqual([1]);
  });

  it('releases out-of-order results in sequence order per camera', async () => {
    const h = harness();
    await h.hub.handle(job(5));
    await h.hub.handle(job(7));
    expect(h.seqs()).toEqual([5]); // 7 waits for 6
    await h.hub.handle(job(1, [], { cameraId: 'cam2' })); // another camera is not held up by cam1's gap
    expect(h.seqs('cam2')).toEqual([1]);
    await h.hub.handle(job(6));
    expect(h.seqs()).toEqual([5, 6, 7]);
    await h.hub.handle(job(3, [], { cameraId: 'cam2' }));
    await h.hub.handle(job(2, [], { cameraId: 'cam2' }));
    expect(h.seqs('cam2')).toEqual([1, 2, 3]);
    expect(h.hub.counts).toMatchObject({ frames: 6, late: 0 });
  });

  it('a result arriving after its turn passed is dropped as late', async () => {
    const h = harness();
    await h.hub.handle(job(5));
    await h.hub.handle(job(6));
    await h.hub.handle(job(4));
    expect(h.seqs()).toEqual([5, 6]);
    expect(h.hub.counts).toMatchObject({ frames: 2, late: 1 });
  });

  it('a missing sequence number is waited for at most reorderWindowMs (hub clock)', async () => {
    const h = harness({ reorderWindowMs: 1000 });
    await h.hub.handle(job(10));
    await h.hub.handle(job(12));
    h.clock.t += 999;
    await h.hub.handle(job(13));
    expect(h.seqs()).toEqual([10]);
    h.clock.t += 1; // 12 has now waited the whole window for 11
    await h.hub.handle(job(14));
    expect(h.seqs()).toEqual([10, 12, 13, 14]);
    await h.hub.handle(job(11)); // too late now
    expect(h.seqs()).toEqual([10, 12, 13, 14]);
    expect(h.hub.counts.late).toBe(1);
  });

  it('close() flushes results still held back by a gap, in order', async () => {
    const h = harness();
    await h.hub.handle(job(1));
    await h.hub.handle(job(4));
    await h.hub.handle(job(3));
    expect(h.seqs()).toEqual([1]);
    await h.hub.close();
    expect(h.seqs()).toEqual([1, 3, 4]);
  });

  it('a face matched over minFrames frames: one confirmed sighting, then one closed sighting on close()', async () => {
    const h = harness({ minFrames: 3 });
    h.identifier.distances.push(0.1, 0.05, 0.08, 0.06);
    const frame = (seq: number, sharpness = 100) => job(seq, [face(100 + seq * 4, { embedding: LIN, crop: `crop-${seq}`, sharpness })]);

    await h.hub.handle(frame(1));
    await h.hub.handle(frame(2));
    expect(h.sightings).toEqual([]);
    await h.hub.handle(frame(3, 400)); // the sharpest face: the best crop
    expect(h.sightings).toHaveLength(1);
    const confirmed = h.sightings[0]!;
    expect(confirmed).toMatchObject({
      version: 1, status: 'confirmed', cameraId: 'cam1', personId: 'p-lin', name: 'Lin-Manuel Miranda', label: 'Lin-Manuel Miranda',
      unknownId: null, frames: 3, embeddedFrames: 3, crop: 'crop-3', firstSeen: job(1).capturedAt, lastSeen: job(3).capturedAt,
    });
    expect(h.sink.save).toHaveBeenCalledTimes(1);
    expect(h.sink.save).toHaveBeenCalledWith(confirmed);
    expect(h.sink.update).not.toHaveBeenCalled();

    await h.hub.handle(frame(4));
    expect(h.sightings).toHaveLength(1); // confirmed once only
    await h.hub.close();
    expect(h.sightings).toHaveLength(2);
    const closed = h.sightings[1]!;
    expect(closed).toMatchObject({
      status: 'closed', id: confirmed.id, trackId: confirmed.trackId, personId: 'p-lin', name: 'Lin-Manuel Miranda', label: 'Lin-Manuel Miranda',
      unknownId: null, frames: 4, embeddedFrames: 4, crop: 'crop-3', firstSeen: job(1).capturedAt, lastSeen: job(4).capturedAt,
    });
    expect(closed.maxScore).toBeCloseTo(0.95, 6);
    expect(closed.meanScore).toBeCloseTo(1 - (0.1 + 0.05 + 0.08 + 0.06) / 4, 4);
    expect(h.sink.update).toHaveBeenCalledTimes(1);
    expect(h.sink.update).toHaveBeenCalledWith(closed);
    expect(h.hub.counts).toMatchObject({ frames: 4, faces: 4, identified: 4, late: 0, sightings: 2 });

    await h.hub.close(); // idempotent: no second closed sighting
    expect(h.sightings).toHaveLength(2);
  });

  it('fewer than minFrames frames give no sighting at all', async () => {
    const h = harness({ minFrames: 3 });
    await h.hub.handle(job(1, [face(100, { embedding: LIN })]));
    await h.hub.handle(job(2, [face(104, { embedding: LIN })]));
    await h.hub.close();
    expect(h.sightings).toEqual([]);
    expect(h.sink.save).not.toHaveBeenCalled();
    expect(h.sink.update).not.toHaveBeenCalled();
  });

  it('skipped frames are emitted as frames but do not feed the tracker', async () => {
    const h = harness({ minFrames: 2, closeAfterMs: 1000 });
    await h.hub.handle(job(1, [face(100, { embedding: LIN })]));
    await h.hub.handle(job(2, [face(104, { embedding: LIN })]));
    expect(h.sightings.map((s) => s.status)).toEqual(['confirmed']);
    // skipped frames far later in camera time: fed to the tracker they would close Lin's track
    // (idle > closeAfterMs) and their faces would start and confirm a stranger's track
    const later = job(2).capturedAt + 10_000;
    await h.hub.handle(job(3, [], { skipped: 'dropped', capturedAt: later, width: 0, height: 0 }));
    await h.hub.handle(job(4, [face(400, { embedding: STRANGER_A })], { skipped: 'too_old', capturedAt: later + 100 }));
    await h.hub.handle(job(5, [face(400, { embedding: STRANGER_A })], { skipped: 'failed', capturedAt: later + 200 }));
    await h.hub.handle(job(6, [], { skipped: 'expired', capturedAt: later + 300 }));
    expect(h.frames.map((f) => [f.seq, f.skipped])).toEqual([[1, undefined], [2, undefined], [3, 'dropped'], [4, 'too_old'], [5, 'failed'], [6, 'expired']]);
    expect(h.sightings.map((s) => s.status)).toEqual(['confirmed']);
    expect(h.hub.counts.frames).toBe(6);

    await h.hub.close();
    expect(h.sightings.map((s) => [s.status, s.label, s.frames])).toEqual([['confirmed', 'Lin-Manuel Miranda', 2], ['closed', 'Lin-Manuel Miranda', 2]]);
  });

  it('a real frame later than closeAfterMs does close an idle track (camera time)', async () => {
    const h = harness({ minFrames: 2, closeAfterMs: 1000 });
    await h.hub.handle(job(1, [face(100, { embedding: LIN })]));
    await h.hub.handle(job(2, [face(104, { embedding: LIN })]));
    await h.hub.handle(job(3, [], { capturedAt: job(2).capturedAt + 1001 }));
    expect(h.sightings.map((s) => s.status)).toEqual(['confirmed', 'closed']);
    expect(h.sink.update).toHaveBeenCalledTimes(1);
  });

  it('unknown faces get a stranger number: label "unknown #n", no person, no scores; a returning stranger keeps the number', async () => {
    const h = harness({ minFrames: 2, closeAfterMs: 1000 });
    await h.hub.handle(job(1, [face(50, { embedding: STRANGER_A, crop: 'a' }), face(400, { embedding: STRANGER_B, crop: 'b' })]));
    await h.hub.handle(job(2, [face(52, { embedding: STRANGER_A, crop: 'a' }), face(402, { embedding: STRANGER_B, crop: 'b' })]));
    const confirmed = h.sightings.filter((s) => s.status === 'confirmed');
    expect(confirmed).toHaveLength(2);
    for (const s of confirmed) {
      expect(s).toMatchObject({ personId: null, name: null, maxScore: null, meanScore: null, frames: 2, embeddedFrames: 2 });
      expect(s.label).toBe(`unknown #${s.unknownId}`);
    }
    expect(confirmed.map((s) => s.unknownId).sort()).toEqual([1, 2]);
    const a = confirmed.find((s) => s.crop === 'a')!;
    const b = confirmed.find((s) => s.crop === 'b')!;
    expect(a.unknownId).not.toBe(b.unknownId);

    // both leave (idle > closeAfterMs in camera time): closed with their numbers
    await h.hub.handle(job(3, [], { capturedAt: job(2).capturedAt + 2000 }));
    const closed = h.sightings.filter((s) => s.status === 'closed');
    expect(closed.map((s) => [s.id, s.unknownId, s.label]).sort()).toEqual([[a.id, a.unknownId, a.label], [b.id, b.unknownId, b.label]].sort());

    // stranger A comes back elsewhere in the picture: a new track, the same stranger number
    const back = job(3).capturedAt + 2000;
    await h.hub.handle(job(4, [face(250, { embedding: STRANGER_A, crop: 'a2' })], { capturedAt: back }));
    await h.hub.handle(job(5, [face(252, { embedding: STRANGER_A, crop: 'a2' })], { capturedAt: back + 100 }));
    const again = h.sightings.at(-1)!;
    expect(again).toMatchObject({ status: 'confirmed', crop: 'a2', unknownId: a.unknownId, label: a.label, personId: null });
    expect([a.trackId, b.trackId]).not.toContain(again.trackId);
    expect(h.hub.counts.identified).toBe(0);
  });

  it('calls the identifier only for embedded faces and passes each face with its match to frame listeners', async () => {
    const h = harness();
    await h.hub.handle(job(1, [face(10, { embedding: LIN, crop: 'c1' }), face(200), face(400, { embedding: STRANGER_A })]));
    expect(h.identifier.identify).toHaveBeenCalledTimes(2);
    const args = h.identifier.identify.mock.calls.map(([e]) => e);
    expect(args.every((e) => e instanceof Float32Array)).toBe(true);
    expect(args.map((e) => Array.from(e))).toEqual([LIN, STRANGER_A]);

    const faces = h.frames[0]!.faces;
    expect(faces).toHaveLength(3);
    expect(faces[0]!.match).toMatchObject({ personId: 'p-lin' });
    expect(faces[0]!.crop).toBe('c1');
    expect(Array.from(faces[0]!.embedding!)).toEqual(LIN);
    expect(faces[1]!.match).toBeUndefined(); // not embedded: no vote
    expect(faces[1]!.embedding).toBeUndefined();
    expect(faces[2]!.match).toBeNull(); // embedded, unknown
    expect(h.hub.counts).toMatchObject({ frames: 1, faces: 3, identified: 1, sightings: 0 });
  });

  it('frame listeners get who each face is shown as: a name only from its own match or a verified continuation', async () => {
    const h = harness();
    const look = [0.5, -0.5, 0.5, -0.5];
    const other = [0.5, 0.5, -0.5, -0.5]; // uncorrelated with `look`
    await h.hub.handle(job(1, [face(100, { embedding: LIN, appearance: look }), face(400, { embedding: STRANGER_A })]));
    await h.hub.handle(job(2, [face(102, { appearance: look }), face(402)])); // not embedded
    await h.hub.handle(job(3, [face(104, { appearance: other })])); // not embedded, looks different
    await h.hub.handle(job(4, [face(106, { appearance: look })], { skipped: 'too_old' }));

    const [f1, f2, f3, f4] = h.frames;
    expect(f1!.faces[0]!.identity).toMatchObject({ personId: 'p-lin', name: 'Lin-Manuel Miranda', evidence: 'embedding', unknown: false });
    expect(f1!.faces[1]!.identity).toMatchObject({ personId: null, name: null, evidence: 'none', unknown: true });
    expect(f1!.faces[0]!.identity!.trackId).not.toBe(f1!.faces[1]!.identity!.trackId);
    // same place, same look, shortly after a verified face: the name carries
    expect(f2!.faces[0]!.identity).toMatchObject({ trackId: f1!.faces[0]!.identity!.trackId, personId: 'p-lin', evidence: 'track' });
    expect(f2!.faces[0]!.appearance).toEqual(look);
    // the unknown one stays nameless (and is no longer "unknown": it was not embedded)
    expect(f2!.faces[1]!.identity).toMatchObject({ trackId: f1!.faces[1]!.identity!.trackId, personId: null, evidence: 'none', unknown: false });
    // same track by position, but it does not look like the verified face: no name
    expect(f3!.faces[0]!.identity).toMatchObject({ trackId: f1!.faces[0]!.identity!.trackId, personId: null, name: null, evidence: 'none' });
    // skipped frames are not tracked: no identity
    expect(f4!.skipped).toBe('too_old');
    expect(f4!.faces[0]!.identity).toBeUndefined();
  });

  it('a scene cut closes every open track of that camera at once; its faces start new tracks', async () => {
    const h = harness({ minFrames: 2 });
    const day = [0.5, 0.5, 0, 0];
    const night = [0, 0, 0.5, 0.5];
    await h.hub.handle(job(1, [face(100, { embedding: LIN })], { scene: day }));
    await h.hub.handle(job(2, [face(102, { embedding: LIN })], { scene: [0.45, 0.55, 0, 0] })); // distance 0.05: no cut
    await h.hub.handle(job(1, [face(100, { embedding: STRANGER_A })], { cameraId: 'cam2', scene: day }));
    await h.hub.handle(job(2, [face(100, { embedding: STRANGER_A })], { cameraId: 'cam2', scene: day }));
    // skipped frames carry no scene comparison
    await h.hub.handle(job(3, [], { skipped: 'dropped', scene: night }));
    expect(h.hub.counts.sceneCuts).toBe(0);
    expect(h.sightings.map((s) => [s.cameraId, s.status])).toEqual([['cam1', 'confirmed'], ['cam2', 'confirmed']]);
    const before = h.sightings[0]!;

    await h.hub.handle(job(4, [face(104, { embedding: LIN })], { scene: night }));
    expect(h.hub.counts.sceneCuts).toBe(1);
    // Lin's track closed at the cut (not idle, same place): only cam1's track
    expect(h.sightings.map((s) => [s.cameraId, s.status])).toEqual([['cam1', 'confirmed'], ['cam2', 'confirmed'], ['cam1', 'closed']]);
    expect(h.sightings[2]).toMatchObject({ id: before.id, frames: 2 });
    const after = h.frames.at(-1)!.faces[0]!.identity!;
    expect(after.trackId).not.toBe(before.trackId);

    await h.hub.handle(job(5, [face(106, { embedding: LIN })], { scene: night }));
    expect(h.hub.counts.sceneCuts).toBe(1);
    expect(h.sightings.at(-1)).toMatchObject({ status: 'confirmed', trackId: after.trackId, label: 'Lin-Manuel Miranda', frames: 2 });
  });

  it('sceneCutDistance 1 turns cut detection off; frames without a scene never cut', async () => {
    const h = harness({ minFrames: 2, sceneCutDistance: 1 });
    await h.hub.handle(job(1, [face(100, { embedding: LIN })], { scene: [1, 0] }));
    await h.hub.handle(job(2, [face(102, { embedding: LIN })], { scene: [0, 1] }));
    await h.hub.handle(job(3, [face(104, { embedding: LIN })]));
    expect(h.hub.counts.sceneCuts).toBe(0);
    expect(h.sightings.map((s) => s.status)).toEqual(['confirmed']);
  });

  it('a face whose confirmation was skipped (confirmSkipped) votes neither for a person nor as unknown', async () => {
    const h = harness({ minFrames: 2, minVoteShare: 0.3 });
    // like galleryIdentifier in two-witness mode: the proposer names Lin, the confirmer was not run: no verdict
    h.identifier.identify.mockImplementation((e, _c, skipped) => (e[0] !== 1 ? null : skipped ? undefined : match(0.1)));
    await h.hub.handle(job(1, [face(100, { embedding: LIN, crop: 'confirmed-crop' })]));
    for (let seq = 2; seq <= 5; seq++) await h.hub.handle(job(seq, [{ ...face(100 + seq, { embedding: LIN, crop: `skipped-${seq}` }), confirmSkipped: true }]));
    expect(h.identifier.identify.mock.calls.map((c) => c[2])).toEqual([false, true, true, true, true]);
    await h.hub.close();
    // 1 named vote of 1 (4 skipped faces counted as unknown would make it 1 of 5, under minVoteShare)
    const closed = h.sightings.at(-1)!;
    expect(closed).toMatchObject({ status: 'closed', personId: 'p-lin', frames: 5, embeddedFrames: 5, crop: 'confirmed-crop' });
    expect(h.hub.counts.identified).toBe(1);
  });

  it('skipped frames without faces cost no identification', async () => {
    const h = harness();
    await h.hub.handle(job(1, [], { skipped: 'dropped' }));
    expect(h.identifier.identify).not.toHaveBeenCalled();
    expect(h.hub.counts).toMatchObject({ frames: 1, faces: 0, identified: 0 });
  });

  it('a sink whose save rejects is logged, not thrown into the pipeline', async () => {
    const h = harness({ minFrames: 1 });
    h.sink.save.mockImplementation(() => Promise.reject(new Error('disk full')));
    await expect(h.hub.handle(job(1, [face(100, { embedding: LIN })]))).resolves.toBeUndefined();
    expect(h.sightings.map((s) => s.status)).toEqual(['confirmed']);
    await h.hub.handle(job(2, [face(104, { embedding: LIN })]));
    expect(h.seqs()).toEqual([1, 2]);
  });
});
