import { scoreThresholdOf, type DetectorConfig } from '../../config/schema.js';
import { requireFaceApiModel } from '../../engine/models.js';
import type { FaceApi, FaceApiDetector, Tensor3D } from '../../engine/tf.js';
import type { Detection } from '../types.js';
import type { FaceDetector } from './face.detector.js';

/**
 * face-api's detectors behind one interface:
 * - `tiny`: Tiny Face Detector (YOLOv2-tiny style), the fast choice for large faces in live video;
 * - `ssd`: SSD MobileNet v1, slower, finds small, distant and partly turned faces.
 */
export class FaceApiFaceDetector implements FaceDetector {
  private constructor(readonly name: DetectorConfig['model'], private readonly net: FaceApiDetector, private readonly options: unknown) {}

  static async load(faceapi: FaceApi, modelDir: string, cfg: DetectorConfig): Promise<FaceApiFaceDetector> {
    if (cfg.model === 'faceboxes') throw new Error('FaceApiFaceDetector: face-api has no faceboxes');
    const ssd = cfg.model === 'ssd';
    const score = scoreThresholdOf(cfg);
    requireFaceApiModel(modelDir, ssd ? 'ssd_mobilenetv1_model' : 'tiny_face_detector_model');
    const net = ssd ? new faceapi.SsdMobilenetv1() : new faceapi.TinyFaceDetector();
    await net.loadFromDisk(modelDir);
    const options = ssd
      ? new faceapi.SsdMobilenetv1Options({ minConfidence: score, maxResults: cfg.maxFaces })
      : new faceapi.TinyFaceDetectorOptions({ inputSize: cfg.inputSize, scoreThreshold: score });
    return new FaceApiFaceDetector(cfg.model, net, options);
  }

  async detect(image: Tensor3D): Promise<Detection[]> {
    const found = await this.net.locateFaces(image, this.options);
    return found.map((d) => ({ score: d.score, box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height } }));
  }

  /** One image at a time (face-api's locateFaces reads only the first batch item). */
  async detectBatch(images: Tensor3D[]): Promise<Detection[][]> {
    const out: Detection[][] = [];
    for (const image of images) out.push(await this.detect(image));
    return out;
  }

  dispose(): void { this.net.dispose(); }
}
