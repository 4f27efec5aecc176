import { cosineDistance } from '../common/vectors.js';
import type { DataStore } from '../store/data.store.js';
import type { CorrectionEvidence } from '../store/evidence.repository.js';
import { rankPeople, type WitnessView } from './decision.js';
import type { GalleryIndex } from './gallery.index.js';

/** Two enrolled people whose samples come within the 1:1 threshold of each other. */
export interface LookalikePair { a: string; b: string; distance: number }

export interface WitnessGalleryDeps {
  store: Pick<DataStore, 'samples' | 'evidence' | 'revision'>;
  index: Pick<GalleryIndex, 'modelId' | 'search' | 'distancesTo'>;
  /** Samples of two people closer than this (proposer model, the 1:1 verify threshold) make them a look-alike pair. */
  lookalikeDistance: number;
  /** The confirming model of two-witness mode (undefined: single-model mode). */
  confirmModelId?: string | undefined;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}\n${b}` : `${b}\n${a}`);

/**
 * What the naming rule needs beyond the HNSW search: the correction evidence ("not P" faces, kept
 * in memory and reloaded when it changes), whether two people are a look-alike pair (checked on
 * demand for the two nearest people of a face, remembered until the gallery changes), and the
 * confirming model's vectors of the proposer's candidates (read from the store per face: only
 * faces the proposer would name need them). Nothing here scans the whole gallery on the
 * identification path; lookalikePairs() does, for the people page and the enroll summary.
 */
export class WitnessGallery {
  private evidence: { revision: string; rows: CorrectionEvidence[] } | undefined;
  private pairs: { revision: number; known: Map<string, boolean> } | undefined;

  constructor(private readonly deps: WitnessGalleryDeps) {}

  private currentEvidence(): CorrectionEvidence[] {
    const { store, index } = this.deps;
    const revision = store.evidence.revision;
    if (this.evidence?.revision !== revision) this.evidence = { revision, rows: store.evidence.evidence(index.modelId) };
    return this.evidence.rows;
  }

  /** Whether two people are a look-alike pair of this gallery: any sample of `a` within the 1:1 threshold of one of `b`. */
  readonly lookalike = (a: string, b: string): boolean => {
    const { store, index, lookalikeDistance } = this.deps;
    const revision = store.revision;
    if (this.pairs?.revision !== revision) this.pairs = { revision, known: new Map() };
    const key = pairKey(a, b);
    let v = this.pairs.known.get(key);
    if (v === undefined) {
      v = store.samples.byPerson(a).some((s) => s.modelId === index.modelId && index.distancesTo(b, s.embedding).some((d) => d <= lookalikeDistance));
      this.pairs.known.set(key, v);
    }
    return v;
  };

  /** Every look-alike pair, closest first (a scan of the gallery: the people page, the enroll summary). */
  lookalikePairs(): LookalikePair[] {
    const { store, index, lookalikeDistance } = this.deps;
    const pairs = new Map<string, LookalikePair>();
    for (const s of store.samples.iterate()) {
      if (s.modelId !== index.modelId) continue;
      for (const h of index.search(s.embedding, 10)) {
        if (h.personId === s.personId || h.distance > lookalikeDistance) continue;
        const k = pairKey(s.personId, h.personId);
        const [a, b] = s.personId < h.personId ? [s.personId, h.personId] : [h.personId, s.personId];
        const old = pairs.get(k);
        if (!old || h.distance < old.distance) pairs.set(k, { a, b, distance: Math.max(0, h.distance) });
      }
    }
    return [...pairs.values()].sort((x, y) => x.distance - y.distance);
  }

  /** The nearest correction evidence to a proposer embedding. */
  proposerEvidence(embedding: Float32Array): WitnessView['evidence'] {
    return nearestEvidence(this.currentEvidence(), (e) => (e.embedding.length === embedding.length ? cosineDistance(embedding, e.embedding) : undefined));
  }

  /**
   * The confirmer's view of a face: the proposer's candidate people ranked by their nearest
   * confirming-model sample, and the nearest correction evidence in the confirmer's space.
   */
  confirmerView(confirmEmbedding: Float32Array, candidates: readonly string[]): WitnessView {
    const { store, confirmModelId } = this.deps;
    if (!confirmModelId) return { ranked: [] };
    const dists = store.samples.confirmVectorsOf(candidates, confirmModelId)
      .filter((v) => v.embedding.length === confirmEmbedding.length)
      .map((v) => ({ personId: v.personId, distance: Math.max(0, cosineDistance(confirmEmbedding, v.embedding)) }));
    const evidence = nearestEvidence(this.currentEvidence(), (e) => (e.confirm && e.confirm.modelId === confirmModelId && e.confirm.embedding.length === confirmEmbedding.length ? cosineDistance(confirmEmbedding, e.confirm.embedding) : undefined));
    return { ranked: rankPeople(dists), evidence };
  }

  /** Proposer samples with no confirming-model vector (enrolled before two witnesses: the backfill or `reindex` adds them). */
  missingConfirm(): number {
    const { store, index, confirmModelId } = this.deps;
    return confirmModelId ? store.samples.missingConfirm(index.modelId, confirmModelId) : 0;
  }
}

function nearestEvidence(all: readonly CorrectionEvidence[], distance: (e: CorrectionEvidence) => number | undefined): WitnessView['evidence'] {
  let best: WitnessView['evidence'];
  for (const e of all) {
    const d = distance(e);
    if (d !== undefined && (!best || d < best.distance)) best = { notPersonId: e.notPersonId, distance: Math.max(0, d) };
  }
  return best;
}
