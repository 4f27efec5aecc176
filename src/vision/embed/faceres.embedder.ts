import type { TF } from '../../engine/tf.js';
import { extractChipWith, flipChip, type Chip } from '../align/chip.aligner.js';
import type { Point } from '../align/similarity.js';
import { dlibChipPoints, dlibLandmarkIndices } from '../align/templates.js';
import { type Embedder } from './embedder.js';
import { GraphEmbedder, type GraphEmbedderSpec } from './graph.embedder.js';
import { faceresCentre } from './faceres.centre.js';

/** A dlib-template chip: `size` pixels, `padding` around the mean face (dlib's get_face_chip_details). */
export interface DlibFraming { size: number; padding: number }

const faceresFraming: DlibFraming = { size: 224, padding: 0.5 };

/**
 * human-models `faceres` (HSE's MobileNet trained on VGGFace2, 1024-d `global_pooling/Mean`).
 * Preprocessing measured with `npm run bench:embedders` on LFW pairsDevTrain
 * (docs/benchmarks/embedders.md): a looser chip than dlib's (the dlib template at padding 0.5, 224 px; VGGFace2
 * crops are loose), RGB 0-255 (0-1 or [-1, 1] input gives near-chance AUC), and the output
 * centred on the mean DevTrain embedding (AUC 0.991 -> 0.995 on the sweep).
 */
export function faceresSpec(): GraphEmbedderSpec {
  const chipPoints = dlibChipPoints(faceresFraming.size, faceresFraming.padding);
  return {
    modelId: 'human-faceres-1024c@dlib224p50',
    file: 'faceres',
    output: 'global_pooling/Mean',
    dim: 1024,
    chipSize: faceresFraming.size,
    input: { bgr: false, mean: 0, scale: 1 },
    alignment: (l: readonly Point[]) => ({ imagePoints: dlibLandmarkIndices.map((i) => l[i]!), chipPoints }),
    centre: faceresCentre,
  };
}

export const loadFaceres = (tf: TF, humanModelDir: string): Promise<GraphEmbedder> => GraphEmbedder.load(tf, humanModelDir, faceresSpec());

/**
 * Cut `to`'s chip of the same face from the source image of a chip framed as `from` (both dlib
 * templates): template point u sits at (padding + u) / (1 + 2 padding) * size on either chip,
 * so the second chip's transform is the first one's composed with a scale and shift. Mirrored
 * chips give mirrored chips.
 */
export function reframeChip(chip: Chip, from: DlibFraming, to: DlibFraming): Chip {
  if (!chip.source) throw new Error('reframeChip: the chip carries no source image');
  const alpha = ((1 + 2 * to.padding) / to.size) * (from.size / (1 + 2 * from.padding));
  const beta = ((from.padding - to.padding) * from.size) / (1 + 2 * from.padding);
  const t = chip.transform;
  // chip(from) pixel p = alpha * q + beta for chip(to) pixel q; image = t(p)
  const composed = { a: t.a * alpha, b: t.b * alpha, tx: t.a * beta - t.b * beta + t.tx, ty: t.b * beta + t.a * beta + t.ty };
  const out = extractChipWith(chip.source, composed, to.size);
  return chip.mirrored ? flipChip(out) : out;
}

/**
 * Score-level fusion of two embedders as ONE embedding, so the gallery, the HNSW index and the
 * thresholds work unchanged: [sqrt(k1) e1, sqrt(k2) e2] / sqrt(k1 + k2), whose cosine similarity
 * is (k1 cos1 + k2 cos2) / (k1 + k2). k_i = w_i / sd_i standardises each member's similarity by
 * the spread of its impostor scores on LFW pairsDevTrain (docs/benchmarks/embedders.md). The primary's chip
 * is the pipeline's chip (quality gate, crops, appearance); the secondary's is cut from the same
 * source image with its own framing.
 */
export class FusedEmbedder implements Embedder {
  readonly modelId: string;
  readonly dim: number;
  readonly chipSize: number;
  private readonly scales: [number, number];

  constructor(
    private readonly primary: Embedder,
    private readonly primaryFraming: DlibFraming,
    private readonly secondary: Embedder,
    private readonly secondaryFraming: DlibFraming,
    weights: [number, number],
    id: string,
  ) {
    this.modelId = `${primary.modelId}+${secondary.modelId}@${id}`;
    this.dim = primary.dim + secondary.dim;
    this.chipSize = primary.chipSize;
    const total = weights[0] + weights[1];
    this.scales = [Math.sqrt(weights[0] / total), Math.sqrt(weights[1] / total)];
  }

  alignment(l: readonly Point[]) { return this.primary.alignment(l); }

  async embed(chips: Chip[]): Promise<Float32Array[]> {
    if (chips.length === 0) return [];
    const first = await this.primary.embed(chips);
    const second = await this.secondary.embed(chips.map((c) => reframeChip(c, this.primaryFraming, this.secondaryFraming)));
    return first.map((e1, i) => {
      const e2 = second[i]!;
      const out = new Float32Array(this.dim);
      for (let k = 0; k < e1.length; k++) out[k] = this.scales[0] * e1[k]!;
      for (let k = 0; k < e2.length; k++) out[e1.length + k] = this.scales[1] * e2[k]!;
      return out;
    });
  }

  dispose(): void {
    this.primary.dispose();
    this.secondary.dispose();
  }
}

export { faceresFraming };
