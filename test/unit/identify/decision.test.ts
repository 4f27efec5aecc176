import { describe, expect, it } from 'vitest';
import { rankPeople, twoWitnessVerdict, witnessVerdict, type WitnessRule } from '../../../src/identify/decision.js';
import { reviewSplit } from '../../../src/identify/review.js';
import { ProposalFilter } from '../../../src/vision/proposal.filter.js';
import { CameraTracker, type TrackInputFace } from '../../../src/track/face.tracker.js';
import { UnknownClusterer } from '../../../src/track/unknown.clusterer.js';
import type { SightingUpdate } from '../../../src/contracts/sighting.schema.js';
import { l2normalize } from '../../../src/vision/embed/embedder.js';

const rule: WitnessRule = { threshold: 0.06, minMargin: 0.01, lookalikeMargin: 0.03 };
const confirmRule: WitnessRule = { threshold: 0.55, minMargin: 0.02, lookalikeMargin: 0.05 };
const ranked = (...xs: [string, number][]) => xs.map(([personId, distance]) => ({ personId, distance }));
const pair = (a: string, b: string) => [a, b].sort().join() === 'mum,son';

describe('witnessVerdict', () => {
  it('names the nearest person within the threshold and the margin', () => {
    expect(witnessVerdict({ ranked: ranked(['a', 0.04], ['b', 0.08]) }, rule)).toEqual({ personId: 'a', reason: 'named' });
    expect(witnessVerdict({ ranked: ranked(['a', 0.07]) }, rule)).toEqual({ personId: null, reason: 'over-threshold' });
    expect(witnessVerdict({ ranked: ranked(['a', 0.04], ['b', 0.045]) }, rule)).toEqual({ personId: null, reason: 'margin' });
    expect(witnessVerdict({ ranked: [] }, rule)).toEqual({ personId: null, reason: 'empty-gallery' });
  });

  it('a look-alike runner-up needs the wider margin of the pair', () => {
    const view = { ranked: ranked(['son', 0.03], ['mum', 0.05]) };
    expect(witnessVerdict(view, rule)).toMatchObject({ personId: 'son' });
    expect(witnessVerdict(view, rule, pair)).toEqual({ personId: null, reason: 'lookalike' });
    expect(witnessVerdict({ ranked: ranked(['son', 0.02], ['mum', 0.06]) }, rule, pair)).toMatchObject({ personId: 'son' });
  });

  it('correction evidence ("not P" faces) closer than the nearest person by less than the margin leaves the face unknown', () => {
    expect(witnessVerdict({ ranked: ranked(['son', 0.045]), evidence: { notPersonId: 'son', distance: 0.03 } }, rule)).toEqual({ personId: null, reason: 'correction' });
    expect(witnessVerdict({ ranked: ranked(['son', 0.045]), evidence: { notPersonId: 'son', distance: 0.05 } }, rule)).toEqual({ personId: null, reason: 'correction' });
    // far evidence changes nothing
    expect(witnessVerdict({ ranked: ranked(['son', 0.02]), evidence: { notPersonId: 'son', distance: 0.2 } }, rule)).toMatchObject({ personId: 'son' });
  });
});

describe('twoWitnessVerdict', () => {
  const rules = { proposer: rule, confirmer: confirmRule };
  it('names only when both witnesses name the same person', () => {
    const proposer = { ranked: ranked(['a', 0.04], ['b', 0.09]) };
    expect(twoWitnessVerdict(proposer, { ranked: ranked(['a', 0.4], ['b', 0.6]) }, rules)).toEqual({ personId: 'a', reason: 'named' });
    expect(twoWitnessVerdict(proposer, { ranked: ranked(['b', 0.4], ['a', 0.6]) }, rules)).toEqual({ personId: null, reason: 'disagree' });
    expect(twoWitnessVerdict(proposer, { ranked: ranked(['a', 0.6]) }, rules)).toEqual({ personId: null, reason: 'unconfirmed' });
    expect(twoWitnessVerdict(proposer, null, rules)).toEqual({ personId: null, reason: 'unconfirmed' });
    expect(twoWitnessVerdict(proposer, { ranked: ranked(['a', 0.4], ['b', 0.41]) }, rules)).toEqual({ personId: null, reason: 'margin' });
  });
  it('the proposer refusing is final (the confirmer is not asked)', () => {
    expect(twoWitnessVerdict({ ranked: ranked(['a', 0.08]) }, { ranked: ranked(['a', 0.1]) }, rules)).toEqual({ personId: null, reason: 'over-threshold' });
  });
  it('rankPeople keeps each person\'s nearest sample', () => {
    expect(rankPeople([{ personId: 'a', distance: 0.3 }, { personId: 'b', distance: 0.2 }, { personId: 'a', distance: 0.1 }])).toEqual(ranked(['a', 0.1], ['b', 0.2]));
  });
});

