import { requireFaceApiModel } from '../../engine/models.js';
import type { FaceApi, FaceApiRecognitionNet, TF } from '../../engine/tf.js';
import type { Point } from '../align/similarity.js';
import type { Chip } from '../align/chip.aligner.js';
import { dlibChipPoints, dlibLandmarkIndices } from '../align/templates.js';
import { l2normalize, type Embedder } from './embedder.js';
import { FusedResNet34, type ResNet34Params } from './resnet34.fused.js';

/**
 * The dlib ResNet-34 face descriptor as shipped by face-api (128-d). Chips follow dlib's
 * get_face_chip_details(size 150, padding 0.25), the geometry the network was trained on.
 * face-api's weights, run by FusedResNet34 (the same forward pass with fused convolutions;
 * face-api's preprocessing, (x - mean) / 255, folded into the first one).
 */
export class ResNet34Embedder implements Embedder {
  readonly modelId = 'faceapi-resnet34-128@dlibchip150p25';
  readonly dim = 128;
  readonly chipSize = 150;
  private readonly template = dlibChipPoints(150, 0.25);

  private constructor(private readonly tf: TF, private readonly fused: FusedResNet34) {}

  static async load(faceapi: FaceApi, modelDir: string): Promise<ResNet34Embedder> {
    requireFaceApiModel(modelDir, 'face_recognition_model');
    const net: FaceApiRecognitionNet = new faceapi.FaceRecognitionNet();
    await net.loadFromDisk(modelDir);
    try {
      const params = (net as unknown as { params?: ResNet34Params }).params;
      if (!params) throw new Error('face-api FaceRecognitionNet: no parameters after loading');
      return new ResNet34Embedder(faceapi.tf, FusedResNet34.fold(faceapi.tf, params));
    } finally {
      net.dispose(); // the folded copy is all that runs; face-api's weights would be ~22 MB more per worker
    }
  }

  alignment(l: readonly Point[]) {
    return { imagePoints: dlibLandmarkIndices.map((i) => l[i]!), chipPoints: this.template };
  }

  async embed(chips: Chip[]): Promise<Float32Array[]> {
    if (chips.length === 0) return [];
    const side = this.chipSize, n = chips.length, plane = side * side * 3;
    const data = new Float32Array(n * plane);
    chips.forEach((c, i) => {
      if (c.size !== side) throw new Error(`resnet34 embeds ${side}x${side} chips, got ${c.size}x${c.size}`);
      data.set(c.data, i * plane);
    });
    const batch = this.tf.tensor4d(data, [n, side, side, 3], 'float32');
    let out: ReturnType<FusedResNet34['forward']> | undefined;
    try {
      out = this.fused.forward(batch);
      const values = await out.data() as Float32Array;
      return chips.map((_, i) => l2normalize(values.slice(i * this.dim, (i + 1) * this.dim)));
    } finally {
      batch.dispose();
      out?.dispose();
    }
  }

  dispose(): void { this.fused.dispose(); }
}
