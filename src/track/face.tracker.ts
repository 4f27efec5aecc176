import type { TrackConfig } from '../config/schema.js';
import type { SightingUpdate } from '../contracts/sighting.schema.js';
import { cosineDistance, l2normalize } from '../common/vectors.js';
import { iou, type Box } from '../common/geometry.js';
import type { PersonMatch } from '../contracts/match.js';
import { appearanceSimilarity } from '../common/signature-distance.js';
import type { UnknownClusterer } from './unknown.clusterer.js';

/** One face of one frame, already identified when it had an embedding. */
export interface TrackInputFace {
  box: Box;
  score: number;
  quality: { size: number; sharpness: number; passed: boolean };
  embedding?: Float32Array;
  /** The confirming model's embedding (two witnesses), when the vision worker computed one. */
  confirmEmbedding?: Float32Array;
  /** undefined = not embedded (no vote); null = embedded but unknown. */
  match?: PersonMatch | null;
  crop?: string;
  /** Appearance signature (vision/appearance.ts); absent from older workers. */
  appearance?: ArrayLike<number>;
}

/**
 * Who a face is shown as. A name only when it is earned: the face's own embedding matched the
 * person (`embedding`), or the face continues a track whose last verified face it overlaps at
 * a short gap and resembles (`track`). Anything else is tracked but carries no name (`none`).
 */
export interface FaceIdentity {
  trackId: string;
  personId: string | null;
  name: string | null;
  evidence: 'embedding' | 'track' | 'none';
  /** The face was embedded and matched nobody. */
  unknown: boolean;
}

export interface TrackInputFrame { seq: number; capturedAt: number; faces: TrackInputFace[] }

export interface TrackerOptions extends Pick<TrackConfig, 'iouThreshold' | 'maxEmbeddingDistance' | 'closeAfterMs' | 'minFrames'> {
  /** A second person with at least this share of the winner's votes leaves the track unnamed (track.splitVoteShare, default 0.2). */
  splitVoteShare?: number;
  /** Centre-distance fallback in box sizes (config track.maxCenterShift; 0 or undefined = off). */
  maxCenterShift?: number;
  /** A known person wins the vote with at least this share of the identity votes (config track.minVoteShare, default 0.3). */
  minVoteShare?: number;
  /** Appearance correlation needed to carry a name or continue on centre shift alone (track.minAppearance, default 0.7). */
  minAppearance?: number;
  /** Box overlap with the track's previous box needed to carry a name (track.carryMinIou, default 0.5). */
  carryMinIou?: number;
  /** Longest time since the track's last verified face for carrying its name (track.carryMaxGapMs, default 1500). */
  carryMaxGapMs?: number;
}

interface Vote { personId: string; name: string; count: number; sumScore: number; maxScore: number }

interface Track {
  id: string;
  box: Box;
  firstSeen: number;
  lastSeen: number;
  lastSeq: number;
  frames: number;
  embeddedFrames: number;
  sum: Float32Array | undefined;
  mean: Float32Array | undefined;
  votes: Map<string, Vote>;
  unknownVotes: number;
  /** Best crop of any embedded face (unknown sightings show it). */
  bestCrop: string | null;
  bestQuality: number;
  /** Best crop per person among faces whose own embedding named them: a named sighting shows one of these. */
  earnedCrops: Map<string, { crop: string; quality: number }>;
  /** The best embedded faces (kept with the sighting for corrections). */
  kept: KeptFace[];
  confirmed: boolean;
  unknownId: number | null;
  /** The newest face whose own embedding named someone (or null after an unknown one). */
  verified: { personId: string; name: string; appearance: ArrayLike<number> | undefined; at: number } | null;
  lastAppearance: ArrayLike<number> | undefined;
}

const qualityScore = (q: TrackInputFace['quality']): number => (q.passed ? 1e9 : 0) + q.size * Math.sqrt(Math.max(0, q.sharpness));

