import type { EmbedderName } from '../config/schema.js';
import type { AnalyzeOptions, AnalyzeResult, DecisionRules } from '../vision/face.pipeline.js';
import type { ImageInput, RgbImage } from '../vision/decode/image.decoder.js';

/** What the gallery needs from the engine (FacePipeline satisfies it; tests may fake it). */
export interface FaceAnalyzer {
  readonly modelId: string;
  /** The configured embedder (embedder.model): per-embedder settings such as gallery.mislabelDistances. */
  readonly embedderName?: EmbedderName;
  readonly dim: number;
  /** 1:1 verification threshold of this model (cosine distance): enrollment's mislabel check. */
  readonly threshold: number;
  /** Open-set (1:N) threshold of the gallery search; default: `threshold`. */
  readonly identifyThreshold?: number;
  /** The second-nearest person must be at least this much farther for a name; default 0. */
  readonly identifyMinMargin?: number;
  /** The naming rule (single model or two witnesses); default: single with identifyThreshold / identifyMinMargin. */
  readonly decisionRules?: DecisionRules;
  /** The confirming model of two-witness mode: photos analysed get its embedding too (confirmEmbedding). */
  readonly confirmModelId?: string | undefined;
  /** Jittered chips averaged into each gallery sample (embedder.enrollJitter); default 0. */
  readonly enrollJitter?: number;
  decode(input: ImageInput): Promise<RgbImage>;
  analyze(input: ImageInput, options?: AnalyzeOptions): Promise<AnalyzeResult>;
  /** Photos (enrollment, identify): analyze with the tight-crop retries; default analyze. */
  analyzePhoto?(input: ImageInput, options?: AnalyzeOptions): Promise<AnalyzeResult>;
}

export interface GalleryLogger { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void }
export const silentLogger: GalleryLogger = { info: () => {}, warn: () => {} };

/** Distances and scores as reported: six decimals. */
export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
