import { describe, expect, it } from 'vitest';
import { CameraTracker, type TrackInputFace } from '../../../src/track/face.tracker.js';
import { ReorderBuffer } from '../../../src/track/reorder.buffer.js';
import { UnknownClusterer } from '../../../src/track/unknown.clusterer.js';
import { EmbedBudget } from '../../../src/vision/embed-budget.js';
import type { SightingUpdate } from '../../../src/contracts/sighting.schema.js';
import { l2normalize } from '../../../src/vision/embed/embedder.js';

/** Deterministic unit vectors: same seed = same person; different seeds are far apart. */
const rand = (seed: number) => { let x = seed * 2654435761 % 4294967296 || 1; return () => { x = (x * 1664525 + 1013904223) % 4294967296; return x / 4294967296 - 0.5; }; };
const vec = (seed: number, noise = 0) => {
  const r = rand(seed), n = rand(seed + 1000);
  const v = new Float32Array(32);
  for (let i = 0; i < v.length; i++) v[i] = r() + noise * n();
  return l2normalize(v);
};
const q = { size: 80, sharpness: 50, passed: true };
const face = (x: number, e?: Float32Array, match?: TrackInputFace['match']): TrackInputFace =>
  ({ box: { x, y: 10, width: 60, height: 60 }, score: 0.9, quality: q, embedding: e, match, crop: `c${x}` });

const options = { iouThreshold: 0.3, maxEmbeddingDistance: 0.1, closeAfterMs: 1000, minFrames: 2 };

