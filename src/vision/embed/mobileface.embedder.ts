import { loadGraphModelFromDisk } from '../../engine/models.js';
import type { GraphModel, TF, Tensor } from '../../engine/tf.js';
import type { Point } from '../align/similarity.js';
import type { Chip } from '../align/chip.aligner.js';
import { arcfaceTemplate112 } from '../align/templates.js';
import { fivePointsOf, l2normalize, type Embedder } from './embedder.js';

/**
 * human-models mobileface (256-d): ArcFace-style 112x112 chips from 5 points; the graph
 * takes raw RGB 0-255 and normalises inside. About 6x cheaper than ResNet-34, less accurate.
 */
export class MobileFaceEmbedder implements Embedder {
  readonly modelId = 'human-mobileface-256@arcface112';
  readonly dim = 256;
  readonly chipSize = 112;

  private constructor(private readonly tf: TF, private readonly model: GraphModel) {}

  static async load(tf: TF, modelDir: string): Promise<MobileFaceEmbedder> {
    return new MobileFaceEmbedder(tf, await loadGraphModelFromDisk(tf, modelDir, 'mobileface'));
  }

  alignment(l: readonly Point[]) {
    return { imagePoints: fivePointsOf(l), chipPoints: arcfaceTemplate112 };
  }

  async embed(chips: Chip[]): Promise<Float32Array[]> {
    if (chips.length === 0) return [];
    const n = chips.length, s = this.chipSize;
    const batch = new Float32Array(n * s * s * 3);
    chips.forEach((c, i) => batch.set(c.data, i * s * s * 3));
    const input = this.tf.tensor4d(batch, [n, s, s, 3]);
    let output: Tensor | undefined;
    try {
      output = this.model.execute(input) as Tensor;
      const flat = (await output.data()) as Float32Array;
      return Array.from({ length: n }, (_, i) => l2normalize(flat.slice(i * this.dim, (i + 1) * this.dim)));
    } finally {
      input.dispose();
      output?.dispose();
    }
  }

  dispose(): void { this.model.dispose(); }
}
