import { scoreThresholdOf, type DetectorConfig } from '../../config/schema.js';
import { requireFaceApiModel } from '../../engine/models.js';
import type { FaceApi, Tensor3D } from '../../engine/tf.js';
import type { Detection } from '../types.js';
import type { FaceDetector } from './face.detector.js';
import { newTinyFaceDetector, type TinyFaceDetectorNet } from './face-api.nets.js';
import { tinyDetections } from './postprocess.js';

/**
 * Tiny Face Detector (Tiny YOLO v2 layout) with face-api's weights and forward pass, and our own
 * YOLO decoding and NMS over an awaited `data()` of the raw output (no synchronous tensor reads).
 * Gives the same boxes as face-api's `locateFaces`.
 */
export class TinyYoloFaceDetector implements FaceDetector {
  readonly name = 'tiny' as const;

  private constructor(private readonly net: TinyFaceDetectorNet, readonly inputSize: number, readonly scoreThreshold: number) {
    const { classes, withClassScores } = net.config;
    if (classes.length !== 1 || withClassScores) throw new Error('TinyYoloFaceDetector: expected a one-class network without class scores');
  }

  static async load(faceapi: FaceApi, modelDir: string, cfg: Pick<DetectorConfig, 'inputSize' | 'scoreThreshold'>): Promise<TinyYoloFaceDetector> {
    if (cfg.inputSize % 32 !== 0) throw new Error(`tiny detector: inputSize ${cfg.inputSize} is not a multiple of 32`);
    requireFaceApiModel(modelDir, 'tiny_face_detector_model');
    const net = newTinyFaceDetector(faceapi);
    await net.loadFromDisk(modelDir);
    return new TinyYoloFaceDetector(net, cfg.inputSize, scoreThresholdOf({ model: 'tiny', scoreThreshold: cfg.scoreThreshold }));
  }

  async detect(image: Tensor3D): Promise<Detection[]> {
    return (await this.detectBatch([image]))[0]!;
  }

  async detectBatch(images: Tensor3D[]): Promise<Detection[][]> {
    if (images.length === 0) return [];
    const out = await this.net.forward(images.length === 1 ? images[0]! : images, this.inputSize);
    try {
      const numCells = out.shape[1];
      const raw = await out.data();
      // [batch, cells, cells, channels]: item i is the i-th block of cells^2 * channels values
      const per = raw.length / images.length;
      const { anchors, iouThreshold } = this.net.config;
      return images.map((image, i) => tinyDetections(raw.subarray(i * per, (i + 1) * per), numCells, anchors, { width: image.shape[1], height: image.shape[0] }, this.inputSize, this.scoreThreshold, iouThreshold));
    } finally {
      out.dispose();
    }
  }

  dispose(): void { this.net.dispose(); }
}
