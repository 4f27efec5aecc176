import type { DetectorConfig } from '../../config/schema.js';
import { requireFaceApiModel } from '../../engine/models.js';
import type { FaceApi, FaceApiDetector, Tensor3D } from '../../engine/tf.js';
import type { Detection } from '../types.js';
import type { FaceDetector } from './face.detector.js';

/** face-api's Tiny Face Detector (YOLOv2-tiny style): the fast choice for live video. */
export class TinyFaceDetector implements FaceDetector {
  readonly name = 'tiny';
  private constructor(private readonly net: FaceApiDetector, private readonly options: unknown) {}

  static async load(faceapi: FaceApi, modelDir: string, cfg: DetectorConfig): Promise<TinyFaceDetector> {
    requireFaceApiModel(modelDir, 'tiny_face_detector_model');
    const net = new faceapi.TinyFaceDetector();
    await net.loadFromDisk(modelDir);
    return new TinyFaceDetector(net, new faceapi.TinyFaceDetectorOptions({ inputSize: cfg.inputSize, scoreThreshold: cfg.scoreThreshold }));
  }

  async detect(image: Tensor3D): Promise<Detection[]> {
    const found = await this.net.locateFaces(image, this.options);
    return found.map((d) => ({ score: d.score, box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height } }));
  }

  dispose(): void { this.net.dispose(); }
}
