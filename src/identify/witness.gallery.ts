import { cosineDistance } from '../common/vectors.js';
import type { DataStore } from '../store/data.store.js';
import type { CorrectionEvidence } from '../store/evidence.repository.js';
import { rankPeople, type WitnessView } from './decision.js';
import type { GalleryIndex } from './gallery.index.js';

/** Two enrolled people whose samples come within the 1:1 threshold of each other. */
export interface LookalikePair { a: string; b: string; distance: number }

export interface WitnessGalleryDeps {
  store: Pick<DataStore, 'samples' | 'evidence' | 'revision'>;
  index: Pick<GalleryIndex, 'modelId' | 'search'>;
  /** Samples of two people closer than this (proposer model, the 1:1 verify threshold) make them a look-alike pair. */
  lookalikeDistance: number;
  /** The confirming model of two-witness mode (undefined: single-model mode). */
  confirmModelId?: string | undefined;
}

interface State {
  key: string;
  confirm: Map<string, Float32Array[]>;
  evidence: CorrectionEvidence[];
  pairs: Map<string, LookalikePair>;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}\n${b}` : `${b}\n${a}`);

/**
 * What the naming rule needs beyond the HNSW search, kept in memory and reloaded from the store
 * whenever the gallery or the correction evidence changes: the confirming model's sample vectors
 * per person, the correction evidence ("not P" faces), and the look-alike pairs of the gallery.
 */
export class WitnessGallery {
  private state: State | undefined;

  constructor(private readonly deps: WitnessGalleryDeps) {}

  private current(): State {
    const { store, index, confirmModelId } = this.deps;
    const key = `${store.revision}/${store.evidence.revision}`;
    if (this.state?.key === key) return this.state;
    const confirm = new Map<string, Float32Array[]>();
    if (confirmModelId) {
      for (const v of store.samples.confirmVectors(confirmModelId)) {
        const list = confirm.get(v.personId);
        if (list) list.push(v.embedding); else confirm.set(v.personId, [v.embedding]);
      }
    }
    const pairs = new Map<string, LookalikePair>();
    for (const s of store.samples.iterate()) {
      if (s.modelId !== index.modelId) continue;
      for (const h of index.search(s.embedding, 10)) {
        if (h.personId === s.personId || h.distance > this.deps.lookalikeDistance) continue;
        const k = pairKey(s.personId, h.personId);
        const old = pairs.get(k);
        if (!old || h.distance < old.distance) pairs.set(k, { a: s.personId < h.personId ? s.personId : h.personId, b: s.personId < h.personId ? h.personId : s.personId, distance: Math.max(0, h.distance) });
      }
    }
    this.state = { key, confirm, evidence: store.evidence.evidence(index.modelId), pairs };
    return this.state;
  }

  /** Whether two people are a look-alike pair of this gallery. */
  readonly lookalike = (a: string, b: string): boolean => this.current().pairs.has(pairKey(a, b));

  /** Every look-alike pair, closest first. */
  lookalikePairs(): LookalikePair[] {
    return [...this.current().pairs.values()].sort((x, y) => x.distance - y.distance);
  }

  /** The nearest correction evidence to a proposer embedding. */
  proposerEvidence(embedding: Float32Array): WitnessView['evidence'] {
    return nearestEvidence(this.current().evidence, (e) => e.embedding.length === embedding.length ? cosineDistance(embedding, e.embedding) : undefined);
  }

  /**
   * The confirmer's view of a face: the proposer's candidate people ranked by their nearest
   * confirming-model sample, and the nearest correction evidence in the confirmer's space.
   */
  confirmerView(confirmEmbedding: Float32Array, candidates: readonly string[]): WitnessView {
    const s = this.current();
    const dists: { personId: string; distance: number }[] = [];
    for (const personId of candidates) {
      for (const v of s.confirm.get(personId) ?? []) if (v.length === confirmEmbedding.length) dists.push({ personId, distance: Math.max(0, cosineDistance(confirmEmbedding, v)) });
    }
    const confirmModelId = this.deps.confirmModelId;
    const evidence = nearestEvidence(s.evidence, (e) => e.confirm && e.confirm.modelId === confirmModelId && e.confirm.embedding.length === confirmEmbedding.length ? cosineDistance(confirmEmbedding, e.confirm.embedding) : undefined);
    return { ranked: rankPeople(dists), evidence };
  }

  /** Proposer samples with no confirming-model vector (enrolled before two witnesses: `gallery reindex` adds them). */
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