describe('CameraTracker', () => {
  it('low frame rate: a box that moved most of its width (no overlap, no embedding) continues the track only with maxCenterShift', () => {
    const run = (maxCenterShift: number) => {
      const out: SightingUpdate[] = [];
      const t = new CameraTracker('cam', { ...options, maxCenterShift }, new UnknownClusterer(0.1), (s) => out.push(s));
      // 45 px steps of a 60 px box: IoU 0.14 < 0.3; a second face 400 px away stays separate
      for (let i = 0; i < 4; i++) t.update({ seq: i, capturedAt: 1000 + i * 500, faces: [face(10 + i * 45, i === 0 ? vec(1) : undefined), face(500, i === 0 ? vec(2) : undefined)] });
      t.closeAll();
      return out.filter((s) => s.status === 'closed');
    };
    const withShift = run(1);
    expect(withShift.map((s) => s.frames).sort()).toEqual([4, 4]);
    // without the fallback every frame starts a new track: only the static face is tracked
    expect(run(0).map((s) => s.frames)).toEqual([4]);
  });

  it('a track whose faces were never embedded (all below the quality gate) yields no sighting', () => {
    const out: SightingUpdate[] = [];
    const t = new CameraTracker('cam', options, new UnknownClusterer(0.1), (s) => out.push(s));
    for (let i = 0; i < 6; i++) t.update({ seq: i, capturedAt: 1000 + i * 100, faces: [face(10 + i * 2), face(300, i === 3 ? vec(5) : undefined)] });
    t.closeAll();
    // the never-embedded face at x=10 gives nothing; the face embedded once gives one sighting
    expect(out.filter((s) => s.status === 'closed').map((s) => s.frames)).toEqual([6]);
    expect(out.every((s) => s.embeddedFrames > 0)).toBe(true);
  });

  it('joins moving faces into tracks, votes identity, emits confirmed then one closed sighting per track', () => {
    const out: SightingUpdate[] = [];
    const t = new CameraTracker('cam', options, new UnknownClusterer(0.1), (s) => out.push(s));
    const lin = { personId: 'p1', name: 'Lin', distance: 0.05, score: 0.95, ambiguous: false, threshold: 0.1, candidates: [] };
    for (let i = 0; i < 5; i++) {
      t.update({ seq: i, capturedAt: 1000 + i * 100, faces: [face(10 + i * 5, vec(1, 0.01 * i), i === 2 ? null : lin), face(300 - i * 5, i % 2 ? vec(2) : undefined, i % 2 ? null : undefined)] });
    }
    expect(t.openTracks).toBe(2);
    expect(out.filter((s) => s.status === 'confirmed')).toHaveLength(2);
    t.update({ seq: 50, capturedAt: 5000, faces: [] });
    const closed = out.filter((s) => s.status === 'closed');
    expect(closed).toHaveLength(2);
    const known = closed.find((s) => s.personId === 'p1')!;
    expect(known.frames).toBe(5);
    expect(known.label).toBe('Lin');
    expect(known.maxScore).toBeCloseTo(0.95);
    expect(known.firstSeen).toBe(1000);
    expect(known.lastSeen).toBe(1400);
    const stranger = closed.find((s) => s.personId === null)!;
    expect(stranger.label).toMatch(/^unknown #\d+$/);
    expect(stranger.frames).toBe(5);
    expect(new Set(out.map((s) => s.id)).size).toBe(2);
  });

  it('tracks shorter than minFrames yield no sighting; a returning stranger gets the same unknown number', () => {
    const out: SightingUpdate[] = [];
    const t = new CameraTracker('cam', options, new UnknownClusterer(0.1), (s) => out.push(s));
    t.update({ seq: 1, capturedAt: 0, faces: [face(10, vec(7), null)] });
    t.update({ seq: 2, capturedAt: 5000, faces: [face(200, vec(7, 0.01), null)] });
    expect(out).toHaveLength(0);
    t.update({ seq: 3, capturedAt: 5100, faces: [face(205, vec(7, 0.02), null)] });
    t.update({ seq: 4, capturedAt: 9000, faces: [face(400, vec(7, 0.01), null)] });
    t.update({ seq: 5, capturedAt: 9100, faces: [face(402, vec(7), null)] });
    t.closeAll();
    const closed = out.filter((s) => s.status === 'closed');
    expect(closed).toHaveLength(2);
    expect(closed[0]!.unknownId).toBe(closed[1]!.unknownId);
    expect(closed[0]!.trackId).not.toBe(closed[1]!.trackId);
  });

  it('an embedding far from the track vetoes a weak box overlap (two people crossing)', () => {
    const out: SightingUpdate[] = [];
    const t = new CameraTracker('cam', { ...options, minFrames: 1 }, new UnknownClusterer(0.1), (s) => out.push(s));
    t.update({ seq: 1, capturedAt: 0, faces: [face(10, vec(1), null)] });
    t.update({ seq: 2, capturedAt: 100, faces: [face(35, vec(9), null)] }); // IoU ~0.4 but another person
    expect(t.openTracks).toBe(2);
  });
});

describe('ReorderBuffer', () => {
  it('releases in order, waits for a gap at most windowMs, drops late arrivals', () => {
    const b = new ReorderBuffer<number>(500);
    expect(b.push(1, 1, 0)).toEqual([1]);
    expect(b.push(3, 3, 10)).toEqual([]);
    expect(b.push(4, 4, 20)).toEqual([]);
    expect(b.push(2, 2, 30)).toEqual([2, 3, 4]);
    expect(b.push(6, 6, 100)).toEqual([]);
    expect(b.drain(599)).toEqual([]);
    expect(b.drain(601)).toEqual([6]);
    expect(b.push(5, 5, 700)).toEqual([]);
    expect(b.late).toBe(1);
    b.push(9, 9, 800);
    expect(b.flush()).toEqual([9]);
  });
});

describe('UnknownClusterer', () => {
  it('assigns the same number to near embeddings and new numbers to others', () => {
    const c = new UnknownClusterer(0.1);
    const a = c.assign(vec(1));
    expect(c.assign(vec(1, 0.02))).toBe(a);
    expect(c.assign(vec(2))).not.toBe(a);
    expect(c.size).toBe(2);
  });
});

describe('EmbedBudget', () => {
  it('embeds new boxes, skips matched ones until quality improves or N frames pass', () => {
    const b = new EmbedBudget({ iou: 0.5, everyFrames: 3, qualityGain: 0.2 });
    const f = (x: number, sharp = 50) => ({ box: { x, y: 0, width: 50, height: 50 }, quality: { size: 50, sharpness: sharp } });
    expect(b.select('c', 1, [f(0), f(200)])).toEqual([true, true]);
    expect(b.select('c', 2, [f(2), f(202)])).toEqual([false, false]);
    expect(b.select('c', 3, [f(4, 200), f(204)])).toEqual([true, false]); // sharper
    expect(b.select('c', 4, [f(6), f(206)])).toEqual([false, true]); // 3 frames since seq 1
    expect(b.select('other', 4, [f(6)])).toEqual([true]); // per camera
  });
});

describe('CameraTracker: a name only where it is earned', () => {
  const lin = { personId: 'p1', name: 'Lin', distance: 0.05, score: 0.95, ambiguous: false, threshold: 0.1, candidates: [] };
  /** Appearance signatures: same seed = same look. */
  const look = (seed: number) => Array.from(vec(seed + 500));
  const at = (x: number, opts: { e?: Float32Array; match?: TrackInputFace['match']; look?: number[] } = {}): TrackInputFace =>
    ({ ...face(x, opts.e, opts.match), appearance: opts.look });
  const tracker = (out: SightingUpdate[] = []) => new CameraTracker('cam', { ...options, maxCenterShift: 1, minAppearance: 0.7, carryMinIou: 0.5, carryMaxGapMs: 1500 }, new UnknownClusterer(0.1), (s) => out.push(s));

  it('its own embedding names a face; a continuation keeps the name only with overlap, a short gap and the same look', () => {
    const t = tracker();
    expect(t.update({ seq: 1, capturedAt: 1000, faces: [at(10, { e: vec(1), match: lin, look: look(1) })] })[0]).toMatchObject({ name: 'Lin', evidence: 'embedding' });
    // not embedded, same place, same look, 500 ms later: carried, marked as such
    expect(t.update({ seq: 2, capturedAt: 1500, faces: [at(12, { look: look(1) })] })[0]).toMatchObject({ name: 'Lin', personId: 'p1', evidence: 'track' });
    // same place, another look (another person stepped in): tracked, no name
    expect(t.update({ seq: 3, capturedAt: 2000, faces: [at(12, { look: look(7) })] })[0]).toMatchObject({ name: null, personId: null, evidence: 'none' });
    // no signature at all (older worker): nothing to check, no name
    expect(t.update({ seq: 4, capturedAt: 2100, faces: [at(12)] })[0]).toMatchObject({ name: null, evidence: 'none' });
  });

  it('no name after a long gap since the last verified face, or after an embedding that matched nobody', () => {
    const t = tracker();
    t.update({ seq: 1, capturedAt: 1000, faces: [at(10, { e: vec(1), match: lin, look: look(1) })] });
    for (let i = 1; i <= 4; i++) t.update({ seq: 1 + i, capturedAt: 1000 + i * 500, faces: [at(10, { look: look(1) })] });
    // 2000 ms after the last verified face > carryMaxGapMs
    expect(t.update({ seq: 6, capturedAt: 3000, faces: [at(10, { look: look(1) })] })[0]!.evidence).toBe('none');
    const u = tracker();
    u.update({ seq: 1, capturedAt: 1000, faces: [at(10, { e: vec(1), match: lin, look: look(1) })] });
    expect(u.update({ seq: 2, capturedAt: 1200, faces: [at(10, { e: vec(1), match: null, look: look(1) })] })[0]).toMatchObject({ name: null, unknown: true });
    expect(u.update({ seq: 3, capturedAt: 1400, faces: [at(10, { look: look(1) })] })[0]!.evidence).toBe('none');
  });

  it('a centre-shift continuation needs the same look: another person in the same spot starts a new track', () => {
    const t = tracker();
    const a = t.update({ seq: 1, capturedAt: 1000, faces: [at(10, { e: vec(1), match: lin, look: look(1) })] })[0]!;
    // moved 45 px (IoU < iouThreshold): near enough, but it does not look alike
    const b = t.update({ seq: 2, capturedAt: 1500, faces: [at(55, { look: look(9) })] })[0]!;
    expect(b.trackId).not.toBe(a.trackId);
    const c = t.update({ seq: 3, capturedAt: 2000, faces: [at(100, { look: look(9) })] })[0]!;
    expect(c.trackId).toBe(b.trackId);
  });

  it('a sighting keeps 3 faces for corrections: those with both witnesses\' embeddings first, then the sharpest', () => {
    const out: SightingUpdate[] = [];
    const t = new CameraTracker('cam', options, new UnknownClusterer(0.1), (s) => out.push(s));
    const confirm = Float32Array.from([0, 1]);
    // sharpness 10..60: the two confirmed faces are the blurriest, yet kept first
    for (let i = 0; i < 6; i++) {
      t.update({ seq: i, capturedAt: 1000 + i * 100, faces: [{ ...face(10 + i, vec(3, 0.001 * i), null), quality: { ...q, sharpness: 10 * (i + 1) }, ...(i < 2 ? { confirmEmbedding: confirm } : {}) }] });
    }
    t.closeAll();
    const kept = out.at(-1)!.faces!;
    expect(kept.map((f) => f.confirmEmbedding !== undefined)).toEqual([true, true, false]);
    expect(kept[0]!.quality).toBeGreaterThan(kept[1]!.quality); // by quality within each group
    expect(kept[2]!.quality).toBe(Math.max(...kept.map((f) => f.quality)));
  });

  it('cut() closes every open track: nothing continues across a scene cut', () => {
    const out: SightingUpdate[] = [];
    const t = tracker(out);
    t.update({ seq: 1, capturedAt: 1000, faces: [at(10, { e: vec(1), match: lin, look: look(1) })] });
    const before = t.update({ seq: 2, capturedAt: 1200, faces: [at(10, { e: vec(1), match: lin, look: look(1) })] })[0]!;
    expect(out.map((s) => s.status)).toEqual(['confirmed']);
    t.cut();
    expect(out.map((s) => s.status)).toEqual(['confirmed', 'closed']);
    expect(t.openTracks).toBe(0);
    const after = t.update({ seq: 3, capturedAt: 1400, faces: [at(10, { look: look(1) })] })[0]!;
    expect(after.trackId).not.toBe(before.trackId);
    expect(after).toMatchObject({ name: null, evidence: 'none' });
  });
});

describe('CameraTracker: no identity change inside a track', () => {
  it('a face whose own embedding is far from the track and does not match its person starts a new track, even in the same place', () => {
    const out: SightingUpdate[] = [];
    const t = new CameraTracker('cam', options, new UnknownClusterer(0.1), (s) => out.push(s));
    const lin = { personId: 'p1', name: 'Lin', distance: 0.05, score: 0.95, ambiguous: false, threshold: 0.1, candidates: [] };
    const a = t.update({ seq: 1, capturedAt: 1000, faces: [face(10, vec(1), lin)] })[0]!;
    t.update({ seq: 2, capturedAt: 1200, faces: [face(10, vec(1, 0.01), lin)] });
    // the same box, another person's embedding that matched nobody
    const b = t.update({ seq: 3, capturedAt: 1400, faces: [face(10, vec(2), null)] })[0]!;
    expect(b.trackId).not.toBe(a.trackId);
    t.closeAll();
    const closed = out.filter((s) => s.status === 'closed');
    expect(closed.find((s) => s.personId === 'p1')!.frames).toBe(2);
  });
});

describe('EmbedBudget: someone else in the same place', () => {
  it('re-embeds a matched box at once when the appearance changed', () => {
    const b = new EmbedBudget({ iou: 0.5, everyFrames: 5, qualityGain: 0.2, minAppearance: 0.7 });
    const box = { x: 10, y: 10, width: 60, height: 60 };
    const look = (seed: number) => Array.from(vec(seed + 900));
    const quality = { size: 60, sharpness: 50 };
    expect(b.select('cam', 1, [{ box, quality, appearance: look(1) }])).toEqual([true]);
    expect(b.select('cam', 2, [{ box, quality, appearance: look(1) }])).toEqual([false]);
    expect(b.select('cam', 3, [{ box, quality, appearance: look(2) }])).toEqual([true]);
    expect(b.select('cam', 4, [{ box, quality, appearance: look(2) }])).toEqual([false]);
  });
});