const unit = (...xs: number[]) => l2normalize(Float32Array.from(xs));

describe('reviewSplit', () => {
  it('flags a person whose sightings fall into two well-separated groups, listing the smaller', () => {
    const near = (x: number, y: number) => unit(1, x, y, 0);
    const points = [near(0, 0), near(0.01, 0), near(0, 0.01), near(0.01, 0.01), near(0.6, 0), near(0.61, 0.01)].map((embedding, i) => ({ sightingId: i + 1, embedding }));
    const r = reviewSplit(points, 0.06)!;
    expect(r.outlying.sort()).toEqual([5, 6]);
    expect(r.main.sort()).toEqual([1, 2, 3, 4]);
    expect(r.separation).toBeGreaterThan(0.06);
  });
  it('one tight group, or too few sightings, is not flagged', () => {
    const tight = [0, 0.01, 0.02, 0.03, 0.015].map((x, i) => ({ sightingId: i, embedding: unit(1, x, 0, 0) }));
    expect(reviewSplit(tight, 0.06)).toBeNull();
    expect(reviewSplit(tight.slice(0, 3), 0.06)).toBeNull();
  });
});

describe('ProposalFilter', () => {
  it('confirms every face until vectors are published, then only faces within the threshold of a sample', async () => {
    let published: { revision: string; v: Float32Array[] } | null = null;
    let reads = 0;
    const source = {
      revision: () => Promise.resolve(published?.revision ?? null),
      vectors: () => { reads++; return Promise.resolve(published ? { dim: 2, data: Float32Array.from(published.v.flatMap((x) => [...x])) } : null); },
    };
    let now = 0;
    const f = new ProposalFilter(source, 0.06, 1000, { now: () => now, setTimeout: () => 0, clearTimeout: () => {} });
    await f.refresh();
    expect(f.wouldName(unit(0, 1))).toBe(true);
    published = { revision: '1', v: [unit(1, 0)] };
    await f.refresh();
    expect(f.size).toBeNull(); // polled less than pollMs ago
    now = 2000;
    await f.refresh();
    expect(f.size).toBe(1);
    expect(f.wouldName(unit(1, 0.05))).toBe(true);
    expect(f.wouldName(unit(0, 1))).toBe(false);
    now = 4000;
    await f.refresh();
    expect(reads).toBe(1); // same revision: the vectors are not read again
  });
});

describe('CameraTracker and look-alikes', () => {
  const q = { size: 80, sharpness: 50, passed: true };
  const e = unit(1, 0, 0, 0);
  const match = (personId: string) => ({ personId, name: personId, distance: 0.04, score: 0.96, ambiguous: false, threshold: 0.06, candidates: [] });
  const face = (i: number, m: TrackInputFace['match'], crop: string): TrackInputFace => ({ box: { x: 10 + i, y: 10, width: 60, height: 60 }, score: 0.9, quality: { ...q, size: 80 + i }, embedding: e, match: m, crop });
  const run = (matches: (string | null)[], splitVoteShare?: number) => {
    const out: SightingUpdate[] = [];
    const t = new CameraTracker('cam', { iouThreshold: 0.3, maxEmbeddingDistance: 0.1, closeAfterMs: 1000, minFrames: 2, ...(splitVoteShare === undefined ? {} : { splitVoteShare }) }, new UnknownClusterer(0.1), (s) => out.push(s));
    matches.forEach((m, i) => t.update({ seq: i, capturedAt: 1000 + i * 100, faces: [face(i, m === null ? null : match(m), `crop-${i}-${m}`)] }));
    t.closeAll();
    return out.find((s) => s.status === 'closed')!;
  };

  it('a track whose faces split between two people stays unnamed instead of being voted', () => {
    expect(run(['son', 'son', 'son', 'brother', 'son']).personId).toBeNull();
    expect(run(['son', 'son', 'son', 'brother', 'son'], 1).personId).toBe('son');
    expect(run(['son', 'son', 'son', 'son']).personId).toBe('son');
  });

  it('a named sighting shows a face whose own embedding named that person, never another face of the track', () => {
    // the last face is the best quality (largest) but named nobody: not shown for "son"
    const s = run(['son', 'son', null]);
    expect(s.personId).toBe('son');
    expect(s.crop).toBe('crop-1-son');
    // kept faces for corrections: best quality first, at most 3
    expect(s.faces!.map((f) => f.personId)).toEqual([null, 'son', 'son']);
  });
});

