import type { Point } from '../align/similarity.js';
import type { Chip } from '../align/chip.aligner.js';

export { cosineDistance, cosineSimilarity, l2normalize, meanEmbedding } from '../../common/vectors.js';

/** Turns aligned chips into L2-normalised embeddings. */
export interface Embedder {
  /** Stored with every sample, so embeddings of different models are never compared. */
  readonly modelId: string;
  readonly dim: number;
  readonly chipSize: number;
  /** Image points (from the 68 landmarks) and where they must land on the chip. */
  alignment(landmarks68: readonly Point[]): { imagePoints: Point[]; chipPoints: readonly Point[] };
  embed(chips: Chip[]): Promise<Float32Array[]>;
  dispose(): void;
}

/**
 * A trained projection applied after an embedder (training/'s ProjectionHead): injected into the
 * face pipeline by whoever loads it, so vision never depends on training.
 */
export interface EmbeddingProjection {
  /** Part of the pipeline's modelId: embeddings with and without the projection never mix. */
  readonly id: string;
  readonly outputDim: number;
  /** The embedder's modelId the projection was trained on. */
  readonly backboneModelId: string;
  project(vectors: readonly Float32Array[]): Promise<Float32Array[]>;
  dispose(): void;
}

/** The five points (eye centres, nose tip, mouth corners) derived from 68 landmarks. */
export function fivePointsOf(l: readonly Point[]): Point[] {
  const mean = (from: number, to: number): Point => {
    let x = 0, y = 0;
    for (let i = from; i <= to; i++) { x += l[i]![0]; y += l[i]![1]; }
    return [x / (to - from + 1), y / (to - from + 1)];
  };
  return [mean(36, 41), mean(42, 47), l[30]!, l[48]!, l[54]!];
}
