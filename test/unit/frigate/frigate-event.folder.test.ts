import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type FrigateConfig } from '../../../src/config/index.js';
import type { PersonMatch } from '../../../src/contracts/match.js';
import type { Sighting, SightingUpdate } from '../../../src/contracts/sighting.schema.js';
import { frigateEventMessageSchema, snapshotMark } from '../../../src/frigate/frigate-event.schema.js';
import { FrigateEventFolder, mainFace, type PhotoAnalyzer } from '../../../src/frigate/frigate-event.folder.js';
import { FrigateHttpError } from '../../../src/frigate/frigate.client.js';
import { FrigateSubLabels } from '../../../src/frigate/frigate-sub-labels.js';
import { Hub } from '../../../src/track/hub.service.js';
import type { StoredSightingEvent } from '../../../src/track/sighting.service.js';
import type { AnalyzedFace, AnalyzeResult } from '../../../src/vision/face.pipeline.js';

const base = loadConfig({ env: {} });
const logger = pino({ level: 'silent' });

/** One-hot embeddings: index 0 is Lin, 1 is Obama, anything else a stranger. */
const onehot = (k: number) => Float32Array.from({ length: 8 }, (_, i) => (i === k ? 1 : 0));
const people: Record<number, { personId: string; name: string }> = { 0: { personId: 'p-lin', name: 'Lin' }, 1: { personId: 'p-obama', name: 'Obama' } };
const matchOf = (e: Float32Array): PersonMatch | null => {
  const k = e.indexOf(1);
  const p = people[k];
  return p ? { ...p, distance: 0.02, score: 0.98, ambiguous: false, threshold: 0.06, candidates: [] } : null;
};

function face(k: number | null, box = { x: 100, y: 50, width: 80, height: 80 }): AnalyzedFace {
  return {
    box, score: 0.9, truncated: false, landmarks: { leftEye: [0, 0], rightEye: [0, 0], nose: [0, 0], mouthLeft: [0, 0], mouthRight: [0, 0] }, landmarks68: [],
    quality: { size: box.width, sharpness: 100, yaw: 0, passed: k !== null, reasons: [] }, ...(k !== null ? { embedding: onehot(k) } : {}),
  };
}

/** Snapshots are the byte of the face index to show; the analyzer returns that face. */
const analyzer: PhotoAnalyzer = {
  analyzePhoto: async (input: Buffer): Promise<AnalyzeResult> => ({
    width: 400, height: 400, modelId: 'm', timings: { decode: 0, detect: 0, landmarks: 0, align: 0, embed: 0, total: 0 },
    faces: input[0] === 255 ? [] : [face(input[0] === 254 ? null : input[0]!)],
  }),
};

function setup(options: Partial<FrigateConfig> = {}, snapshot?: (id: string) => Promise<Buffer>) {
  const updates: SightingUpdate[] = [];
  const hub = new Hub(base.track, { identifier: { identify: matchOf }, logger, sink: { save: (s) => { updates.push(s); }, update: (s) => { updates.push(s); } } });
  const shots = new Map<string, number>();
  const fetched: string[] = [];
  const folder = new FrigateEventFolder({ ...base.frigate, ...options }, {
    analyzer, hub, logger, cropSize: 112,
    snapshots: { snapshot: snapshot ?? (async (id) => { fetched.push(id); return Buffer.from([shots.get(id) ?? 255]); }) },
  });
  folder.start();
  const msg = (type: 'new' | 'update' | 'end', id: string, frameTime: number, extra: Record<string, unknown> = {}) => folder.onMessage(frigateEventMessageSchema.parse({
    type, before: {}, after: { id, camera: 'door', label: 'person', sub_label: null, top_score: 0.8, start_time: 1, end_time: type === 'end' ? 9 : null, has_snapshot: true, snapshot: { frame_time: frameTime, score: 0.8 }, ...extra },
  }));
  return { folder, hub, updates, shots, fetched, msg };
}

afterEach(() => { vi.useRealTimers(); });

