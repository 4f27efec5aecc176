import type { GalleryConfig } from '../config/schema.js';
import type { IdentifyMatch } from '../contracts/match.js';
import type { ImageInput } from '../vision/decode/image.decoder.js';
import type { Box, FaceQuality } from '../vision/types.js';
import type { Person } from '../store/people.repository.js';
import type { GalleryIndex } from './gallery.index.js';
import { round6, type FaceAnalyzer } from './gallery.types.js';
import { matchPeople } from './matcher.js';

export interface IdentifiedFace {
  box: Box;
  detectionScore: number;
  quality: FaceQuality;
  /** null when the face did not pass the quality gate (not embedded, so not identified). */
  match: IdentifyMatch | null;
}

export interface IdentificationDeps {
  index: Pick<GalleryIndex, 'modelId' | 'assertModel' | 'search' | 'distancesTo'>;
  people: { get(id: string): Person | undefined };
  engine: Pick<FaceAnalyzer, 'threshold' | 'identifyThreshold' | 'identifyMinMargin' | 'analyze' | 'analyzePhoto'>;
  settings: Pick<GalleryConfig, 'topK' | 'aggregation' | 'ambiguityMargin'>;
}

/**
 * The matcher: open-set identification against every enrolled sample (nearest samples from the
 * index, grouped per person). A name needs the nearest person within the 1:N threshold
 * (identify.thresholds, calibrated for a false-positive identification rate) AND the second
 * nearest at least identify.minMargins.<model> farther; a closer runner-up leaves the face unknown,
 * flagged ambiguous. Reads only.
 */
export class IdentificationService {
  constructor(private readonly deps: IdentificationDeps) {}

  get modelId(): string { return this.deps.index.modelId; }
  /** Open-set (1:N) threshold (cosine distance) of the engine's model. */
  get threshold(): number { return this.deps.engine.identifyThreshold ?? this.deps.engine.threshold; }
  get minMargin(): number { return this.deps.engine.identifyMinMargin ?? 0; }

  /** Identify one embedding (the stream pipeline's entry point): open-set, with margin rule. */
  identify(embedding: Float32Array, modelId: string = this.modelId): IdentifyMatch {
    const { index, settings } = this.deps;
    index.assertModel(modelId);
    const hits = index.search(embedding, settings.topK).map((h) => ({ personId: h.personId, distance: Math.max(0, h.distance) }));
    const r = matchPeople(hits, { threshold: this.threshold, aggregation: settings.aggregation, ambiguityMargin: Math.max(settings.ambiguityMargin, this.minMargin), minMargin: this.minMargin }, (personId) => index.distancesTo(personId, embedding));
    const nameOf = (id: string) => this.deps.people.get(id)?.name ?? id;
    return {
      personId: r.personId, name: r.personId ? nameOf(r.personId) : null,
      distance: r.distance === null ? null : round6(r.distance), score: r.distance === null ? null : round6(1 - r.distance),
      ambiguous: r.ambiguous, threshold: this.threshold,
      candidates: r.candidates.slice(0, 5).map((c) => ({ ...c, distance: round6(c.distance), name: nameOf(c.personId) })),
    };
  }

  /** Every face of an image with its identity (or unknown). */
  async identifyImage(input: ImageInput): Promise<{ width: number; height: number; modelId: string; faces: IdentifiedFace[] }> {
    this.deps.index.assertModel();
    const { engine } = this.deps;
    const r = await (engine.analyzePhoto ? engine.analyzePhoto(input) : engine.analyze(input));
    return {
      width: r.width, height: r.height, modelId: r.modelId,
      faces: r.faces.map((f) => ({ box: f.box, detectionScore: f.score, quality: f.quality, match: f.embedding ? this.identify(f.embedding, r.modelId) : null })),
    };
  }
}
