import { requireFaceApiModel } from '../../engine/models.js';
import type { FaceApi, FaceApiRecognitionNet, TF } from '../../engine/tf.js';
import type { Point } from '../align/similarity.js';
import type { Chip } from '../align/chip.aligner.js';
import { dlibChipPoints, dlibLandmarkIndices } from '../align/templates.js';
import { l2normalize, type Embedder } from './embedder.js';

/**
 * The dlib ResNet-34 face descriptor as shipped by face-api (128-d). Chips follow dlib's
 * get_face_chip_details(size 150, padding 0.25), the geometry the network was trained on;
 * face-api's own preprocessing (mean subtraction, /256) runs inside computeFaceDescriptor.
 */
export class ResNet34Embedder implements Embedder {
  readonly modelId = 'faceapi-resnet34-128@dlibchip150p25';
  readonly dim = 128;
  readonly chipSize = 150;
  private readonly template = dlibChipPoints(150, 0.25);

  private constructor(private readonly tf: TF, private readonly net: FaceApiRecognitionNet) {}

  static async load(faceapi: FaceApi, modelDir: string): Promise<ResNet34Embedder> {
    requireFaceApiModel(modelDir, 'face_recognition_model');
    const net = new faceapi.FaceRecognitionNet();
    await net.loadFromDisk(modelDir);
    return new ResNet34Embedder(faceapi.tf, net);
  }

  alignment(l: readonly Point[]) {
    return { imagePoints: dlibLandmarkIndices.map((i) => l[i]!), chipPoints: this.template };
  }

  async embed(chips: Chip[]): Promise<Float32Array[]> {
    if (chips.length === 0) return [];
    const tensors = chips.map((c) => this.tf.tensor3d(c.data, [c.size, c.size, 3], 'float32'));
    try {
      const out = await this.net.computeFaceDescriptor(tensors);
      return (Array.isArray(out) ? out : [out]).map(l2normalize);
    } finally {
      for (const t of tensors) t.dispose();
    }
  }

  dispose(): void { this.net.dispose(); }
}