interface KeptFace { embedding: Float32Array; confirmEmbedding: Float32Array | undefined; personId: string | null; quality: number }
/** Faces kept per sighting for corrections: confirmed ones (both embeddings) first, then by quality. */
const KEEP_FACES = 3;

/**
 * Joins the faces of one camera's frames (fed in sequence order) into tracks: greedy
 * assignment on box overlap (IoU) plus embedding similarity to the track's mean embedding,
 * identity voted over the track, one sighting per track: `confirmed` after minFrames,
 * `closed` when no face joined for closeAfterMs (camera time).
 */
export class CameraTracker {
  private readonly open: Track[] = [];
  private counter = 0;
  private readonly idBase = Date.now().toString(36);

  constructor(
    readonly cameraId: string,
    private readonly options: TrackerOptions,
    private readonly clusterer: UnknownClusterer,
    private readonly emit: (s: SightingUpdate) => void,
  ) {}

  get openTracks(): number { return this.open.length; }

  /** Feed one frame (sequence order); returns who each face is shown as, in the frame's face order. */
  update(frame: TrackInputFrame): FaceIdentity[] {
    this.expire(frame.capturedAt);
    const { iouThreshold, maxEmbeddingDistance } = this.options;
    const pairs: { t: Track; f: number; score: number }[] = [];
    frame.faces.forEach((face, f) => {
      for (const t of this.open) {
        const o = iou(t.box, face.box);
        const d = face.embedding && t.mean ? cosineDistance(face.embedding, t.mean) : undefined;
        // an embedding far from the track vetoes a box overlap (two people crossing, or one
        // person stepping into another's place) unless the face's own match names the track's person
        if (d !== undefined && d > maxEmbeddingDistance && !(face.match && t.votes.has(face.match.personId))) continue;
        const embOk = d !== undefined && d <= maxEmbeddingDistance;
        let near = o < iouThreshold && !embOk ? nearness(t.box, face.box, this.options.maxCenterShift ?? 0) : 0;
        // a box that is merely nearby must also look like the track's last face (one person
        // replacing another in the same spot at a low frame rate)
        if (near > 0 && face.appearance && t.lastAppearance && appearanceSimilarity(face.appearance, t.lastAppearance) < this.minAppearance) near = 0;
        if (o < iouThreshold && !embOk && near === 0) continue;
        // a nearby box ranks below any real overlap or embedding match (score < iouThreshold)
        pairs.push({ t, f, score: near > 0 ? near * iouThreshold : o + (embOk ? 1 - d! / maxEmbeddingDistance : 0) });
      }
    });
    pairs.sort((a, b) => b.score - a.score);
    const usedT = new Set<Track>();
    const usedF = new Set<number>();
    const identities: FaceIdentity[] = new Array(frame.faces.length);
    for (const p of pairs) {
      if (usedT.has(p.t) || usedF.has(p.f)) continue;
      usedT.add(p.t); usedF.add(p.f);
      identities[p.f] = this.join(p.t, frame, frame.faces[p.f]!);
    }
    frame.faces.forEach((face, f) => {
      if (usedF.has(f)) return;
      identities[f] = this.join(this.openTrack(`${this.idBase}-${++this.counter}`, face, frame), frame, face);
    });
    return identities;
  }

  /**
   * Feed one face of a track that is keyed outside this tracker (another tracker's object id: a
   * Frigate event is one track). No box or embedding matching and no idle expiry: the caller says
   * which track the face belongs to and ends it with closeTrack(). Identity, votes, crops, kept
   * faces, stranger cluster and sighting are exactly those of a matched face.
   */
  updateTrack(trackId: string, frame: Omit<TrackInputFrame, 'faces'>, face: TrackInputFace): FaceIdentity {
    const t = this.open.find((x) => x.id === trackId) ?? this.openTrack(trackId, face, frame);
    return this.join(t, { ...frame, faces: [face] }, face);
  }

  /** End a track fed through updateTrack(): its final sighting when it was confirmed; false when no such track is open. */
  closeTrack(trackId: string): boolean {
    const t = this.open.find((x) => x.id === trackId);
    if (t) this.close(t);
    return t !== undefined;
  }