describe('Frigate events -> one sighting per event (FrigateEventFolder on a real Hub tracker)', () => {
  it('folds every better snapshot of one event into one track: one sighting, voted, closed at the end; zone-only updates fetch nothing', async () => {
    const { folder, updates, shots, fetched, msg } = setup();
    shots.set('1.1-a', 0);
    msg('new', '1.1-a', 10);
    await vi.waitFor(() => expect(folder.counts.analysed).toBe(1));
    msg('update', '1.1-a', 10, { current_zones: ['porch'] });
    msg('update', '1.1-a', 11);
    await vi.waitFor(() => expect(folder.counts.analysed).toBe(2));
    msg('end', '1.1-a', 11);
    await vi.waitFor(() => expect(updates.map((u) => u.status)).toEqual(['confirmed', 'closed']));
    expect(fetched).toEqual(['1.1-a', '1.1-a']);
    expect(updates[1]).toMatchObject({ id: 'frigate-door:1.1-a', trackId: '1.1-a', cameraId: 'frigate-door', name: 'Lin', frames: 2, embeddedFrames: 2 });
    expect(folder.openEvents).toBe(0);
    await folder.close();
  });

  it('a better snapshot replaces one still waiting; past maxFetchesPerEvent they are dropped; other labels, cameras and false positives are ignored', async () => {
    let release!: () => void;
    const gate = new Promise<void>((ok) => { release = ok; });
    const fetched: string[] = [];
    const { folder, msg } = setup({ maxFetchesPerEvent: 2, cameras: ['door'] }, async (id) => { fetched.push(id); await gate; return Buffer.from([0]); });
    msg('new', '2.1-a', 1);
    msg('update', '2.1-a', 2);
    msg('update', '2.1-a', 3); // replaces 2 while 1 is in flight
    release();
    await vi.waitFor(() => expect(folder.counts.analysed).toBe(2));
    msg('update', '2.1-a', 4); // the budget is used
    msg('new', '2.2-a', 1, { label: 'car' });
    msg('new', '2.3-a', 1, { camera: 'garden' });
    msg('new', '2.4-a', 1, { false_positive: true });
    expect(folder.counts).toMatchObject({ messages: 4, dropped: 2 });
    expect(fetched).toEqual(['2.1-a', '2.1-a']);
    await folder.close();
  });

  it('per camera, at most cameraFetchesPerMinute fetches in any minute: the next waits for its turn; a silent event closes after eventTimeoutS', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { folder, shots, fetched, updates, msg } = setup({ cameraFetchesPerMinute: 1, eventTimeoutS: 120 });
    shots.set('3.1-a', 0);
    shots.set('3.2-a', 1);
    msg('new', '3.1-a', 1);
    msg('new', '3.2-a', 1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetched).toEqual(['3.1-a']);
    await vi.advanceTimersByTimeAsync(59_500);
    expect(fetched).toEqual(['3.1-a', '3.2-a']);
    expect(updates.filter((u) => u.status === 'confirmed').map((u) => u.name)).toEqual(['Lin', 'Obama']);
    await vi.advanceTimersByTimeAsync(121_000);
    expect(updates.filter((u) => u.status === 'closed').map((u) => u.trackId).sort()).toEqual(['3.1-a', '3.2-a']);
    expect(folder.openEvents).toBe(0);
    await folder.close();
  });

  it('a transient fetch failure is retried once; a second one drops the snapshot (counted); no face, no sighting', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    let calls = 0;
    const { folder, updates, msg } = setup({}, async () => { calls++; throw new FrigateHttpError('http', 'HTTP 500', 500); });
    msg('new', '4.1-a', 1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(2);
    expect(folder.counts).toMatchObject({ failed: 2, dropped: 1 });
    msg('end', '4.1-a', 1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(updates).toEqual([]);
    expect(folder.openEvents).toBe(0);
    await folder.close();
  });

  it('close() ends every open event (final sightings) and counts the waiting work', async () => {
    const { folder, hub, updates, shots, msg } = setup();
    shots.set('5.1-a', 0);
    msg('new', '5.1-a', 1);
    await vi.waitFor(() => expect(folder.counts.analysed).toBe(1));
    await folder.close();
    expect(updates.map((u) => u.status)).toEqual(['confirmed', 'closed']);
    await hub.close();
    expect(updates).toHaveLength(2);
  });

  it('snapshotMark reads 0.14 (snapshot_time) and later (snapshot.frame_time) messages; mainFace prefers the large centred face', () => {
    const o = (extra: Record<string, unknown>) => frigateEventMessageSchema.parse({ type: 'new', after: { id: '1.2-x', camera: 'c', label: 'person', ...extra } }).after;
    expect(snapshotMark(o({ snapshot_time: 5, top_score: 0.7 }))).toEqual({ key: 't5', frameTime: 5, score: 0.7 });
    expect(snapshotMark(o({ snapshot: { frame_time: 6, score: 0.8 }, top_score: 0.9 }))).toEqual({ key: 't6', frameTime: 6, score: 0.8 });
    expect(snapshotMark(o({ top_score: 0.9 })).key).toBe('s0.9');
    expect(frigateEventMessageSchema.safeParse({ type: 'new', after: { id: '../../x', camera: 'c', label: 'person' } }).success).toBe(false);
    const centred = face(0, { x: 160, y: 40, width: 80, height: 80 });
    const edge = face(1, { x: 0, y: 40, width: 90, height: 90 });
    expect(mainFace({ width: 400, faces: [edge, centred] })).toBe(centred);
    expect(mainFace({ width: 400, faces: [] })).toBeUndefined();
  });
});

