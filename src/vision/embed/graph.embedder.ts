import { loadGraphModelFromDisk } from '../../engine/models.js';
import type { GraphModel, TF, Tensor } from '../../engine/tf.js';
import type { Point } from '../align/similarity.js';
import type { Chip } from '../align/chip.aligner.js';
import { l2normalize, type Embedder } from './embedder.js';

/** How chip pixels (RGB 0-255) become the graph's input. */
export interface GraphInput {
  /** BGR channel order instead of RGB. */
  bgr: boolean;
  /** input = (pixel - mean) * scale */
  mean: number;
  scale: number;
}

export interface GraphEmbedderSpec {
  modelId: string;
  /** File name (without .json) in the model directory. */
  file: string;
  /** Output node holding the embedding (multi-output graphs). */
  output?: string;
  dim: number;
  chipSize: number;
  input: GraphInput;
  alignment: (landmarks68: readonly Point[]) => { imagePoints: Point[]; chipPoints: readonly Point[] };
  /**
   * Subtracted from every L2-normalised output before normalising again. Some graphs put most
   * of every output in one shared direction, which cosine similarity cannot see past; the mean
   * embedding of training faces (LFW pairsDevTrain) removes it.
   */
  centre?: ArrayLike<number>;
}

/**
 * A TF.js graph model that maps aligned chips to an embedding vector (L2-normalised here):
 * the human-models face networks (mobileface, mobilefacenet, faceres, faceres-deep).
 */
export class GraphEmbedder implements Embedder {
  readonly modelId: string;
  readonly dim: number;
  readonly chipSize: number;

  private constructor(private readonly tf: TF, private readonly model: GraphModel, private readonly spec: GraphEmbedderSpec) {
    this.modelId = spec.modelId;
    this.dim = spec.dim;
    this.chipSize = spec.chipSize;
  }

  static async load(tf: TF, modelDir: string, spec: GraphEmbedderSpec): Promise<GraphEmbedder> {
    return new GraphEmbedder(tf, await loadGraphModelFromDisk(tf, modelDir, spec.file), spec);
  }

  alignment(l: readonly Point[]) { return this.spec.alignment(l); }

  async embed(chips: Chip[]): Promise<Float32Array[]> {
    if (chips.length === 0) return [];
    const n = chips.length, s = this.chipSize;
    const { bgr, mean, scale } = this.spec.input;
    const batch = new Float32Array(n * s * s * 3);
    chips.forEach((c, i) => {
      const o = i * s * s * 3, d = c.data;
      for (let p = 0; p < s * s * 3; p += 3) {
        const r = d[p]!, g = d[p + 1]!, b = d[p + 2]!;
        batch[o + p] = ((bgr ? b : r) - mean) * scale;
        batch[o + p + 1] = (g - mean) * scale;
        batch[o + p + 2] = ((bgr ? r : b) - mean) * scale;
      }
    });
    const input = this.tf.tensor4d(batch, [n, s, s, 3]);
    let output: Tensor | undefined;
    try {
      output = (this.spec.output ? this.model.execute(input, this.spec.output) : this.model.execute(input)) as Tensor;
      const flat = (await output.data()) as Float32Array;
      const dim = flat.length / n;
      if (dim !== this.dim) throw new Error(`${this.modelId}: output has ${dim} values per face, expected ${this.dim}`);
      const centre = this.spec.centre;
      return Array.from({ length: n }, (_, i) => {
        const v = l2normalize(flat.slice(i * dim, (i + 1) * dim));
        if (!centre) return v;
        for (let k = 0; k < dim; k++) v[k]! -= centre[k]!;
        return l2normalize(v);
      });
    } finally {
      input.dispose();
      output?.dispose();
    }
  }

  dispose(): void { this.model.dispose(); }
}