  private openTrack(id: string, face: TrackInputFace, frame: Omit<TrackInputFrame, 'faces'>): Track {
    const t: Track = {
      id, box: face.box, firstSeen: frame.capturedAt, lastSeen: frame.capturedAt, lastSeq: frame.seq,
      frames: 0, embeddedFrames: 0, sum: undefined, mean: undefined, votes: new Map(), unknownVotes: 0,
      bestCrop: null, bestQuality: -1, earnedCrops: new Map(), kept: [], confirmed: false, unknownId: null, verified: null, lastAppearance: undefined,
    };
    this.open.push(t);
    return t;
  }

  /** A scene cut or camera jump: every open track ends here (nothing continues across it). */
  cut(): void {
    this.closeAll();
  }

  private get minAppearance(): number { return this.options.minAppearance ?? 0.7; }

  /** Who this face is shown as (see FaceIdentity), decided before the face updates its track. */
  private identityOf(t: Track, frame: TrackInputFrame, face: TrackInputFace): FaceIdentity {
    const none = { trackId: t.id, personId: null, name: null };
    if (face.match) {
      t.verified = { personId: face.match.personId, name: face.match.name, appearance: face.appearance, at: frame.capturedAt };
      return { trackId: t.id, personId: face.match.personId, name: face.match.name, evidence: 'embedding', unknown: false };
    }
    if (face.match === null) {
      t.verified = null;
      return { ...none, evidence: 'none', unknown: true };
    }
    const v = t.verified;
    const carried = v !== null && t.frames > 0
      && frame.capturedAt - v.at <= (this.options.carryMaxGapMs ?? 1500)
      && iou(t.box, face.box) >= (this.options.carryMinIou ?? 0.5)
      && face.appearance !== undefined && v.appearance !== undefined
      && appearanceSimilarity(face.appearance, v.appearance) >= this.minAppearance;
    return carried ? { trackId: t.id, personId: v.personId, name: v.name, evidence: 'track', unknown: false } : { ...none, evidence: 'none', unknown: false };
  }

  /** Close tracks idle for closeAfterMs as of `now` (camera time). */
  expire(now: number): void {
    for (const t of [...this.open]) {
      if (now - t.lastSeen > this.options.closeAfterMs) this.close(t);
    }
  }

  closeAll(): void {
    for (const t of [...this.open]) this.close(t);
  }

  private join(t: Track, frame: TrackInputFrame, face: TrackInputFace): FaceIdentity {
    const identity = this.identityOf(t, frame, face);
    t.box = face.box;
    if (face.appearance) t.lastAppearance = face.appearance;
    t.lastSeen = Math.max(t.lastSeen, frame.capturedAt);
    t.lastSeq = frame.seq;
    t.frames++;
    const q = qualityScore(face.quality);
    if (face.crop && q > t.bestQuality) { t.bestQuality = q; t.bestCrop = face.crop; }
    if (face.crop && face.match) {
      const e = t.earnedCrops.get(face.match.personId);
      if (!e || q > e.quality) t.earnedCrops.set(face.match.personId, { crop: face.crop, quality: q });
    }
    if (face.embedding) {
      t.kept.push({ embedding: face.embedding, confirmEmbedding: face.confirmEmbedding, personId: face.match ? face.match.personId : null, quality: q });
      // faces with both witnesses' embeddings first (a correction then teaches both), then the sharpest
      t.kept.sort((a, b) => Number(b.confirmEmbedding !== undefined) - Number(a.confirmEmbedding !== undefined) || b.quality - a.quality);
      if (t.kept.length > KEEP_FACES) t.kept.length = KEEP_FACES;
      t.embeddedFrames++;
      t.sum ??= new Float32Array(face.embedding.length);
      for (let i = 0; i < t.sum.length; i++) t.sum[i]! += face.embedding[i]!;
      t.mean = l2normalize(Float32Array.from(t.sum));
    }
    if (face.match) {
      const v = t.votes.get(face.match.personId) ?? { personId: face.match.personId, name: face.match.name, count: 0, sumScore: 0, maxScore: 0 };
      const s = 1 - face.match.distance;
      v.count++; v.sumScore += s; v.maxScore = Math.max(v.maxScore, s);
      t.votes.set(v.personId, v);
    } else if (face.match === null) {
      t.unknownVotes++;
    }
    // A track whose faces never passed the quality gate (never embedded) is not a sighting:
    // nobody can be recognised from it, and such tracks are mostly false detections
    // (backs of heads, blurred background faces).
    if (!t.confirmed && t.frames >= this.options.minFrames && t.embeddedFrames > 0) {
      t.confirmed = true;
      this.emit(this.sighting(t, 'confirmed'));
    }
    return identity;
  }