describe('sub_label write-back follows the stored sighting (FrigateSubLabels)', () => {
  const row = (over: Partial<Sighting>): Sighting => ({
    id: 1, cameraId: 'frigate-door', personId: 'p-lin', label: 'Lin', firstSeen: '', lastSeen: '', maxScore: 0.97, meanScore: 0.96,
    bestDistance: 0.03, frames: 1, cropPath: null, trackId: '1.1-a', metadata: {}, ...over,
  });

  function writer(fail = 0) {
    const sightings = new EventEmitter();
    const calls: [string, string, number | undefined][] = [];
    let failures = fail;
    const w = new FrigateSubLabels({
      sightings: sightings as never, logger, isFrigateCamera: (id) => id.startsWith('frigate-'),
      target: { setSubLabel: async (id, label, score) => { if (failures-- > 0) throw new FrigateHttpError('http', 'HTTP 503', 503); calls.push([id, label, score]); } },
    });
    w.start();
    const stored = (kind: 'confirmed' | 'closed', s: Sighting) => sightings.emit(`sighting.${kind}`, { sighting: s, crop: null } satisfies StoredSightingEvent);
    const relabelled = (s: Sighting) => sightings.emit('sighting.relabelled', s);
    return { w, calls, stored, relabelled };
  }

  it('writes a name once with its score, clears only what it wrote, follows corrections, skips non-Frigate cameras', async () => {
    const { w, calls, stored, relabelled } = writer();
    stored('confirmed', row({}));
    stored('closed', row({}));
    stored('confirmed', row({ id: 2, trackId: '1.2-b', personId: null, label: 'unknown #3' }));
    stored('closed', row({ id: 2, trackId: '1.2-b', personId: null, label: 'unknown #3' }));
    stored('confirmed', row({ id: 3, cameraId: 'hall', trackId: 'lz-1' }));
    relabelled(row({ personId: null, label: 'unknown (corrected)' }));
    relabelled(row({ id: 4, trackId: '1.4-d', personId: 'p-obama', label: 'Obama' }));
    await w.close();
    expect(calls).toEqual([['1.1-a', 'Lin', 0.97], ['1.1-a', '', undefined], ['1.4-d', 'Obama', undefined]]);
  });

  it('retries a failed write (transient), then gives up counted', async () => {
    const ok = writer(1);
    ok.stored('confirmed', row({}));
    await vi.waitFor(() => expect(ok.calls).toHaveLength(1), { timeout: 5000 });
    await ok.w.close();
    expect(ok.w.counts).toMatchObject({ written: 1, failed: 0 });
    const bad = writer(10);
    bad.stored('confirmed', row({}));
    await vi.waitFor(() => expect(bad.w.counts.failed).toBe(1), { timeout: 10_000 });
    await bad.w.close();
    expect(bad.calls).toEqual([]);
  });
});
