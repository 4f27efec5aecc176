import type { AnalyzeOptions, AnalyzeResult } from '../vision/face.pipeline.js';
import type { ImageInput, RgbImage } from '../vision/decode/image.decoder.js';

/** What the gallery needs from the engine (FacePipeline satisfies it; tests may fake it). */
export interface FaceAnalyzer {
  readonly modelId: string;
  readonly dim: number;
  /** Open-set threshold of this model (cosine distance). */
  readonly threshold: number;
  decode(input: ImageInput): Promise<RgbImage>;
  analyze(input: ImageInput, options?: AnalyzeOptions): Promise<AnalyzeResult>;
}

export interface GalleryLogger { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void }
export const silentLogger: GalleryLogger = { info: () => {}, warn: () => {} };

/** Distances and scores as reported: six decimals. */
export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