  private winner(t: Track): Vote | undefined {
    let best: Vote | undefined;
    for (const v of t.votes.values()) if (!best || v.count > best.count || (v.count === best.count && v.sumScore > best.sumScore)) best = v;
    if (!best) return undefined;
    // faces of one track named as two people (look-alike relatives, or two people swapped in
    // one track): no vote decides between them
    const split = this.options.splitVoteShare ?? 0.2;
    for (const v of t.votes.values()) if (v !== best && v.count >= Math.max(1, split * best.count)) return undefined;
    const total = [...t.votes.values()].reduce((n, v) => n + v.count, 0) + t.unknownVotes;
    return best.count >= (this.options.minVoteShare ?? 0.3) * total ? best : undefined;
  }

  private sighting(t: Track, status: SightingUpdate['status']): SightingUpdate {
    const w = this.winner(t);
    if (!w && t.unknownId === null) t.unknownId = t.mean ? this.clusterer.assign(t.mean) : this.clusterer.anonymous();
    return {
      version: 1, id: `${this.cameraId}:${t.id}`, status, cameraId: this.cameraId, trackId: t.id,
      personId: w?.personId ?? null, name: w?.name ?? null, unknownId: w ? null : t.unknownId,
      // a named sighting shows a face whose own embedding named that person, never another face of the track
      label: w ? w.name : `unknown #${t.unknownId}`, crop: w ? t.earnedCrops.get(w.personId)?.crop ?? null : t.bestCrop,
      firstSeen: t.firstSeen, lastSeen: t.lastSeen,
      maxScore: w ? round(w.maxScore) : null, meanScore: w ? round(w.sumScore / w.count) : null,
      frames: t.frames, embeddedFrames: t.embeddedFrames,
      faces: t.kept.map((f) => ({ embedding: Array.from(f.embedding), ...(f.confirmEmbedding ? { confirmEmbedding: Array.from(f.confirmEmbedding) } : {}), personId: f.personId, quality: f.quality })),
    };
  }

  private close(t: Track): void {
    this.open.splice(this.open.indexOf(t), 1);
    if (!t.confirmed) return; // fewer than minFrames or never embedded: no sighting
    const s = this.sighting(t, 'closed');
    if (s.unknownId !== null && t.mean && t.embeddedFrames > 1) this.clusterer.reinforce(s.unknownId, t.mean);
    this.emit(s);
  }
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * Low frame rates (or frames dropped under load) move a walking face by most of its width
 * between analysed frames, so boxes barely overlap. A box of similar size (within 1.5x) whose
 * centre moved at most maxShift box sizes still continues the track: (0, 1], 0 = too far.
 */
function nearness(a: Box, b: Box, maxShift: number): number {
  if (maxShift <= 0) return 0;
  const size = Math.max(a.width, a.height, b.width, b.height);
  const ratio = Math.max(a.width, b.width) / Math.max(1e-6, Math.min(a.width, b.width));
  if (ratio > 1.5) return 0;
  const dx = a.x + a.width / 2 - (b.x + b.width / 2);
  const dy = a.y + a.height / 2 - (b.y + b.height / 2);
  const shift = Math.hypot(dx, dy) / size;
  return shift <= maxShift ? 1 - shift / (maxShift + 1e-9) || 1e-3 : 0;
}
