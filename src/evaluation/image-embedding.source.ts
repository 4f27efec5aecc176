import { readFile } from 'node:fs/promises';
import { flipChip } from '../vision/align/chip.aligner.js';
import { meanEmbedding } from '../common/vectors.js';
import type { AnalyzeResult, AnalyzedFace, FacePipeline } from '../vision/face.pipeline.js';
import { isFaceStreamError } from '../errors/index.js';
import { alignmentVersion, decodeVector, encodeVector, sha256, type CachedEmbedding, type EmbeddingCache } from './embedding.cache.js';

/** The embedding of one image's subject face, or why there is none. */
export interface ImageEmbedding {
  path: string;
  status: CachedEmbedding['status'];
  embedding?: Float32Array;
  faces: number;
  qualityPassed?: boolean;
  reasons?: string[];
  error?: string;
  /** Which photo pass found the face (see PhotoPass): 'detector' unless a tight-crop retry did. */
  pass?: string;
  /** Engine time for this image when it was computed (also when it came from the cache). */
  ms: number;
  cached: boolean;
}

/** The parts of FacePipeline this source needs (a fake engine in unit tests). */
export type EmbeddingEngine = Pick<FacePipeline, 'analyze' | 'embedChips' | 'modelId'> & Partial<Pick<FacePipeline, 'analyzePhoto'>> & {
  settings: Pick<FacePipeline['settings'], 'embedder' | 'detector' | 'landmarks'>;
};

/**
 * The subject of a photo: LFW (and most labelled sets) centre the labelled person, and other
 * people may appear at the edges. Take the largest face whose box contains the image centre,
 * else the largest face.
 */
export function pickSubjectFace<F extends Pick<AnalyzedFace, 'box'>>(faces: readonly F[], width: number, height: number): F | undefined {
  const area = (f: F) => f.box.width * f.box.height;
  const cx = width / 2, cy = height / 2;
  const central = faces.filter((f) => f.box.x <= cx && cx <= f.box.x + f.box.width && f.box.y <= cy && cy <= f.box.y + f.box.height);
  const pool = central.length ? central : faces;
  return pool.reduce<F | undefined>((best, f) => (!best || area(f) > area(best) ? f : best), undefined);
}

/**
 * Embeds the subject face of image files through a FacePipeline, with a persistent cache.
 * The face is embedded even when it fails the quality gate (the evaluation measures the
 * model; gate rejections are counted separately). Without a projection head, one engine pass
 * also stores the other flip variant (plain and mirrored chip are both embedded anyway), so
 * evaluating with and without --flip costs one detection pass.
 */
export class ImageEmbeddingSource {
  private readonly pipeline: string;

  /**
   * @param flip embed the mean of the face and its mirror image. Without a projection head
   * the engine must run with embedder.flip=false (the source averages itself and caches both
   * variants); with a head the engine's own flip setting must equal `flip`.
   */
  constructor(
    private readonly engine: EmbeddingEngine,
    private readonly cache: EmbeddingCache | undefined,
    readonly flip: boolean,
    /** Cache key part naming the detection/alignment code (tests and experiments may pin one). */
    pipelineVersion: string = alignmentVersion,
  ) {
    const s = engine.settings;
    if (s.embedder.head === undefined ? s.embedder.flip : s.embedder.flip !== flip) {
      throw new Error(`ImageEmbeddingSource: engine embedder.flip=${s.embedder.flip} does not fit flip=${flip} (head: ${s.embedder.head ?? 'none'})`);
    }
    this.pipeline = JSON.stringify({ alignmentVersion: pipelineVersion, detector: s.detector, landmarks: s.landmarks });
  }

  get modelId(): string { return this.engine.modelId; }

  private keys(fileHash: string) {
    const base = { fileHash, modelId: this.engine.modelId, pipeline: this.pipeline };
    return { plain: this.cache?.keyOf({ ...base, flip: false }), flipped: this.cache?.keyOf({ ...base, flip: true }) };
  }

  async embed(path: string): Promise<ImageEmbedding> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      return { path, status: 'error', faces: 0, error: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, ms: 0, cached: false };
    }
    const keys = this.keys(sha256(bytes));
    const [wanted, otherKey] = this.flip ? [keys.flipped, keys.plain] : [keys.plain, keys.flipped];
    if (this.cache && wanted) {
      const hit = await this.cache.get(wanted);
      if (hit) return fromCached(path, hit, true);
    }
    const { entry, other } = await this.compute(bytes);
    if (this.cache && wanted && otherKey) {
      await this.cache.set(wanted, entry);
      if (other) await this.cache.set(otherKey, other);
    }
    return fromCached(path, entry, false);
  }

  private async compute(bytes: Buffer): Promise<{ entry: CachedEmbedding; other?: CachedEmbedding }> {
    const t0 = performance.now();
    let result: AnalyzeResult;
    try {
      // photos: the tight-crop retries of analyzePhoto (more padding, low score, other detector)
      result = await (this.engine.analyzePhoto ?? this.engine.analyze).call(this.engine, bytes, { embed: false, keepChips: true });
    } catch (e) {
      if (!isFaceStreamError(e)) throw e;
      return { entry: { v: 1, status: 'error', faces: 0, error: `${e.code}: ${e.message}`, ms: performance.now() - t0 } };
    }
    const face = pickSubjectFace(result.faces, result.width, result.height);
    if (!face?.chip) {
      const entry: CachedEmbedding = { v: 1, status: 'no-face', faces: result.faces.length, ms: performance.now() - t0 };
      return { entry, other: entry };
    }
    const common = { v: 1 as const, status: 'ok' as const, faces: result.faces.length, qualityPassed: face.quality.passed, reasons: face.quality.reasons, ...(result.pass ? { pass: result.pass } : {}) };
    if (this.engine.settings.embedder.head !== undefined) {
      // the head projects after the engine's own flip averaging: only the asked variant exists
      const [v] = await this.engine.embedChips([face.chip]);
      return { entry: { ...common, embedding: encodeVector(v!), ms: performance.now() - t0 } };
    }
    // The engine's flip mode computes exactly this: embed(chip), embed(mirror), renormalised mean.
    const [plain] = await this.engine.embedChips([face.chip]);
    const tPlain = performance.now() - t0;
    const [mirrored] = await this.engine.embedChips([flipChip(face.chip)]);
    const tFlip = performance.now() - t0;
    const plainEntry: CachedEmbedding = { ...common, embedding: encodeVector(plain!), ms: tPlain };
    const flipEntry: CachedEmbedding = { ...common, embedding: encodeVector(meanEmbedding(plain!, mirrored!)), ms: tFlip };
    return this.flip ? { entry: flipEntry, other: plainEntry } : { entry: plainEntry, other: flipEntry };
  }
}

function fromCached(path: string, c: CachedEmbedding, cached: boolean): ImageEmbedding {
  return {
    path, status: c.status, faces: c.faces, ms: c.ms, cached,
    ...(c.embedding ? { embedding: decodeVector(c.embedding) } : {}),
    ...(c.qualityPassed !== undefined ? { qualityPassed: c.qualityPassed } : {}),
    ...(c.reasons ? { reasons: c.reasons } : {}),
    ...(c.error ? { error: c.error } : {}),
    ...(c.pass ? { pass: c.pass } : {}),
  };
}
