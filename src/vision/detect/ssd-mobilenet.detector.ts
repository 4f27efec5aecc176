import type { DetectorConfig } from '../../config/schema.js';
import { requireFaceApiModel } from '../../engine/models.js';
import type { FaceApi, FaceApiDetector, Tensor3D } from '../../engine/tf.js';
import type { Detection } from '../types.js';
import type { FaceDetector } from './face.detector.js';

/** face-api's SSD MobileNet v1: slower, but finds small, distant and partly turned faces. */
export class SsdMobilenetDetector implements FaceDetector {
  readonly name = 'ssd';
  private constructor(private readonly net: FaceApiDetector, private readonly options: unknown) {}

  static async load(faceapi: FaceApi, modelDir: string, cfg: DetectorConfig): Promise<SsdMobilenetDetector> {
    requireFaceApiModel(modelDir, 'ssd_mobilenetv1_model');
    const net = new faceapi.SsdMobilenetv1();
    await net.loadFromDisk(modelDir);
    return new SsdMobilenetDetector(net, new faceapi.SsdMobilenetv1Options({ minConfidence: cfg.scoreThreshold, maxResults: cfg.maxFaces }));
  }

  async detect(image: Tensor3D): Promise<Detection[]> {
    const found = await this.net.locateFaces(image, this.options);
    return found.map((d) => ({ score: d.score, box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height } }));
  }

  dispose(): void { this.net.dispose(); }
}
